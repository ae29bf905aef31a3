/**
 * The binding at execution: a framework's tool runs only inside a claim of the step a
 * reviewer (or the policy) approved. steps.claim hands a step out once, under a lease,
 * and only while nothing has withdrawn the approval (a cancel, a revision, a deny rule
 * set since); the claimed step carries the params and paramsHash that were approved,
 * so what runs is what was shown, the reviewer's input after a modify, at most once.
 * The result is reported with the lease (complete / fail), so the audit log has it.
 */
import { LIMITS, canonicalJson, type ClaimedStep, type Step } from '@greenlight/core';
import { claimIsProposal } from '@greenlight/core/hooks';
import type { Api } from '../client.ts';
import { GreenlightError } from '../errors.ts';

/** Default lease (s) while a framework's tool runs; heartbeats renew it at a third. */
export const DEFAULT_LEASE_SECONDS = 60;

/**
 * Claim exactly these steps of `taskId` (those that can be handed out now): a shared open
 * task holds other calls' steps, which are never taken here. 50 a request, the API's most.
 */
export async function claimSteps(api: Api, taskId: string, stepIds: string[], leaseSeconds = DEFAULT_LEASE_SECONDS): Promise<ClaimedStep[]> {
  const all: ClaimedStep[] = [];
  for (let i = 0; i < stepIds.length; i += 50) {
    const chunk = stepIds.slice(i, i + 50);
    all.push(...(await api.steps.claim.mutate({ taskId, stepIds: chunk, max: chunk.length, leaseSeconds })).steps);
  }
  return all;
}

/**
 * Is the claimed step the one that was decided, for the params the adapter proposed
 * (`plannedHash`)? core's claimIsProposal: same step, revision and paramsHash, and those
 * params or a reviewer's modify of them: an approval is bound to the exact call shown.
 */
export const isBound = (claimed: ClaimedStep, decided: Step, plannedHash: string): boolean => claimIsProposal(claimed, decided, plannedHash);

/** The input a claimed `custom` step runs with: the approved params' `input`. */
export const claimedInput = (claimed: ClaimedStep): unknown => (claimed.kind === 'custom' ? claimed.params.input : claimed.params);

/**
 * A tool's result as a step output within the API's limit (LIMITS.outputBytes): kept
 * whole when it fits, else its JSON cut short and marked, so a large result never
 * fails a step that ran.
 */
export function boundedOutput(value: unknown): unknown {
  if (value === undefined) return undefined;
  const json = canonicalJson(value);
  // Headroom for the envelope; the server counts bytes, a UTF-8 char is up to 4.
  const budget = Math.floor((LIMITS.outputBytes - 256) / 4);
  return json.length <= budget ? JSON.parse(json) : { truncated: true, bytes: new TextEncoder().encode(json).length, head: json.slice(0, budget) };
}

/**
 * Run `fn` under the claim's lease (heartbeats at a third of it), then report: complete
 * with its (bounded) result, or fail with its error, which is rethrown. `fn`'s signal
 * aborts when the task is cancelled or the lease is lost. A report refused with
 * CONFLICT (cancelled meanwhile) is not an error of the tool's: its result still stands.
 */
export async function runClaimed<T>(api: Api, claimed: ClaimedStep, fn: (signal: AbortSignal) => Promise<T>, opts: { leaseSeconds?: number; signal?: AbortSignal } = {}): Promise<T> {
  const leaseSeconds = opts.leaseSeconds ?? DEFAULT_LEASE_SECONDS;
  const ctrl = new AbortController();
  const onOuter = () => ctrl.abort(opts.signal?.reason);
  opts.signal?.addEventListener('abort', onOuter, { once: true });
  const lease = { stepId: claimed.stepId, leaseId: claimed.leaseId };
  const timer = setInterval(
    () => {
      api.steps.heartbeat.mutate({ ...lease, leaseSeconds }).then(
        (hb) => {
          if (hb.cancelled) ctrl.abort(new GreenlightError(`task ${claimed.taskId} was cancelled`, { code: 'CONFLICT', reason: 'cancelled' }));
        },
        (err: unknown) => {
          const e = GreenlightError.from(err);
          if (e.code === 'CONFLICT') ctrl.abort(e);
        },
      );
    },
    Math.max(1_000, (leaseSeconds * 1000) / 3),
  );
  let result: T;
  try {
    result = await fn(ctrl.signal);
  } catch (err) {
    clearInterval(timer);
    opts.signal?.removeEventListener('abort', onOuter);
    const message = (err instanceof Error ? err.message : String(err)).slice(0, LIMITS.textChars) || 'the tool failed';
    await api.steps.fail.mutate({ ...lease, error: { message, code: 'tool_error' } }).catch(ignoreConflict);
    throw err;
  }
  clearInterval(timer);
  opts.signal?.removeEventListener('abort', onOuter);
  const output = boundedOutput(result);
  await api.steps.complete.mutate({ ...lease, ...(output !== undefined ? { output } : {}) }).catch(ignoreConflict);
  return result;
}

/** Report a step the framework runs itself (it never hands Greenlight the result): completed, with a note saying so. */
export async function handOff(api: Api, claimed: ClaimedStep, to: string): Promise<void> {
  await api.steps.complete.mutate({ stepId: claimed.stepId, leaseId: claimed.leaseId, output: { handedTo: to, note: `handed to ${to}, which runs the call itself` } }).catch(ignoreConflict);
}

/** Fail a claimed step for good (not retryable, so it never runs later), with why and a code. */
export async function failClaimed(api: Api, claimed: ClaimedStep, why: string, code: string): Promise<void> {
  await api.steps.fail.mutate({ stepId: claimed.stepId, leaseId: claimed.leaseId, error: { message: why.slice(0, LIMITS.textChars), code, retryable: false } }).catch(ignoreConflict);
}

/** Give back a claimed step nobody ran: failed with code `not_run`, so it can never run later. */
export const notRun = (api: Api, claimed: ClaimedStep, why: string): Promise<void> => failClaimed(api, claimed, why, 'not_run');

function ignoreConflict(err: unknown): void {
  const e = GreenlightError.from(err);
  if (e.code !== 'CONFLICT') throw e;
}
