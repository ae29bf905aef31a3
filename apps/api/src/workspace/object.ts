/**
 * The Workspace Durable Object: one per tenant, SQLite-backed, the only owner of its
 * tasks, approvals, keys, policy and events. Every call goes through `call`: the
 * async work first (hashing), then one synchronous transaction that authenticates,
 * checks the role, loads, asks the core, and writes the result with its events.
 * Because that part never awaits, two calls can never interleave inside it.
 */
import { DurableObject } from 'cloudflare:workers';
import {
  canonicalJson, fail, ok, type AuditExportInput, paramsHash, sha256Hex,
  type Capability, type ClaimInput, type CompleteInput, type CreateKeyInput, type DecideInput, type DecideManyInput, type EvaluateInput,
  type Event, type FailInput, type HeartbeatInput, type Key, type ListApprovalsInput, type ListEventsInput, type ListTasksInput,
  type PlanInput, type AppendInput, type CloseInput, type ListGrantsInput, type RevokeGrantInput, type ConfirmProposalInput, type Policy, type Result, type CoreError, type SimulateInput, type CreateWebhookInput, type ReviseInput, type SetModeInput, type CancelInput, type Workspace as WorkspaceInfo,
  can, forbiddenMessage, CLOSE_REVOKED, type RateLimits,
} from '@greenlight/core';
import { monotonicFactory } from 'ulid';
import { findKey, insertKey, liveKeyById, mintKey, newSecret, SecretHashes, touchKey } from './keys.ts';
import { runBench, type BenchOp } from './bench.ts';
import { earliestIdempotencyExpiry, findPrior, pruneIdempotency, remember, replayed, type AnswerSecret } from './idempotency.ts';
import { acceptLive, broadcast, closeHandshake, issueTicket, mintTicket, redeemTicket, refuseMessage } from './live.ts';
import { Limiter } from './limiter.ts';
import { readMeta, writeMeta, type WorkspaceMeta } from './meta.ts';
import { migrate } from './migrations.ts';
import { earliestDeadline, tasksDueBy } from './store.ts';
import { SYSTEM_ACTOR, Tx } from './tx.ts';
import * as admin from './ops/admin.ts';
import * as audit from './ops/audit.ts';
import * as approvals from './ops/approvals.ts';
import * as steps from './ops/steps.ts';
import * as tasks from './ops/tasks.ts';
import * as webhooks from './ops/webhooks.ts';
import * as sessions from './ops/sessions.ts';
import * as grants from './ops/grants.ts';
import { openAtRest, openForCaller, sealAtRest, sealForCaller } from './seal.ts';
import { deliverDue, earliestDelivery, sealLegacyWebhookSecrets, webhookSecretAad } from './webhooks.ts';
import type { Cred, WorkspaceRpc } from '../contract/rpc.ts';

export type { Cred } from '../contract/rpc.ts';

/**
 * A mutation as `call` sees it: its name and input (for the idempotency key), and, when
 * its answer carries a secret, which top-level field holds it and its value (plus any
 * other string that must not be stored): see idempotency.ts.
 */
type Mutation = {
  op: string;
  input: { idempotencyKey?: string | undefined };
  secret?: { field: string; value: string; hidden?: string[] };
};

/** What the transaction found for a repeat whose answer held a secret: opened after it, with the caller's credential. */
type SealedReplay = { sealedReplay: { response: string; field: string; box: string } };

/** Thrown inside the transaction to roll it back and answer with the error. */
class Rollback {
  readonly error: CoreError;
  constructor(error: CoreError) {
    this.error = error;
  }
}

const SYSTEM_KEY: Key = { id: 'system', principal: SYSTEM_ACTOR, role: 'admin', createdAt: 0 };

export class Workspace extends DurableObject<Env> implements WorkspaceRpc {
  private readonly sql: SqlStorage;
  private readonly newId = monotonicFactory();
  private alarmAt: number | null | undefined;
  private readonly limiter = new Limiter();
  /**
   * The workspace's settings, read once and then kept in step by the transactions that
   * change them (through Tx.writeMeta). Dropped whenever a transaction rolls back, since
   * it may have changed the copy before failing.
   */
  private meta: WorkspaceMeta | undefined;
  private readonly secretHashes = new SecretHashes();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    void ctx.blockConcurrencyWhile(async () => {
      ctx.storage.transactionSync(() => migrate(this.sql));
      try {
        await sealLegacyWebhookSecrets(this.sql, env);
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
    return this.ctx.storage.transactionSync(() => {
      if (this.currentMeta()) return fail('CONFLICT', `workspace ${input.id} already exists`);
      const now = Date.now();
      writeMeta(this.sql, 'workspace', { id: input.id, name: input.name, createdAt: now });
      const key = insertKey(this.sql, { id: crypto.randomUUID(), principal: 'admin', role: 'admin', secretHash: minted.secretHash, now });
      const meta = readMeta(this.sql)!;
      this.meta = meta;
      const tx = new Tx(this.sql, meta, key, now, this.newId);
      tx.emit([{ type: 'workspace.created', data: { id: input.id, name: input.name } }, { type: 'key.created', data: { id: key.id, principal: key.principal, role: key.role } }]);
      const { usage: _usage, ...workspace } = meta;
      return ok({ workspace, adminKey: minted.key });
    });
  }

  // --- reads -------------------------------------------------------------------------

  getWorkspace(cred: Cred) {
    return this.call(cred, 'read', undefined, (tx) => ok(admin.workspaceDetail(tx)));
  }
  listKeys(cred: Cred) {
    return this.call(cred, 'admin', undefined, (tx) => ok(admin.keys(tx)));
  }
  getPolicy(cred: Cred) {
    return this.call(cred, 'read', undefined, (tx) => ok(admin.policy(tx)));
  }
  evaluatePolicy(cred: Cred, input: EvaluateInput) {
    return this.call(cred, 'read', undefined, (tx) => ok(admin.evaluate(tx, input)));
  }
  getTask(cred: Cred, taskId: string) {
    return this.call(cred, 'read', undefined, (tx) => tasks.get(tx, taskId));
  }
  listTasks(cred: Cred, input: ListTasksInput) {
    return this.call(cred, 'read', undefined, (tx) => ok(tasks.list(tx, input)));
  }
  listApprovals(cred: Cred, input: ListApprovalsInput) {
    return this.call(cred, 'read', undefined, (tx) => ok(approvals.list(tx, input)));
  }
  getApproval(cred: Cred, approvalId: string) {
    return this.call(cred, 'read', undefined, (tx) => approvals.get(tx, approvalId));
  }
  listEvents(cred: Cred, input: ListEventsInput) {
    return this.call(cred, 'read', undefined, (tx) => ok(admin.events(tx, input)));
  }
  /** A page of the hash-chained log, for offline verification; admin only. */
  auditExport(cred: Cred, input: AuditExportInput) {
    return this.call(cred, 'admin', undefined, (tx) => audit.exportPage(tx, input));
  }

  simulatePolicy(cred: Cred, input: SimulateInput) {
    return this.call(cred, 'admin', undefined, (tx) => ok(admin.simulate(tx, input)));
  }
  getStep(cred: Cred, stepId: string) {
    return this.call(cred, 'read', undefined, (tx) => steps.get(tx, stepId));
  }
  getStepByKey(cred: Cred, taskId: string, key: string) {
    return this.call(cred, 'read', undefined, (tx) => sessions.stepByKey(tx, taskId, key));
  }
  /** A single-use ticket for the live socket: the key itself never goes in a URL, and only the ticket's hash is stored. */
  async ticket(cred: Cred) {
    const minted = await mintTicket();
    return this.call(cred, 'read', undefined, (tx) => ok(issueTicket(this.sql, tx.meta.id, tx.key, minted, tx.now)));
  }

  // --- mutations ---------------------------------------------------------------------

  async createKey(cred: Cred, input: CreateKeyInput & { idempotencyKey?: string }) {
    const minted = await mintKey(cred.workspaceId);
    const secret = { field: 'key', value: minted.key, hidden: [minted.secret] };
    return this.call(cred, 'admin', { op: 'keys.create', input, secret }, (tx) => admin.createKey(tx, input, minted));
  }
  async revokeKey(cred: Cred, input: { id: string; idempotencyKey?: string }) {
    const r = await this.call(cred, 'admin', { op: 'keys.revoke', input }, (tx) => admin.revoke(tx, input.id));
    // A revoked key's live sockets close at once.
    if (r.ok) for (const ws of this.ctx.getWebSockets(input.id)) ws.close(CLOSE_REVOKED, 'key revoked');
    return r;
  }
  setLimits(cred: Cred, input: { limits: RateLimits; idempotencyKey?: string }) {
    return this.call(cred, 'admin', { op: 'workspaces.setLimits', input }, (tx) => ok(admin.setLimits(tx, input.limits)));
  }
  setPolicy(cred: Cred, input: { policy: Policy; idempotencyKey?: string }) {
    return this.call(cred, 'admin', { op: 'policy.set', input }, (tx) => ok(admin.setPolicy(tx, input.policy)));
  }

  async plan(cred: Cred, input: PlanInput) {
    const hashes = await Promise.all(input.steps.map((s) => paramsHash(s.params)));
    return this.call(cred, 'plan', { op: 'tasks.plan', input }, (tx) => sessions.plan(tx, input, hashes));
  }
  async append(cred: Cred, input: AppendInput) {
    const hashes = await Promise.all(input.steps.map((s) => paramsHash(s.params)));
    return this.call(cred, 'plan', { op: 'tasks.append', input }, (tx) => sessions.append(tx, input, hashes));
  }
  close(cred: Cred, input: CloseInput) {
    return this.call(cred, 'cancel_own', { op: 'tasks.close', input }, (tx) => sessions.close(tx, input));
  }
  listGrants(cred: Cred, input: ListGrantsInput) {
    return this.call(cred, 'read', undefined, (tx) => ok(grants.list(tx, input)));
  }
  revokeGrant(cred: Cred, input: RevokeGrantInput) {
    return this.call(cred, 'decide', { op: 'grants.revoke', input }, (tx) => grants.revoke(tx, input));
  }
  listProposals(cred: Cred, input: { all: boolean }) {
    return this.call(cred, 'read', undefined, (tx) => ok(grants.proposals(tx, input)));
  }
  confirmProposal(cred: Cred, input: ConfirmProposalInput) {
    return this.call(cred, 'admin', { op: 'grants.confirm', input }, (tx) => grants.confirm(tx, input));
  }
  async revise(cred: Cred, input: ReviseInput) {
    const hash = await paramsHash(input.params);
    return this.call(cred, 'plan', { op: 'tasks.revise', input }, (tx) => tasks.reviseStep(tx, input, hash));
  }
  setMode(cred: Cred, input: SetModeInput) {
    return this.call(cred, 'set_mode', { op: 'tasks.setMode', input }, (tx) => tasks.setTaskMode(tx, input));
  }
  cancel(cred: Cred, input: CancelInput) {
    return this.call(cred, 'cancel_own', { op: 'tasks.cancel', input }, (tx) => tasks.cancel(tx, input));
  }

  async decide(cred: Cred, input: DecideInput) {
    const hash = input.params ? await paramsHash(input.params) : undefined;
    return this.call(cred, 'decide', { op: 'approvals.decide', input }, (tx) => approvals.decide(tx, input, hash));
  }
  async decideMany(cred: Cred, input: DecideManyInput) {
    const hashes = await Promise.all(input.items.map((i) => (i.params ? paramsHash(i.params) : undefined)));
    return this.call(cred, 'decide', { op: 'approvals.decideMany', input }, (tx) => approvals.decideMany(tx, input, hashes));
  }

  /** The signing secret is made here, stored only sealed under the data key, and shown once. */
  async createWebhook(cred: Cred, input: CreateWebhookInput) {
    const id = crypto.randomUUID();
    const bare = newSecret();
    const secret = `whsec_${bare}`;
    const sealedSecret = await sealAtRest(this.env, secret, webhookSecretAad(id));
    const mutation = { op: 'webhooks.create', input, secret: { field: 'secret', value: secret, hidden: [bare] } };
    return this.call(cred, 'admin', mutation, (tx) => webhooks.create(tx, input, { id, secret, sealedSecret }, this.allowPrivateTargets()));
  }
  listWebhooks(cred: Cred) {
    return this.call(cred, 'admin', undefined, (tx) => ok(webhooks.list(tx)));
  }
  deleteWebhook(cred: Cred, input: { id: string; idempotencyKey?: string }) {
    return this.call(cred, 'admin', { op: 'webhooks.delete', input }, (tx) => webhooks.remove(tx, input.id));
  }
  listDeliveries(cred: Cred, input: { webhookId?: string | undefined; limit: number }) {
    return this.call(cred, 'admin', undefined, (tx) => ok(webhooks.deliveries(tx, input)));
  }

  claim(cred: Cred, input: ClaimInput) {
    return this.call(cred, 'execute', undefined, (tx) => ok(steps.claim(tx, input)));
  }
  heartbeat(cred: Cred, input: HeartbeatInput) {
    return this.call(cred, 'execute', undefined, (tx) => steps.heartbeat(tx, input));
  }
  complete(cred: Cred, input: CompleteInput) {
    return this.call(cred, 'execute', { op: 'steps.complete', input }, (tx) => steps.complete(tx, input));
  }
  fail(cred: Cred, input: FailInput) {
    return this.call(cred, 'execute', { op: 'steps.fail', input }, (tx) => steps.failed(tx, input));
  }

  // --- benchmarks (npm run bench; the Worker routes here only with GREENLIGHT_BENCH=1) ---

  /** The floor of every figure: a Worker -> object round trip that does nothing. */
  ping(): string {
    return 'pong';
  }
  /** Bench-only seeding, bare writes and query plans (./bench.ts); refused unless GREENLIGHT_BENCH=1. */
  bench(op: BenchOp) {
    return runBench(this.ctx.storage, this.env, op);
  }

  // --- live events -------------------------------------------------------------------

  /** The WebSocket upgrade for live events; the Worker forwards `/ws` here (live.ts). */
  override async fetch(request: Request): Promise<Response> {
    return acceptLive(this.ctx, request, (workspaceId, ticketHash) =>
      this.ctx.storage.transactionSync(() => {
        if (this.currentMeta()?.id !== workspaceId) return undefined;
        const keyId = redeemTicket(this.sql, ticketHash, Date.now());
        const key = keyId ? liveKeyById(this.sql, keyId) : undefined;
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

  // --- time --------------------------------------------------------------------------

  /** Alarms are at-least-once: applying deadlines is idempotent, so a second run finds nothing due. */
  override async alarm(): Promise<void> {
    const now = Date.now();
    this.alarmAt = undefined;
    const events = this.guardMeta(() =>
      this.ctx.storage.transactionSync(() => {
        const meta = this.currentMeta();
        if (!meta) return [];
        const tx = new Tx(this.sql, meta, SYSTEM_KEY, now, this.newId);
        for (const taskId of tasksDueBy(this.sql, now)) tx.load(taskId);
        sessions.closeIdle(tx);
        // Idempotency records past their window, and used or expired socket tickets, go.
        pruneIdempotency(this.sql, now);
        this.sql.exec(`DELETE FROM tickets WHERE expires_at < ?`, now);
        return tx.events;
      }),
    );
    broadcast(this.ctx.getWebSockets(), events);
    await deliverDue(this.sql, Date.now(), {
      retryBaseMs: Number(this.env.WEBHOOK_RETRY_BASE_MS ?? 1000),
      allowPrivate: this.allowPrivateTargets(),
      openSecret: (sealed, webhookId) => openAtRest(this.env, sealed, webhookSecretAad(webhookId)),
    });
    await this.aimAlarm();
  }

  /** WEBHOOK_ALLOW_PRIVATE: local development lets webhooks reach private and local targets; a deployment refuses them. */
  private allowPrivateTargets(): boolean {
    // String(): the generated Env types the var as its wrangler.toml default, the literal "false".
    return String(this.env.WEBHOOK_ALLOW_PRIVATE) === 'true';
  }

  // --- the pipeline ------------------------------------------------------------------

  /**
   * Authenticate, authorize, honour the idempotency key, run `apply` in one
   * transaction. An error from `apply` rolls back everything, deadlines included.
   */
  private async call<T>(
    cred: Cred,
    capability: Capability,
    mutation: Mutation | undefined,
    apply: (tx: Tx) => Result<T>,
  ): Promise<Result<T>> {
    const secretHash = await this.secretHashes.of(cred.secret);
    const idem = mutation?.input.idempotencyKey;
    const requestHash = idem ? await sha256Hex(canonicalJson({ op: mutation.op, input: mutation.input })) : undefined;
    // A secret in the answer is remembered only sealed under the caller's own credential,
    // bound to this key and request: sealed now, since the transaction cannot await.
    const aad = idem && requestHash ? `idempotency:${idem}:${requestHash}` : undefined;
    const answerSecret: AnswerSecret | undefined =
      aad && mutation?.secret ? { ...mutation.secret, sealed: await sealForCaller(cred.secret, mutation.secret.value, aad) } : undefined;
    let events: Event[] = [];
    let dirty = false;
    try {
      const outcome = this.guardMeta(() => this.ctx.storage.transactionSync((): Result<T> | SealedReplay => {
        const meta = this.currentMeta();
        // The object checks that the key names it: an object does not know the name it was created by.
        if (!meta || meta.id !== cred.workspaceId) return fail('UNAUTHORIZED', 'unknown or revoked key');
        const key = findKey(this.sql, secretHash);
        if (!key) return fail('UNAUTHORIZED', 'unknown or revoked key');
        if (!can(key.role, capability)) return fail('FORBIDDEN', forbiddenMessage(key.role, capability));
        const limited = this.limiter.take(key, meta.limits, Date.now());
        if (limited) return limited;
        touchKey(this.sql, key, Date.now());
        if (idem && requestHash) {
          const prior = findPrior(this.sql, key.principal, idem, requestHash, Date.now());
          if (prior.kind === 'conflict') return fail('CONFLICT', `idempotency key ${idem} was already used with other input`);
          if (prior.kind === 'replay') return prior.sealed ? { sealedReplay: { response: prior.response, ...prior.sealed } } : ok(replayed<T>(prior.response));
        }
        const tx = new Tx(this.sql, meta, key, Date.now(), this.newId);
        const r = apply(tx);
        if (!r.ok) throw new Rollback(r.error);
        if (idem && requestHash) {
          remember(this.sql, key.principal, idem, requestHash, r.value, tx.now, answerSecret);
          // The record's expiry is a deadline too: the alarm prunes it.
          tx.dirty = true;
        }
        events = tx.events;
        dirty = tx.dirty;
        return r;
      }));
      // Broadcast before any await, so sockets see commits in commit order.
      broadcast(this.ctx.getWebSockets(), events);
      if (dirty) await this.aimAlarm();
      if (!('sealedReplay' in outcome)) return outcome;
      const { response, field, box } = outcome.sealedReplay;
      const secret = await openForCaller(cred.secret, box, aad!);
      if (secret === undefined) {
        return fail('CONFLICT', `idempotency key ${idem} was first used by another key of this principal: its answer held a secret, shown only to that key`, { reason: 'secret_shown_once' });
      }
      return ok(replayed<T>(response, { field, value: secret }));
    } catch (e) {
      if (e instanceof Rollback) return { ok: false, error: e.error };
      throw e;
    }
  }

  private currentMeta(): WorkspaceMeta | undefined {
    return (this.meta ??= readMeta(this.sql));
  }

  /** Run a transaction; if it throws (a rollback included), forget the settings copy it may have changed. */
  private guardMeta<R>(run: () => R): R {
    try {
      return run();
    } catch (e) {
      this.meta = undefined;
      throw e;
    }
  }

  /** Keep one alarm at the earliest deadline: a lease, an approval, a webhook delivery due, or an idempotency record's expiry. */
  private async aimAlarm(): Promise<void> {
    const idle = this.meta ? sessions.nextIdleClose(this.sql, this.meta.policy) : undefined;
    const times = [earliestDeadline(this.sql), earliestDelivery(this.sql), earliestIdempotencyExpiry(this.sql), idle].filter((t): t is number => t !== undefined);
    const next = times.length > 0 ? Math.min(...times) : null;
    if (next === this.alarmAt) return;
    this.alarmAt = next;
    if (next === null) await this.ctx.storage.deleteAlarm();
    // An alarm set for "now" from inside alarm() can be dropped: always aim slightly ahead.
    else await this.ctx.storage.setAlarm(Math.max(next, Date.now() + 5));
  }
}
