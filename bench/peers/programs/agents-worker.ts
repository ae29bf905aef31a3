/**
 * Peer: the Cloudflare Agents SDK (issue 17 item 2). One Agent holds approvals in its
 * SQLite; clients call its `@callable()` methods over the Agent's WebSocket: an agent
 * calls `requestApproval`, a reviewer calls `decide`, and the Agent tells the requesting
 * connection (only it, as an approval service would) that the decision is in. Written
 * from the Agents SDK docs (callable methods, state and SQL, routing).
 *
 * Built by wrangler in the scratch folder and run on bare workerd, like `npm run serve`.
 */
import { Agent, callable, getCurrentAgent, routeAgentRequest } from 'agents';

type Env = { Approvals: DurableObjectNamespace<Approvals> };

export class Approvals extends Agent<Env> {
  onStart(): void {
    this.sql`CREATE TABLE IF NOT EXISTS approvals (id TEXT PRIMARY KEY, tool TEXT NOT NULL, connection TEXT, status TEXT NOT NULL, decided_at INTEGER)`;
  }

  @callable()
  requestApproval(tool: string): string {
    const id = crypto.randomUUID();
    const { connection } = getCurrentAgent();
    this.sql`INSERT INTO approvals (id, tool, connection, status) VALUES (${id}, ${tool}, ${connection?.id ?? null}, 'pending')`;
    return id;
  }

  @callable()
  decide(id: string, decision: 'approve' | 'reject'): boolean {
    const [row] = this.sql<{ connection: string | null }>`UPDATE approvals SET status = ${decision}, decided_at = ${Date.now()} WHERE id = ${id} AND status = 'pending' RETURNING connection`;
    if (!row) return false;
    if (row.connection) this.getConnection(row.connection)?.send(JSON.stringify({ type: 'decided', id, decision }));
    return true;
  }
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    if (new URL(request.url).pathname === '/healthz') return new Response('ok');
    return (await routeAgentRequest(request, env)) ?? new Response('not found', { status: 404 });
  },
};
