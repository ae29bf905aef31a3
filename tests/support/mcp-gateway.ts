/**
 * The real `greenlight mcp proxy` process for tests: the SDK's MCP Client connected over
 * stdio to the gateway, which fronts mcp-fixture-server.ts (stdio) or a streamable-HTTP
 * upstream. The fixture logs every call that reaches it (one JSON line per call), so
 * "never forwarded" is checked where it happens. Used by tests/e2e and tests/browser.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { Approval, GreenlightClient } from '@greenlight/sdk';
import { ROOT_DIR } from '../../scripts/server.ts';

export const GREENLIGHT_BIN = join(ROOT_DIR, 'packages', 'cli', 'bin', 'greenlight.js');
export const MCP_FIXTURE = join(ROOT_DIR, 'tests', 'e2e', 'mcp-fixture-server.ts');

export type UpstreamCall = { tool: string; args: Record<string, unknown> };

export type Gateway = {
  client: Client;
  transport: StdioClientTransport;
  /** The calls the fixture upstream received, in order. */
  calls: () => UpstreamCall[];
  stderr: () => string;
  /** Resolves once the gateway process is gone. */
  exited: Promise<null>;
  /** The gateway's session task, once its first call opened it (from its log line). */
  taskId: () => Promise<string>;
};

/** Poll `probe` every 50 ms until it answers something other than undefined; throws after `ms`. */
export async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const v = await probe();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** The calls logged in the fixture's log file (none before the first). */
export function readCalls(log: string): UpstreamCall[] {
  if (!existsSync(log)) return [];
  return readFileSync(log, 'utf8')
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as UpstreamCall);
}

/**
 * Start `greenlight mcp proxy --name <name> -- node mcp-fixture-server.ts <log>` (or, with
 * `upstreamUrl`, `--url <upstreamUrl>`) against the Greenlight at `url` with the agent
 * `key`, and connect an MCP Client to it. `dir` holds the fixture's call log.
 */
export async function startGateway(opts: { dir: string; url: string; key: string; name?: string; upstreamUrl?: string }): Promise<Gateway> {
  const name = opts.name ?? 'notes';
  const log = join(opts.dir, `calls-${Math.random().toString(36).slice(2)}.jsonl`);
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [GREENLIGHT_BIN, 'mcp', 'proxy', '--name', name, ...(opts.upstreamUrl ? ['--url', opts.upstreamUrl] : ['--', process.execPath, MCP_FIXTURE, log])],
    env: { ...(process.env as Record<string, string>), GREENLIGHT_URL: opts.url, GREENLIGHT_KEY: opts.key, NO_COLOR: '1' },
    stderr: 'pipe',
    cwd: ROOT_DIR,
  });
  let stderr = '';
  transport.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const client = new Client({ name: 'gateway-test', version: '1.0.0' });
  await client.connect(transport);
  const pid = transport.pid!;
  const exited = new Promise<null>((resolve) => {
    const check = setInterval(() => {
      try {
        process.kill(pid, 0);
      } catch {
        clearInterval(check);
        resolve(null);
      }
    }, 50);
  });
  const taskId = () => until('the session task', async () => /session task (\S+):/.exec(stderr)?.[1]);
  return { client, transport, calls: () => readCalls(log), stderr: () => stderr, exited, taskId };
}

/** The open approval of the gateway's call of `tool` with `input` (tool `mcp__<server>__<tool>`), once the gateway has asked. */
export async function approvalFor(reviewer: GreenlightClient, tool: string, input: Record<string, unknown>, serverName = 'notes'): Promise<Approval> {
  const want = `mcp__${serverName}__${tool}`;
  return until(
    `an approval for ${tool} ${JSON.stringify(input)}`,
    async () => (await reviewer.approvals.list.query({ limit: 200 })).items.find((a) => a.params.tool === want && JSON.stringify(a.params.input) === JSON.stringify(input)),
    30_000,
  );
}

/** The text of an MCP tool result's content, joined by newlines. */
export const resultText = (r: unknown): string => ((r as { content: { text?: string }[] }).content ?? []).map((c) => c.text ?? '').join('\n');
