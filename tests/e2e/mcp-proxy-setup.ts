/**
 * The workspace the `greenlight mcp proxy` e2e files share: one live `wrangler dev` per
 * file, a workspace with an agent and a reviewer key, and the policy those files test
 * (a trusted read-only server, two timeout defaults, a deny on an untrusted hint).
 * Gateways started through it are closed after each test.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { createClient, type Approval, type GreenlightClient, type Step } from '@greenlight/sdk';
import { approvalFor, startGateway, type Gateway } from '../support/mcp-gateway.ts';
import { createWorkspace, startTestServer, type TestServer } from '../support/live-server.ts';

export type McpProxyFile = {
  readonly reviewer: GreenlightClient;
  /** A temporary folder for this file (fixture logs). */
  readonly dir: string;
  /** Start a gateway as the agent; `greenlightUrl` overrides the server (e.g. an unreachable one). */
  gateway(name?: string, upstreamUrl?: string, greenlightUrl?: string): Promise<Gateway>;
  approvalFor(tool: string, input: Record<string, unknown>, serverName?: string): Promise<Approval>;
  decide(a: Approval, decision: 'approve' | 'reject' | 'request_changes' | 'modify', extra?: Record<string, unknown>): Promise<unknown>;
  step(stepId: string): Promise<Step>;
};

/** Registers the file's beforeAll/afterEach/afterAll and answers its handles. */
export function mcpProxyFile(workspaceId: string): McpProxyFile {
  let server: TestServer;
  let agentKey: string;
  let reviewer: GreenlightClient;
  let dir: string;
  const open: Gateway[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'greenlight-mcp-'));
    server = await startTestServer();
    const keys = await createWorkspace(server, workspaceId, { agent: 'agent', reviewer: 'approver' });
    agentKey = keys.agent;
    reviewer = createClient({ url: server.url, key: keys.reviewer });
    await createClient({ url: server.url, key: keys.admin }).policy.set.mutate({
      policy: {
        rules: [
          { name: 'notes-reads', match: { server: 'notes', annotations: { readOnlyHint: true } }, action: 'allow', trustAnnotations: true },
          { name: 'slow-yes', match: { server: 'slow-yes' }, action: 'ask', timeoutSeconds: 1, defaultOnTimeout: 'approve' },
          { name: 'slow-no', match: { server: 'slow-no' }, action: 'ask', timeoutSeconds: 1, defaultOnTimeout: 'reject' },
          { name: 'no-deletes', match: { server: 'guarded', annotations: { destructiveHint: true } }, action: 'deny', reason: 'deletes go through the backup tool' },
        ],
      },
    });
  });

  afterEach(async () => {
    await Promise.allSettled(open.splice(0).map((g) => g.client.close()));
  });

  afterAll(async () => {
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  return {
    get reviewer() {
      return reviewer;
    },
    get dir() {
      return dir;
    },
    async gateway(name = 'notes', upstreamUrl, greenlightUrl) {
      const g = await startGateway({ dir, url: greenlightUrl ?? server.url, key: agentKey, name, ...(upstreamUrl ? { upstreamUrl } : {}) });
      open.push(g);
      return g;
    },
    approvalFor: (tool, input, serverName) => approvalFor(reviewer, tool, input, serverName),
    decide: (a, decision, extra = {}) => reviewer.approvals.decide.mutate({ approvalId: a.approvalId, decision, paramsHash: a.paramsHash, ...extra }),
    step: (stepId) => reviewer.steps.get.query({ stepId }),
  };
}
