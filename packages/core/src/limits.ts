/** Size limits of SPEC section 6, in one place so schemas, the Worker and the docs agree. */
export const LIMITS = {
  stepsPerPlan: 200,
  /** Steps of one task over its life: a plan and every append to it (an open task grows). */
  stepsPerTask: 1000,
  /** Grants remembered on one task (a reviewer's "for this session" approvals). */
  grantsPerTask: 100,
  /** A session name (tasks.plan `session`): a host's session id. */
  sessionChars: 200,
  paramsBytes: 256 * 1024,
  requestBytes: 1024 * 1024,
  titleChars: 500,
  textChars: 20_000,
  keyChars: 100,
  dependsOn: 200,
  metadataBytes: 16 * 1024,
  outputBytes: 64 * 1024,
  pageSize: 200,
  defaultPageSize: 50,
  idempotencyKeyChars: 200,
  batchItems: 200,
  /** Procedures in one HTTP batch (`?batch=1`): one request cannot carry unbounded work. */
  batchProcedures: 50,
  clarifyQuestions: 20,
  /** How deep free-form JSON (params, metadata, output) may nest: deeper is a client's mistake, not a stack overflow. */
  jsonDepth: 64,
} as const;

/**
 * How long an idempotency key is remembered: a repeat within 24 hours replays the first
 * answer; after that the record is pruned by the workspace's alarm and the key is new
 * again. Long enough for any client's retries, short enough that answers do not pile up.
 */
export const IDEMPOTENCY_WINDOW_MS = 24 * 60 * 60 * 1000;

/** How long an open task may see no change before the alarm closes it, unless the policy says (policy.limits.sessionIdleSeconds). */
export const DEFAULT_SESSION_IDLE_SECONDS = 3600;
