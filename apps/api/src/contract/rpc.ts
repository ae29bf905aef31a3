/**
 * What the tRPC routers may call on the Durable Objects, as plain interfaces: the
 * Workspace object's and the Registry's public RPC methods. Types from the core only,
 * no `cloudflare:*` import and no Worker global, so the router built over them (and the
 * `AppRouter` type the SDK, CLI and page import) type-checks on any host. The objects
 * `implements` these, so a signature that drifts fails the Worker's typecheck.
 */
import type {
  GetTaskInput,
  ListStepsInput,
  Approval,
  ApprovalRecord,
  AuditExportInput,
  AuditExportPage,
  CancelInput,
  ChallengeInput,
  Passkey,
  PasskeyOptions,
  RegisterPasskeyInput,
  ClaimedStep,
  ClaimInput,
  CompleteInput,
  CreateKeyInput,
  CreateWebhookInput,
  DecideInput,
  HistoryEntry,
  ListHistoryInput,
  DecideManyInput,
  DecideResult,
  Delivery,
  EvaluateInput,
  Event,
  FailInput,
  Heartbeat,
  HeartbeatInput,
  Key,
  ListApprovalsInput,
  ListEventsInput,
  ListTasksInput,
  PlanInput,
  Policy,
  PolicyVerdict,
  RateLimits,
  Result,
  ReviseInput,
  Role,
  SetModeInput,
  SimulateInput,
  SimulationReport,
  Step,
  StepReport,
  TaskSummary,
  TaskView,
  Ticket,
  Webhook,
  Workspace,
  WorkspaceDetail,
  AppendInput,
  AppendResult,
  CloseInput,
  ConfirmProposalInput,
  Grant,
  GrantProposal,
  ListGrantsInput,
  PlanResult,
  RevokeGrantInput,
  SlackLinkInput,
  SlackSettings,
  SlackSettingsValue,
  IdentityLink,
  LinkIdentityInput,
  ListLinksInput,
  UnlinkIdentityInput,
  OidcView,
  SetOidcInput,
  ApproverGroup,
  Delegation,
  DeleteGroupInput,
  ListDelegationsInput,
  RevokeDelegationInput,
  SetDelegationInput,
  SetGroupInput,
} from '@greenlight/core';

/**
 * How the Worker presents a caller to the object: the workspace named by the credential,
 * its secret, and which kind it is: a workspace key (`Authorization: Bearer gl_…`), or a
 * sign-in session (the `__Host-gl_session` cookie, docs/sign-in.md; the Worker checked
 * its CSRF token on state-changing calls).
 */
export type Cred = { workspaceId: string; secret: string; kind: 'key' | 'session' };

/** A page of a list: the items, and the cursor of the next page when there is one. */
export type Page<T> = { items: T[]; nextCursor?: string };

/** Every mutation may carry an idempotency key (SPEC section 6): a repeat answers as the first. */
type Idem = { idempotencyKey?: string | undefined };

/**
 * The Workspace Durable Object's RPC surface (apps/api/src/workspace/object.ts). Every
 * method authenticates `cred` inside the object and answers a core `Result`: a client's
 * mistake is an error value with a tRPC code, never a throw.
 */
export interface WorkspaceRpc {
  /** Called once by workspaces.create, after the Worker checked the root token; CONFLICT if it exists. */
  init(input: { id: string; name: string }): Promise<Result<{ workspace: Workspace; adminKey: string }>>;

  getWorkspace(cred: Cred): Promise<Result<WorkspaceDetail>>;
  listKeys(cred: Cred): Promise<Result<{ items: Key[] }>>;
  getPolicy(cred: Cred): Promise<Result<{ policy: Policy; version: number }>>;
  evaluatePolicy(cred: Cred, input: EvaluateInput): Promise<Result<PolicyVerdict>>;
  simulatePolicy(cred: Cred, input: SimulateInput): Promise<Result<SimulationReport>>;
  /** tasks.get; with `steps`, a window of the task's steps and `stepsTotal` (GetTaskInput). */
  getTask(cred: Cred, taskId: string, steps?: GetTaskInput['steps']): Promise<Result<TaskView>>;
  /** steps.list: a task's steps a page at a time. */
  listSteps(cred: Cred, input: ListStepsInput): Promise<Result<Page<Step>>>;
  listTasks(cred: Cred, input: ListTasksInput): Promise<Result<Page<TaskSummary>>>;
  listApprovals(cred: Cred, input: ListApprovalsInput): Promise<Result<Page<Approval>>>;
  getApproval(cred: Cred, approvalId: string): Promise<Result<ApprovalRecord>>;
  listEvents(cred: Cred, input: ListEventsInput): Promise<Result<Page<Event>>>;
  auditExport(cred: Cred, input: AuditExportInput): Promise<Result<AuditExportPage>>;
  getStep(cred: Cred, stepId: string): Promise<Result<Step>>;
  /** The decision history, newest first (issue 16). */
  listHistory(cred: Cred, input: ListHistoryInput): Promise<Result<Page<HistoryEntry>>>;
  /** A step by its task and key (steps.get {taskId, key}). */
  getStepByKey(cred: Cred, taskId: string, key: string): Promise<Result<Step>>;
  /** A single-use ticket for the live socket. */
  ticket(cred: Cred): Promise<Result<Ticket>>;

  createKey(cred: Cred, input: CreateKeyInput & Idem): Promise<Result<{ key: string; id: string; principal: string; role: Role }>>;
  revokeKey(cred: Cred, input: { id: string } & Idem): Promise<Result<Key>>;
  setLimits(cred: Cred, input: { limits: RateLimits } & Idem): Promise<Result<RateLimits>>;
  setPolicy(cred: Cred, input: { policy: Policy } & Idem): Promise<Result<{ policy: Policy; version: number }>>;

  /** With `open` and `session`: the caller's open task of the session (`existing: true`), made once. */
  plan(cred: Cred, input: PlanInput): Promise<Result<PlanResult>>;
  /** More steps for an open task, by its creator (docs/sessions.md). */
  append(cred: Cred, input: AppendInput): Promise<Result<AppendResult>>;
  /** Close an open task; idempotent. */
  close(cred: Cred, input: CloseInput): Promise<Result<TaskView>>;
  listGrants(cred: Cred, input: ListGrantsInput): Promise<Result<{ items: Grant[] }>>;
  revokeGrant(cred: Cred, input: RevokeGrantInput): Promise<Result<Grant>>;
  listProposals(cred: Cred, input: { all: boolean }): Promise<Result<{ items: GrantProposal[] }>>;
  confirmProposal(cred: Cred, input: ConfirmProposalInput): Promise<Result<{ proposal: GrantProposal; policyVersion: number }>>;
  revise(cred: Cred, input: ReviseInput): Promise<Result<TaskView>>;
  setMode(cred: Cred, input: SetModeInput): Promise<Result<TaskView>>;
  cancel(cred: Cred, input: CancelInput): Promise<Result<TaskView>>;

  /** One decision; the answer carries the step as it is after it (steps.get's view). */
  /** `origin`: the page's origin (Context.publicOrigin), which a passkey assertion must have been made on. */
  decide(cred: Cred, input: DecideInput, origin?: string): Promise<Result<DecideResult>>;
  /** Step-up (docs/step-up.md): request options whose challenge is bound to the approval and paramsHash, single-use. */
  approvalChallenge(cred: Cred, input: ChallengeInput, origin: string): Promise<Result<PasskeyOptions>>;
  passkeyRegisterOptions(cred: Cred, origin: string): Promise<Result<PasskeyOptions>>;
  passkeyRegister(cred: Cred, input: RegisterPasskeyInput, origin: string): Promise<Result<Passkey>>;
  listPasskeys(cred: Cred): Promise<Result<{ items: Passkey[] }>>;
  deletePasskey(cred: Cred, input: { id: string } & Idem): Promise<Result<Passkey>>;
  decideMany(cred: Cred, input: DecideManyInput): Promise<Result<{ items: DecideResult[] }>>;

  createWebhook(cred: Cred, input: CreateWebhookInput): Promise<Result<{ webhook: Webhook; secret: string }>>;
  listWebhooks(cred: Cred): Promise<Result<{ items: Webhook[] }>>;
  deleteWebhook(cred: Cred, input: { id: string } & Idem): Promise<Result<{ id: string }>>;
  listDeliveries(cred: Cred, input: { webhookId?: string | undefined; limit: number }): Promise<Result<{ items: Delivery[] }>>;

  /** Slack (docs/slack.md): settings (admin; secrets sealed, never shown), a reviewer's link, and Slack's own signed requests. */
  setSlack(cred: Cred, input: SlackSettingsValue): Promise<Result<SlackSettings>>;
  getSlack(cred: Cred): Promise<Result<SlackSettings>>;
  linkSlack(cred: Cred, input: SlackLinkInput): Promise<Result<{ principal: string; person: string }>>;
  /** People (docs/people.md): admin only. */
  linkIdentity(cred: Cred, input: LinkIdentityInput): Promise<Result<IdentityLink>>;
  unlinkIdentity(cred: Cred, input: UnlinkIdentityInput): Promise<Result<IdentityLink>>;
  listLinks(cred: Cred, input: ListLinksInput): Promise<Result<{ items: IdentityLink[] }>>;
  /** Sign-in through OIDC (docs/sign-in.md), admin: the settings; the client secret is never answered. */
  setOidc(cred: Cred, input: SetOidcInput): Promise<Result<OidcView>>;
  getOidc(cred: Cred): Promise<Result<OidcView>>;
  /** Approver groups (admin) and delegations (a reviewer for themselves, an admin for anyone). */
  setGroup(cred: Cred, input: SetGroupInput): Promise<Result<ApproverGroup>>;
  listGroups(cred: Cred): Promise<Result<{ items: ApproverGroup[] }>>;
  deleteGroup(cred: Cred, input: DeleteGroupInput): Promise<Result<{ name: string }>>;
  setDelegation(cred: Cred, input: SetDelegationInput): Promise<Result<Delegation>>;
  listDelegations(cred: Cred, input: ListDelegationsInput): Promise<Result<{ items: Delegation[] }>>;
  revokeDelegation(cred: Cred, input: RevokeDelegationInput): Promise<Result<Delegation>>;

  claim(cred: Cred, input: ClaimInput): Promise<Result<{ steps: ClaimedStep[] }>>;
  heartbeat(cred: Cred, input: HeartbeatInput): Promise<Result<Heartbeat>>;
  complete(cred: Cred, input: CompleteInput): Promise<Result<StepReport>>;
  fail(cred: Cred, input: FailInput): Promise<Result<StepReport>>;
}

/** One workspace as the Registry lists it. */
export type WorkspaceEntry = { id: string; name: string; createdAt: number };

/**
 * The Registry Durable Object's RPC surface (apps/api/src/registry.ts). Its methods run
 * synchronously inside the object; through a stub they answer a promise.
 */
export interface RegistryRpc {
  /** CONFLICT when the id is taken. */
  register(entry: WorkspaceEntry): Result<WorkspaceEntry> | Promise<Result<WorkspaceEntry>>;
  unregister(id: string): void | Promise<void>;
  list(q: { cursor?: string | undefined; limit: number }): Page<WorkspaceEntry> | Promise<Page<WorkspaceEntry>>;
}

/**
 * What a procedure may reach, given by the host per request (the Worker builds it from
 * its bindings: apps/api/src/index.ts). The routers never see the runtime.
 */
export type Context = {
  /** The request's Authorization header, as sent. */
  authorization: string | null;
  /**
   * The sign-in session's credential (`gls_<workspace>_<secret>`) from the request's
   * `__Host-gl_session` cookie, when it has one; used only when there is no Authorization.
   */
  session?: string | null;
  /** The request's X-Greenlight-CSRF header: a session's state-changing calls must carry its token. */
  csrf?: string | null;
  /** Whether the request came from another site (its Origin or Sec-Fetch-Site say so): a session's state-changing calls from there are refused. */
  crossSite?: boolean;
  /** The CSRF token of a session secret (the host hashes it: oidc.ts csrfTokenOf). */
  csrfTokenOf?: (secret: string) => Promise<string>;
  /** Whether `token` is the operator's root token: a constant-time comparison, done by the host. */
  isRootToken(token: string): boolean;
  /** The object of workspace `id` (one per tenant). */
  workspace(id: string): WorkspaceRpc;
  /** The one global list of workspace ids. */
  registry(): RegistryRpc;
  /**
   * The origin the page is served from, as a browser sees it: PUBLIC_URL's origin when the
   * deployment sets it, else the request's. Passkeys are bound to it (WebAuthn origin and RP ID).
   */
  publicOrigin: string;
};
