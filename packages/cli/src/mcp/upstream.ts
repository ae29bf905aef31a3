/**
 * The gateway's connection to the real MCP server: a child process over stdio, or a
 * streamable-HTTP endpoint. Also keeps the upstream's tool hints (annotations) by tool
 * name, from every tools/list answer that passes through and, for a tool called before
 * it was listed, from a fresh listing.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { CallToolResultSchema, ListToolsResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { pickAnnotations, type McpAnnotations } from '@greenlight/core';
import type { Upstream } from './gate.ts';

export type UpstreamTarget = { command: string; args: string[] } | { url: string };

/**
 * The environment the upstream process gets: the gateway's own, without Greenlight's
 * credentials (the upstream server is not trusted with the key that records its calls).
 */
export function upstreamEnv(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined && !/^GREENLIGHT_(KEY|URL|CONFIG)$/.test(k)) out[k] = v;
  return out;
}

function transportFor(target: UpstreamTarget): Transport {
  if ('url' in target) return new StreamableHTTPClientTransport(new URL(target.url));
  // The upstream's stderr is the gateway's: its logs stay visible where the host shows ours.
  return new StdioClientTransport({ command: target.command, args: target.args, env: upstreamEnv(), stderr: 'inherit' });
}

export type UpstreamConnection = Upstream & {
  client: Client;
  /** Record the hints of a tools/list answer that passed through. */
  learn(result: unknown): void;
  /** Forget the hints (the upstream said its tool list changed). */
  forget(): void;
  close(): Promise<void>;
};

/**
 * Connect to the upstream and initialize it. `name`/`version` are what the gateway calls
 * itself to the upstream.
 * @throws when the process cannot start or the server does not complete the MCP handshake.
 */
export async function connectUpstream(target: UpstreamTarget, version: string): Promise<UpstreamConnection> {
  const client = new Client({ name: 'greenlight-mcp-proxy', version }, { capabilities: {} });
  await client.connect(transportFor(target));
  let hints = new Map<string, McpAnnotations>();
  const learn = (result: unknown) => {
    const parsed = ListToolsResultSchema.safeParse(result);
    if (!parsed.success) return;
    for (const t of parsed.data.tools) hints.set(t.name, pickAnnotations(t.annotations));
  };
  const refresh = async () => {
    const fresh = new Map<string, McpAnnotations>();
    let cursor: string | undefined;
    for (let page = 0; page < 100; page++) {
      const r = await client.request({ method: 'tools/list', params: cursor ? { cursor } : {} }, ListToolsResultSchema);
      for (const t of r.tools) fresh.set(t.name, pickAnnotations(t.annotations));
      cursor = r.nextCursor;
      if (!cursor) break;
    }
    hints = fresh;
  };
  return {
    client,
    learn,
    forget: () => {
      hints = new Map();
    },
    async annotationsOf(name) {
      if (!hints.has(name) && client.getServerCapabilities()?.tools) await refresh().catch(() => {});
      return hints.get(name);
    },
    async callTool(name, args, opts) {
      const params = { name, ...(args !== undefined ? { arguments: args } : {}), ...(opts.meta ? { _meta: opts.meta } : {}) };
      // No request timeout of our own: the client's cancel (or its own timeout) ends the call.
      return client.request({ method: 'tools/call', params }, CallToolResultSchema, {
        signal: opts.signal,
        timeout: 2_000_000_000,
        ...(opts.onprogress ? { onprogress: opts.onprogress } : {}),
      });
    },
    close: () => client.close(),
  };
}
