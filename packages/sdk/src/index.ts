/** @greenlight/sdk: the typed client for agents and tools. */
import type { AuditExportPage, Event, PlanRequest, TaskView } from '@greenlight/core';
import { createApi, isReserved, reservedValue, type Api, type ClientOptions } from './client.ts';
import { watch, type WatchOptions } from './live.ts';
import { waitForDecision, type DecisionOutcome, type WaitOptions } from './wait.ts';
import { run, type Handlers, type RunOptions } from './run.ts';
import { exportAudit, type AuditExportOptions } from './audit.ts';
import { follow, sleep } from './abort.ts';
import { CallSocket } from './calls.ts';
import { httpCall, routeCalls } from './transport.ts';

export { GreenlightError, type ErrorCode, type ErrorIssue } from './errors.ts';
export type { ClientOptions, Api } from './client.ts';
/** The API's contract, without its runtime: every procedure's input and answer, e.g. RouterOutputs['approvals']['decide']. */
export type { AppRouter, RouterInputs, RouterOutputs } from '@greenlight/api/contract';
export type { WatchOptions } from './live.ts';
export type { DecisionOutcome, WaitOptions } from './wait.ts';
export type { AuditExportOptions } from './audit.ts';
/** Check an audit export offline: the seq of the first changed, dropped or reordered event, or ok (core audit/export.ts). */
export { verifyAuditExport, verifyChain, chainHash, GENESIS_HASH } from '@greenlight/core';
/** Reading watch()'s events: narrow on `type` (each type's data is typed), or use these (core schemas/event.ts, event-text.ts). */
export { approvalOpened, eventNote, eventSummary, isStepMove } from '@greenlight/core';
export { HandlerError, type HandlerContext, type HandlerResult, type Handlers, type RunOptions, type StepHandler } from './run.ts';
export type * from '@greenlight/core';
/** Facts derived from the domain, from the same functions the server and the page use: no client recounts them. */
export {
  approvalProgress,
  claimableSteps,
  countsAsApproval,
  decisionPeople,
  decisionRefusal,
  isClaimable,
  mayApprove,
  statusLabel,
} from '@greenlight/core';

export type GreenlightClient = Api & {
  /** Propose a plan; the policy sorts its steps before this returns. */
  plan(input: PlanRequest): Promise<TaskView>;
  /** The workspace's events as they happen, resuming after `after`; reconnects by itself; its signal ends it. */
  watch(opts?: WatchOptions): AsyncGenerator<Event, void, undefined>;
  /**
   * Resolves when reviewers (or a timeout default) decide the step's current revision (or
   * `opts.approvalId`); from live events, not polling. Earlier rounds never count.
   */
  waitForDecision(stepId: string, opts?: WaitOptions): Promise<DecisionOutcome>;
  /** Execute the task's approved steps with `handlers` (by step kind) until the task is terminal; returns the final task. */
  run(taskId: string, handlers: Handlers, opts?: RunOptions): Promise<TaskView>;
  /** The workspace's hash-chained audit log, page by page (admin key); join the pages' text for verifyAuditExport. */
  exportAudit(opts?: AuditExportOptions): AsyncGenerator<AuditExportPage, void, undefined>;
  /**
   * Open the call socket and keep it until disconnect(): the agent's calls then skip
   * per-call HTTP (docs/socket-rpc.md). Resolves false (calls stay on HTTP) when it
   * cannot open, or with transport `http`; never rejects.
   */
  connect(): Promise<boolean>;
  /** Close the call socket; calls in flight finish over HTTP or fail NETWORK_ERROR (socket_closed), by kind. */
  disconnect(): void;
};

/** How long run() waits for its call socket before starting over HTTP. */
const RUN_CONNECT_WAIT_MS = 1_000;

export function createClient(opts: ClientOptions): GreenlightClient {
  const http = createApi(opts);
  const transport = opts.transport ?? 'auto';
  const calls = new CallSocket({ url: opts.url, ticket: () => http.events.ticket.mutate(), http: (op, input, signal) => httpCall(http, op, input, signal), WebSocket: opts.WebSocket });
  const api = transport === 'http' ? http : routeCalls(http, calls, transport);
  // Tickets and the log's pages stay on HTTP: they open and back up sockets.
  const live = { url: opts.url, api: http, ...(opts.WebSocket ? { WebSocket: opts.WebSocket } : {}) };
  let connected: (() => void) | undefined;
  const helpers: Record<string, unknown> = {
    plan: (input: PlanRequest) => api.tasks.plan.mutate(input),
    watch: (o?: WatchOptions) => watch(live, o),
    // Over the held call socket when there is one (connect(), run()); else its own socket, as always.
    waitForDecision: (stepId: string, o?: WaitOptions) => waitForDecision(transport === 'http' ? live : { ...live, calls }, stepId, o),
    run: async (taskId: string, handlers: Handlers, o?: RunOptions) => {
      // An executor loop is where per-call HTTP costs most: it holds the socket while it runs.
      const release = transport === 'http' ? undefined : calls.hold();
      // Once the task is known active: a short wait for the socket, so the first claim can use it; HTTP if it is slower.
      const ready = async (signal: AbortSignal | undefined) => {
        const waited = new AbortController();
        const unlink = follow(signal, waited);
        await Promise.race([calls.connect(), sleep(RUN_CONNECT_WAIT_MS, waited.signal)]);
        waited.abort();
        unlink();
      };
      try {
        return await run({ api, watch: (w) => watch(live, w), ...(release ? { ready } : {}) }, taskId, handlers, o);
      } finally {
        release?.();
      }
    },
    exportAudit: (o?: AuditExportOptions) => exportAudit(http, o),
    connect: async () => {
      if (transport === 'http') return false;
      connected ??= calls.hold();
      return calls.connect();
    },
    disconnect: () => {
      connected = undefined;
      calls.close();
    },
  };
  // The helpers sit beside the procedures; anything else is a procedure path, except the
  // names runtimes probe (then, symbols, toJSON ...): so the client can be awaited,
  // returned from async code, printed and compared like any object.
  return new Proxy(helpers, {
    get: (h, prop) => {
      if (typeof prop === 'string' && Object.hasOwn(h, prop)) return h[prop];
      if (isReserved(prop)) return reservedValue(h, prop);
      return (api as unknown as Record<string, unknown>)[prop as string];
    },
  }) as unknown as GreenlightClient;
}
