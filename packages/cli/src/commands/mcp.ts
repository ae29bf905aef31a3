/**
 * `greenlight mcp proxy` (the enforcing MCP gateway) and `greenlight mcp serve` (the
 * advisory MCP server). The MCP SDK is loaded only when one of them runs, so every other
 * command starts as fast as before.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { McpServerName } from '@greenlight/core';
import { secondsToMs } from '../budget.ts';
import { UsageError } from '../errors.ts';
import { str, type Command, type Values } from './spec.ts';

/** How long a call is held for a decision by default (the rule's own timeout usually ends it first). */
export const DEFAULT_MCP_WAIT_S = 3600;
/** The lease on a call while the upstream runs it, heartbeated at a third. */
export const DEFAULT_MCP_LEASE_S = 300;

function version(): string {
  return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}

/** A server name from the upstream's command or URL when --name is not given: `node server.js` -> `node`. */
export function defaultServerName(command: string | undefined, url: string | undefined): string {
  let raw = 'upstream';
  if (url !== undefined) raw = URL.canParse(url) ? new URL(url).hostname : raw;
  else if (command !== undefined) raw = basename(command).replace(/\.[A-Za-z0-9]+$/, '');
  const cleaned = raw
    .replace(/[^A-Za-z0-9_-]+/g, '-')
    .replace(/_{2,}/g, '_')
    .replace(/^[-_]+|[-_]+$/g, '')
    .slice(0, 40);
  return McpServerName.safeParse(cleaned).success ? cleaned : 'upstream';
}

function serverName(values: Values, command: string | undefined, url: string | undefined): string {
  const name = str(values.name);
  if (name === undefined) return defaultServerName(command, url);
  const parsed = McpServerName.safeParse(name);
  if (!parsed.success) throw new UsageError(`--name ${JSON.stringify(name)}: ${parsed.error.issues[0]?.message ?? 'not a valid server name'}`);
  return name;
}

function upstreamUrl(raw: string): string {
  if (!URL.canParse(raw) || !/^https?:$/.test(new URL(raw).protocol)) throw new UsageError(`--url must be an http(s) URL of a streamable-HTTP MCP server (got ${JSON.stringify(raw)})`);
  return raw;
}

const log = (line: string) => process.stderr.write(`${line}\n`);

export const mcp: Command = {
  usage: 'mcp proxy [--name <server>] [--wait <s>] (-- <command> [args...] | --url <url>) | mcp serve [--wait-max <s>]',
  summary: 'MCP gateway that holds each tool call for a decision (proxy), or an advisory approval server (serve)',
  options: {
    name: { type: 'string' },
    url: { type: 'string' },
    wait: { type: 'string' },
    lease: { type: 'string' },
    'wait-max': { type: 'string' },
  },
  async run(ctx, args, values) {
    const [sub, ...rest] = args;
    if (sub === 'proxy') {
      const url = str(values.url);
      if (url !== undefined && rest.length > 0) throw new UsageError('give either --url <url> or -- <command> [args...], not both');
      if (url === undefined && rest.length === 0) throw new UsageError('usage: greenlight mcp proxy [--name <server>] -- <command> [args...]   (or --url <url>)');
      const waitMs = secondsToMs(str(values.wait) ?? String(DEFAULT_MCP_WAIT_S), '--wait');
      const leaseSeconds = Math.round(secondsToMs(str(values.lease) ?? String(DEFAULT_MCP_LEASE_S), '--lease') / 1000);
      if (leaseSeconds < 5 || leaseSeconds > 3600) throw new UsageError('--lease must be between 5 and 3600 seconds');
      const target = url !== undefined ? { url: upstreamUrl(url) } : { command: rest[0]!, args: rest.slice(1) };
      const server = serverName(values, rest[0], url);
      const config = ctx.config();
      const { runProxy } = await import('../mcp/proxy.ts');
      return runProxy({ server, target, waitMs, leaseSeconds, config, requestMs: ctx.budgetMs, version: version(), log });
    }
    if (sub === 'serve') {
      if (rest.length > 0) throw new UsageError('usage: greenlight mcp serve [--wait-max <seconds>]');
      const waitMaxMs = secondsToMs(str(values['wait-max']) ?? '600', '--wait-max');
      const config = ctx.config();
      const { runServe } = await import('../mcp/serve.ts');
      return runServe({ config, requestMs: ctx.budgetMs, waitMaxMs, version: version(), log });
    }
    throw new UsageError('usage: greenlight mcp proxy [--name <server>] -- <command> [args...] | greenlight mcp serve');
  },
};
