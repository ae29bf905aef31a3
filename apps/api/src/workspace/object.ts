/**
 * The Workspace Durable Object: one per tenant, SQLite-backed, the only owner of its
 * tasks, approvals, keys, policy and events. A facade: each RPC method is one line over
 * the procedure table (procedures.ts), run by the pipeline (pipeline.ts: auth, role,
 * rate limit, idempotency, one transaction, broadcast, alarm aim); `fetch` is the live
 * socket's upgrade (live.ts) and `alarm` the deadlines, deliveries and pruning (alarm.ts).
 */
import { DurableObject } from 'cloudflare:workers';
import {
  type GetTaskInput,
  type ListStepsInput,
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
  type LinkIdentityInput,
  type DeleteGroupInput,
  type ListDelegationsInput,
  type RevokeDelegationInput,
  type SetDelegationInput,
  type SetGroupInput,
  type ListLinksInput,
  type UnlinkIdentityInput,
  type PlanInput,
  type Policy,
  type RateLimits,
  type Result,
  type ReviseInput,
  type RevokeGrantInput,
  type SetModeInput,
  type SetOidcInput,
  type SimulateInput,
  type SlackLinkInput,
  type SlackSettingsValue,
  type Workspace as WorkspaceInfo,
} from '@greenlight/core';
import { runAlarm } from './alarm.ts';
import { liveKeyById, mintKey } from './keys.ts';
import { acceptLive, closeHandshake, redeemTicket, type SocketState } from './live.ts';
import { readMeta, writeMeta } from './meta.ts';
import { migrate } from './migrations.ts';
import { Pipeline, type BoundCred } from './pipeline.ts';
import { keyCaller } from './caller.ts';
import { SignInFlows } from './oidc.ts';
import { PROCEDURES as P, type Procedure } from './procedures.ts';
import { handleCall } from './socket-calls.ts';
import { liveSignInById } from './signins.ts';
import { sealLegacyWebhookSecrets } from './webhooks.ts';
import { handleSlackCommand, handleSlackInteraction, type SlackAnswer, type SlackRequest } from './slack/interactions.ts';
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
  /** Socket calls still running, per socket (socket-calls.ts): memory only, as a running call keeps the object awake. */
  private readonly inFlight = new Map<WebSocket, number>();
  /** Sign-in through OIDC: the steps the Worker's /auth routes forward (oidc.ts). */
  private readonly signIns: SignInFlows;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.pipeline = new Pipeline(ctx, env, () => this.clock());
    this.signIns = new SignInFlows(this.pipeline);
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

  /** run() for a live socket's key (socket-calls.ts). */
  private async runBound<I, Pr, T>(proc: Procedure<I, Pr, T>, bound: BoundCred, input: I): Promise<Result<T>> {
    const workspaceId = this.pipeline.currentMeta()?.id ?? '';
    const prepared = proc.prepare ? await proc.prepare(input, { cred: { workspaceId }, env: this.env }) : (undefined as Pr);
    const mutation = proc.op ? { op: proc.op, input, ...(proc.secret ? { secret: proc.secret(prepared) } : {}) } : undefined;
    return this.pipeline.callBound(bound, proc.capability, mutation, (tx) => proc.apply(tx, input, prepared));
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
  getTask(cred: Cred, taskId: string, steps?: GetTaskInput['steps']) {
    return this.run(P.getTask, cred, { taskId, ...(steps ? { steps } : {}) });
  }
  listSteps(cred: Cred, input: ListStepsInput) {
    return this.run(P.listSteps, cred, input);
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
  setSlack(cred: Cred, input: SlackSettingsValue) {
    return this.run(P.setSlack, cred, input);
  }
  getSlack(cred: Cred) {
    return this.run(P.getSlack, cred, undefined);
  }
  linkSlack(cred: Cred, input: SlackLinkInput) {
    return this.run(P.linkSlack, cred, input);
  }
  /** A request Slack signed (a button, a modal, a slash command), forwarded raw by the Worker: verified here, with this workspace's signing secret. */
  slackInteraction(req: SlackRequest): Promise<SlackAnswer> {
    return handleSlackInteraction(this.pipeline, req);
  }
  slackCommand(req: SlackRequest): Promise<SlackAnswer> {
    return handleSlackCommand(this.pipeline, req);
  }
  linkIdentity(cred: Cred, input: LinkIdentityInput) {
    return this.run(P.linkIdentity, cred, input);
  }
  unlinkIdentity(cred: Cred, input: UnlinkIdentityInput) {
    return this.run(P.unlinkIdentity, cred, input);
  }
  listLinks(cred: Cred, input: ListLinksInput) {
    return this.run(P.listLinks, cred, input);
  }
  setOidc(cred: Cred, input: SetOidcInput) {
    return this.run(P.setOidc, cred, input);
  }
  getOidc(cred: Cred) {
    return this.run(P.getOidc, cred, undefined);
  }

  /** GET /auth/provider: whether sign-in is on here, and the button's name. */
  signInProvider(workspaceId: string) {
    return this.signIns.provider(workspaceId);
  }
  /** GET /auth/login: an authorization URL and the state the browser keeps for the callback. */
  signInBegin(workspaceId: string, origin: string) {
    return this.signIns.begin(workspaceId, origin);
  }
  /** GET /auth/callback: verify and start a session (its cookie value). */
  signInFinish(workspaceId: string, callbackUrl: string, browserState: string | undefined) {
    return this.signIns.finish(workspaceId, callbackUrl, browserState);
  }
  /** GET /auth/session: who is signed in, the CSRF token, and a new cookie value when the secret rotated. */
  signInView(workspaceId: string, secret: string) {
    return this.signIns.view(workspaceId, secret);
  }
  /** POST /auth/logout: the session ends on the server, and its live sockets close. */
  async signOut(workspaceId: string, secret: string): Promise<void> {
    const id = await this.signIns.end(workspaceId, secret);
    if (id) for (const ws of this.ctx.getWebSockets(id)) ws.close(CLOSE_REVOKED, 'signed out');
  }

  setGroup(cred: Cred, input: SetGroupInput) {
    return this.run(P.setGroup, cred, input);
  }
  listGroups(cred: Cred) {
    return this.run(P.listGroups, cred, undefined);
  }
  deleteGroup(cred: Cred, input: DeleteGroupInput) {
    return this.run(P.deleteGroup, cred, input);
  }
  setDelegation(cred: Cred, input: SetDelegationInput) {
    return this.run(P.setDelegation, cred, input);
  }
  listDelegations(cred: Cred, input: ListDelegationsInput) {
    return this.run(P.listDelegations, cred, input);
  }
  revokeDelegation(cred: Cred, input: RevokeDelegationInput) {
    return this.run(P.revokeDelegation, cred, input);
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
        // A ticket names a key, or a sign-in session (events.ticket called with the session's cookie).
        const key = keyId ? (liveKeyById(p.sql, keyId) ?? liveSignInById(p.sql, keyId, this.clock())) : undefined;
        return key ? { keyId: key.id, principal: key.principal } : undefined;
      }),
    );
  }

  /** A call over the live socket, as its key (socket-calls.ts); anything else gets a typed error. */
  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    const state = ws.deserializeAttachment() as SocketState | null;
    await handleCall(ws, message, this.inFlight, {
      run: (proc, input) => (state ? this.runBound(proc, { keyId: state.keyId }, input) : Promise.resolve(fail('UNAUTHORIZED', 'unknown or revoked key'))),
      revoked: (s) => closeHandshake(s, CLOSE_REVOKED, 'key revoked'),
    });
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
