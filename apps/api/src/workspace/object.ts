/**
 * The Workspace Durable Object: one per tenant, SQLite-backed, the only owner of its
 * tasks, approvals, keys, policy and events. A facade: each RPC method is one line over
 * the procedure table (procedures.ts), run by the pipeline (pipeline.ts: auth, role,
 * rate limit, idempotency, one transaction, broadcast, alarm aim); `fetch` is the live
 * socket's upgrade (live.ts) and `alarm` the deadlines, deliveries and pruning (alarm.ts).
 */
import { DurableObject } from 'cloudflare:workers';
import {
  CLOSE_REVOKED,
  fail,
  ok,
  type AppendInput,
  type AuditExportInput,
  type CancelInput,
  type ChallengeInput,
  type RegisterPasskeyInput,
  type ClaimInput,
  type CloseInput,
  type CompleteInput,
  type ConfirmProposalInput,
  type CreateKeyInput,
  type CreateWebhookInput,
  type DecideInput,
  type DecideManyInput,
  type EvaluateInput,
  type FailInput,
  type HeartbeatInput,
  type ListApprovalsInput,
  type ListEventsInput,
  type ListGrantsInput,
  type ListHistoryInput,
  type ListTasksInput,
  type PlanInput,
  type Policy,
  type RateLimits,
  type Result,
  type ReviseInput,
  type RevokeGrantInput,
  type SetModeInput,
  type SimulateInput,
  type Workspace as WorkspaceInfo,
} from '@greenlight/core';
import { runAlarm } from './alarm.ts';
import { liveKeyById, mintKey } from './keys.ts';
import { acceptLive, closeHandshake, redeemTicket, refuseMessage } from './live.ts';
import { readMeta, writeMeta } from './meta.ts';
import { migrate } from './migrations.ts';
import { Pipeline } from './pipeline.ts';
import { keyCaller } from './caller.ts';
import { PROCEDURES as P, type Procedure } from './procedures.ts';
import { sealLegacyWebhookSecrets } from './webhooks.ts';
import * as stepup from './stepup.ts';
import * as links from './links.ts';
import { relyingParty } from './stepup.ts';
import type { Cred, WorkspaceRpc } from '../contract/rpc.ts';

export type { Cred } from '../contract/rpc.ts';

type Idem = { idempotencyKey?: string };

export class Workspace extends DurableObject<Env> implements WorkspaceRpc {
  /**
   * The object's clock (epoch ms): every rule's `now` comes from here. Tests replace it
   * inside runInDurableObject to move time without waiting (rate limits, leases).
   */
  clock: () => number = () => Date.now();
  protected readonly pipeline: Pipeline;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.pipeline = new Pipeline(ctx, env, () => this.clock());
    void ctx.blockConcurrencyWhile(async () => {
      ctx.storage.transactionSync(() => migrate(ctx.storage.sql));
      try {
        await sealLegacyWebhookSecrets(ctx.storage.sql, env);
      } catch (e) {
        // Only without any data key (no GREENLIGHT_DATA_KEY, no root token): nothing can be sealed, or sent.
        console.error('workspace: cannot seal stored webhook secrets:', e instanceof Error ? e.message : e);
      }
    });
    // Pings are answered without waking the object.
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair('ping', 'pong'));
  }

  /** Called once by workspaces.create (root token checked by the Worker). */
  async init(input: { id: string; name: string }): Promise<Result<{ workspace: WorkspaceInfo; adminKey: string }>> {
    const minted = await mintKey(input.id);
    const p = this.pipeline;
    return p.transact(() => {
      if (p.currentMeta()) return fail('CONFLICT', `workspace ${input.id} already exists`);
      const now = this.clock();
      writeMeta(p.sql, 'workspace', { id: input.id, name: input.name, createdAt: now });
      const meta = p.currentMeta()!;
      const id = crypto.randomUUID();
      const tx = p.tx(meta, keyCaller({ id, principal: 'admin', role: 'admin', createdAt: now }), now);
      tx.emit([{ type: 'workspace.created', data: { id: input.id, name: input.name } }]);
      tx.run({ type: 'key.create', id, principal: 'admin', role: 'admin', secretHash: minted.secretHash });
      const { usage: _usage, ...workspace } = readMeta(p.sql)!;
      return ok({ workspace, adminKey: minted.key });
    });
  }

  /** One procedure: its async preparation, then the pipeline with its transaction. */
  private async run<I, Pr, T>(proc: Procedure<I, Pr, T>, cred: Cred, input: I): Promise<Result<T>> {
    const prepared = proc.prepare ? await proc.prepare(input, { cred, env: this.env }) : (undefined as Pr);
    const mutation = proc.op ? { op: proc.op, input, ...(proc.secret ? { secret: proc.secret(prepared) } : {}) } : undefined;
    return this.pipeline.call(cred, proc.capability, mutation, (tx) => proc.apply(tx, input, prepared));
  }

  getWorkspace(cred: Cred) {
    return this.run(P.getWorkspace, cred, undefined);
  }
  listKeys(cred: Cred) {
    return this.run(P.listKeys, cred, undefined);
  }
  getPolicy(cred: Cred) {
    return this.run(P.getPolicy, cred, undefined);
  }
  evaluatePolicy(cred: Cred, input: EvaluateInput) {
    return this.run(P.evaluatePolicy, cred, input);
  }
  simulatePolicy(cred: Cred, input: SimulateInput) {
    return this.run(P.simulatePolicy, cred, input);
  }
  listHistory(cred: Cred, input: ListHistoryInput) {
    return this.run(P.listHistory, cred, input);
  }
  getTask(cred: Cred, taskId: string) {
    return this.run(P.getTask, cred, taskId);
  }
  listTasks(cred: Cred, input: ListTasksInput) {
    return this.run(P.listTasks, cred, input);
  }
  listApprovals(cred: Cred, input: ListApprovalsInput) {
    return this.run(P.listApprovals, cred, input);
  }
  getApproval(cred: Cred, approvalId: string) {
    return this.run(P.getApproval, cred, approvalId);
  }
  listEvents(cred: Cred, input: ListEventsInput) {
    return this.run(P.listEvents, cred, input);
  }
  auditExport(cred: Cred, input: AuditExportInput) {
    return this.run(P.auditExport, cred, input);
  }
  getStep(cred: Cred, stepId: string) {
    return this.run(P.getStep, cred, stepId);
  }
  getStepByKey(cred: Cred, taskId: string, key: string) {
    return this.run(P.getStepByKey, cred, { taskId, key });
  }
  ticket(cred: Cred) {
    return this.run(P.ticket, cred, undefined);
  }
  createKey(cred: Cred, input: CreateKeyInput & Idem) {
    return this.run(P.createKey, cred, input);
  }
  setLimits(cred: Cred, input: { limits: RateLimits } & Idem) {
    return this.run(P.setLimits, cred, input);
  }
  setPolicy(cred: Cred, input: { policy: Policy } & Idem) {
    return this.run(P.setPolicy, cred, input);
  }
  plan(cred: Cred, input: PlanInput) {
    return this.run(P.plan, cred, input);
  }
  append(cred: Cred, input: AppendInput) {
    return this.run(P.append, cred, input);
  }
  close(cred: Cred, input: CloseInput) {
    return this.run(P.close, cred, input);
  }
  revise(cred: Cred, input: ReviseInput) {
    return this.run(P.revise, cred, input);
  }
  setMode(cred: Cred, input: SetModeInput) {
    return this.run(P.setMode, cred, input);
  }
  cancel(cred: Cred, input: CancelInput) {
    return this.run(P.cancel, cred, input);
  }
  listGrants(cred: Cred, input: ListGrantsInput) {
    return this.run(P.listGrants, cred, input);
  }
  revokeGrant(cred: Cred, input: RevokeGrantInput) {
    return this.run(P.revokeGrant, cred, input);
  }
  listProposals(cred: Cred, input: { all: boolean }) {
    return this.run(P.listProposals, cred, input);
  }
  confirmProposal(cred: Cred, input: ConfirmProposalInput) {
    return this.run(P.confirmProposal, cred, input);
  }
  /** With a passkey assertion, the step-up path (stepup.ts): verified, then decided with authStrength passkey. */
  decide(cred: Cred, input: DecideInput, origin?: string) {
    if (!input.passkey) return this.run(P.decide, cred, input);
    if (origin === undefined) return Promise.resolve(fail('BAD_REQUEST', 'a passkey decision needs the page’s origin'));
    return stepup.decideWithPasskey(this.pipeline, cred, input, relyingParty(origin));
  }
  approvalChallenge(cred: Cred, input: ChallengeInput, origin: string) {
    return stepup.challenge(this.pipeline, cred, input, relyingParty(origin));
  }
  passkeyRegisterOptions(cred: Cred, origin: string) {
    return stepup.registerOptions(this.pipeline, cred, relyingParty(origin));
  }
  passkeyRegister(cred: Cred, input: RegisterPasskeyInput, origin: string) {
    return stepup.register(this.pipeline, cred, input, relyingParty(origin));
  }
  /** A one-click link looked at (GET /l/<token>): what it would decide, changing nothing. */
  previewLink(workspaceId: string, token: string) {
    return links.previewLink(this.pipeline, workspaceId, token);
  }
  /** A one-click link used (POST /l/<token>): decides once, as `link:<id>`. */
  useLink(workspaceId: string, token: string) {
    return links.useLink(this.pipeline, workspaceId, token);
  }
  listPasskeys(cred: Cred) {
    return stepup.list(this.pipeline, cred);
  }
  deletePasskey(cred: Cred, input: { id: string } & Idem) {
    return stepup.remove(this.pipeline, cred, input);
  }
  decideMany(cred: Cred, input: DecideManyInput) {
    return this.run(P.decideMany, cred, input);
  }
  createWebhook(cred: Cred, input: CreateWebhookInput) {
    return this.run(P.createWebhook, cred, input);
  }
  listWebhooks(cred: Cred) {
    return this.run(P.listWebhooks, cred, undefined);
  }
  deleteWebhook(cred: Cred, input: { id: string } & Idem) {
    return this.run(P.deleteWebhook, cred, input);
  }
  listDeliveries(cred: Cred, input: { webhookId?: string | undefined; limit: number }) {
    return this.run(P.listDeliveries, cred, input);
  }
  claim(cred: Cred, input: ClaimInput) {
    return this.run(P.claim, cred, input);
  }
  heartbeat(cred: Cred, input: HeartbeatInput) {
    return this.run(P.heartbeat, cred, input);
  }
  complete(cred: Cred, input: CompleteInput) {
    return this.run(P.complete, cred, input);
  }
  fail(cred: Cred, input: FailInput) {
    return this.run(P.fail, cred, input);
  }

  /** A revoked key's live sockets close at once. */
  async revokeKey(cred: Cred, input: { id: string } & Idem) {
    const r = await this.run(P.revokeKey, cred, input);
    if (r.ok) for (const ws of this.ctx.getWebSockets(input.id)) ws.close(CLOSE_REVOKED, 'key revoked');
    return r;
  }

  /** The WebSocket upgrade for live events; the Worker forwards `/ws` here (live.ts). */
  override async fetch(request: Request): Promise<Response> {
    const p = this.pipeline;
    return acceptLive(this.ctx, request, (workspaceId, ticketHash) =>
      p.transact(() => {
        if (p.currentMeta()?.id !== workspaceId) return undefined;
        const keyId = redeemTicket(p.sql, ticketHash, this.clock());
        const key = keyId ? liveKeyById(p.sql, keyId) : undefined;
        return key ? { keyId: key.id, principal: key.principal } : undefined;
      }),
    );
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    refuseMessage(ws, message);
  }

  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    closeHandshake(ws, code, reason);
  }

  override async webSocketError(ws: WebSocket): Promise<void> {
    closeHandshake(ws, 1011, 'socket error');
  }

  /** Deadlines, idle sessions, pruning and due webhook deliveries (alarm.ts); at-least-once, idempotent. */
  override async alarm(): Promise<void> {
    await runAlarm(this.pipeline);
  }
}
