/**
 * Procedure calls over the live socket (docs/socket-rpc.md): `{type:'call', id, op, input}`
 * in, `{type:'result', id, ok, value | error}` out. The same steps as HTTP, in the same
 * order: ill-formed strings refused, the input parsed by the router's own schema for
 * that path (so the issues are the same), the procedure run by the pipeline (auth by the
 * socket's key, role, rate limit, idempotency, one transaction), the answer checked by
 * the router's output schema. Nothing a client sends makes the object throw or close
 * the socket without a reason; every readable call gets exactly one result.
 */
import { CallError, hasIllFormedString, isSocketOp, LiveCall, SOCKET_CALL_BYTES, SOCKET_IN_FLIGHT, type LiveResult, type Result, type SocketOp } from '@greenlight/core';
import { z } from 'zod';
import { appRouter } from '../router.ts';
import { firstIssue, zodIssues } from '../trpc/init.ts';
import { send } from './live.ts';
import { PROCEDURES as P, type Procedure } from './procedures.ts';

/** Runs one procedure for the socket's key: the object's run() with its bound credential. */
export type Runner = <I, Pr, T>(proc: Procedure<I, Pr, T>, input: I) => Promise<Result<T>>;
type Dispatch = (run: Runner, input: unknown) => Promise<Result<unknown>>;

/**
 * The procedure each op runs, with its input as the object method takes it. `input` was
 * parsed by the router's schema for the same path, which is what the cast relies on.
 */
const to =
  <I, Pr, T>(proc: Procedure<I, Pr, T>): Dispatch =>
  (run, input) =>
    run(proc, input as I);

const DISPATCH: { [K in SocketOp]: Dispatch } = {
  'tasks.plan': to(P.plan),
  'tasks.append': to(P.append),
  'tasks.close': to(P.close),
  'tasks.get': to(P.getTask),
  'tasks.list': to(P.listTasks),
  'tasks.revise': to(P.revise),
  'tasks.setMode': to(P.setMode),
  'tasks.cancel': to(P.cancel),
  'steps.list': to(P.listSteps),
  'steps.get': (run, i) => {
    const input = i as { stepId: string } | { taskId: string; key: string };
    return 'stepId' in input ? run(P.getStep, input.stepId) : run(P.getStepByKey, input);
  },
  'steps.claim': to(P.claim),
  'steps.heartbeat': to(P.heartbeat),
  'steps.complete': to(P.complete),
  'steps.fail': to(P.fail),
  'approvals.list': to(P.listApprovals),
  'approvals.get': (run, i) => run(P.getApproval, (i as { approvalId: string }).approvalId),
  'approvals.decide': to(P.decide),
  'approvals.decideMany': to(P.decideMany),
  'events.list': to(P.listEvents),
  'history.list': to(P.listHistory),
  'grants.list': to(P.listGrants),
  'grants.revoke': to(P.revokeGrant),
  'grants.proposals': to(P.listProposals),
  'policy.get': (run) => run(P.getPolicy, undefined),
  'policy.evaluate': to(P.evaluatePolicy),
  'workspaces.get': (run) => run(P.getWorkspace, undefined),
};

type Schemas = { input: z.ZodType | undefined; output: z.ZodType };

/** The router's input and output schemas of a path, read as scripts/protocol reads them; cached. */
const schemaCache = new Map<string, Schemas>();
export function schemasOf(op: SocketOp): Schemas {
  let s = schemaCache.get(op);
  if (!s) {
    const proc: unknown = appRouter._def.procedures[op as keyof typeof appRouter._def.procedures];
    const def: unknown = typeof proc === 'function' ? Reflect.get(proc, '_def') : undefined;
    const inputs: unknown = typeof def === 'object' && def !== null ? Reflect.get(def, 'inputs') : undefined;
    const output: unknown = typeof def === 'object' && def !== null ? Reflect.get(def, 'output') : undefined;
    const input: unknown = Array.isArray(inputs) ? inputs[0] : undefined;
    if (!(output instanceof z.ZodType) || (input !== undefined && !(input instanceof z.ZodType))) throw new Error(`socket op ${op}: the router has no zod schemas at this path`);
    s = { input, output };
    schemaCache.set(op, s);
  }
  return s;
}

const answer = (ws: WebSocket, msg: LiveResult): void => {
  try {
    send(ws, msg);
  } catch {
    // The socket closed while the call ran: the client resends or reports it (docs/socket-rpc.md).
  }
};
const refuse = (ws: WebSocket, id: string, error: CallError): void => answer(ws, { type: 'result', id, ok: false, error });
const badMessage = (ws: WebSocket, message: string): void => {
  try {
    send(ws, { type: 'error', code: 'BAD_MESSAGE', message });
  } catch {
    // closed
  }
};

/** A call's id when the message is too large to parse: best effort, so the caller's call fails at once rather than at its timeout. */
const ID_AT_START = /"id"\s*:\s*"([^"\\]{1,64})"/;

const byteLength = (s: string): number => (s.length * 3 <= SOCKET_CALL_BYTES ? s.length : new TextEncoder().encode(s).byteLength);

/** What the object provides: run a procedure as the socket's key, and what to do when that key is gone. */
export type CallDeps = { run: Runner; revoked: (ws: WebSocket) => void };

/**
 * Answer one socket message. `inFlight` counts this socket's calls still running (the
 * object's memory: calls in flight keep it awake, so hibernation never loses a count).
 * Never throws: a failure of ours is INTERNAL_SERVER_ERROR with the message `internal error`.
 */
export async function handleCall(ws: WebSocket, message: string | ArrayBuffer, inFlight: Map<WebSocket, number>, deps: CallDeps): Promise<void> {
  if (typeof message !== 'string') return badMessage(ws, 'binary messages are not read: send a call as JSON text (docs/socket-rpc.md), or "ping"');
  if (byteLength(message) > SOCKET_CALL_BYTES) {
    const id = ID_AT_START.exec(message.slice(0, 400))?.[1];
    const text = `message is over the ${SOCKET_CALL_BYTES / 1024 / 1024} MiB limit`;
    return id ? refuse(ws, id, { code: 'PAYLOAD_TOO_LARGE', message: text }) : badMessage(ws, text);
  }
  let json: unknown;
  try {
    json = JSON.parse(message);
  } catch {
    return badMessage(ws, `not JSON: ${JSON.stringify(message.slice(0, 100))}; send a call as JSON text (docs/socket-rpc.md), or "ping"`);
  }
  const parsed = LiveCall.safeParse(json);
  if (!parsed.success) {
    const id = typeof json === 'object' && json !== null && 'id' in json && typeof json.id === 'string' && json.id.length > 0 && json.id.length <= 64 ? json.id : undefined;
    const text = `not a call: ${firstIssue(parsed.error)}`;
    if (id && 'type' in (json as object) && (json as { type?: unknown }).type === 'call') return refuse(ws, id, { code: 'BAD_REQUEST', message: text, issues: zodIssues(parsed.error) });
    return badMessage(ws, `${text}; this socket reads {type:"call", id, op, input} (docs/socket-rpc.md), or "ping"`);
  }
  const call = parsed.data;
  if (!isSocketOp(call.op)) {
    // Own keys only: `constructor` or `__proto__` is no procedure.
    const known = Object.hasOwn(appRouter._def.procedures, call.op);
    return refuse(
      ws,
      call.id,
      known
        ? { code: 'NOT_FOUND', message: `${call.op} is not carried over the socket: call it over HTTP`, reason: 'http_only' }
        : { code: 'NOT_FOUND', message: `No procedure found on path "${call.op}"` },
    );
  }
  const running = inFlight.get(ws) ?? 0;
  if (running >= SOCKET_IN_FLIGHT)
    return refuse(ws, call.id, { code: 'TOO_MANY_REQUESTS', message: `over ${SOCKET_IN_FLIGHT} calls in flight on this socket: wait for an answer`, reason: 'in_flight' });
  inFlight.set(ws, running + 1);
  try {
    const result = await execute(call.id, call.op, call.input, deps);
    answer(ws, result);
    // The answer first, then the close: the caller learns why its socket ends.
    if (!result.ok && result.error.code === 'UNAUTHORIZED') deps.revoked(ws);
  } catch (e) {
    console.error(`socket ${call.op}:`, e);
    refuse(ws, call.id, { code: 'INTERNAL_SERVER_ERROR', message: 'internal error' });
  } finally {
    const left = (inFlight.get(ws) ?? 1) - 1;
    if (left > 0) inFlight.set(ws, left);
    else inFlight.delete(ws);
  }
}

/** Validate, run and check one call, as the tRPC handler does for the same path. */
async function execute(id: string, op: SocketOp, raw: unknown, deps: CallDeps): Promise<LiveResult> {
  const fail = (error: CallError): LiveResult => ({ type: 'result', id, ok: false, error });
  if (hasIllFormedString(raw)) return fail({ code: 'BAD_REQUEST', message: 'invalid input: a string is not well-formed UTF-16 (lone surrogate)' });
  const schemas = schemasOf(op);
  let input: unknown = undefined;
  if (schemas.input) {
    const parsed = await schemas.input.safeParseAsync(raw);
    if (!parsed.success) return fail({ code: 'BAD_REQUEST', message: `invalid input: ${firstIssue(parsed.error)}`, issues: zodIssues(parsed.error) });
    input = parsed.data;
  }
  const r = await DISPATCH[op](deps.run, input);
  if (!r.ok) {
    const { code, message, issues, reason, retryAfterMs } = r.error;
    return fail({ code, message, ...(issues ? { issues } : {}), ...(reason ? { reason } : {}), ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) });
  }
  const out = await schemas.output.safeParseAsync(r.value);
  if (!out.success) {
    console.error(`socket ${op}: output does not match its schema:`, out.error.issues);
    return fail({ code: 'INTERNAL_SERVER_ERROR', message: 'internal error' });
  }
  return { type: 'result', id, ok: true, value: out.data };
}
