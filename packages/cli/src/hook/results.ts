/**
 * The hook's events after a tool ran: the result (PostToolUse, PostToolUseFailure,
 * postToolUse), a file edited (Cursor's afterFileEdit), the session's end. Each finds the
 * lease the decision hook kept on disk (leases.ts) and completes or fails the step with
 * the tool's real, bounded output; a repeat finds no lease and reports nothing twice.
 */
import { boundedOutput, type HookEvent } from '@greenlight/core/hooks';
import { GreenlightError } from '@greenlight/sdk';
import { errorJson } from '../errors.ts';
import { callNames } from './leases.ts';
import type { Ctx, HookResult } from './run.ts';

const isConflict = (err: unknown): boolean => err instanceof GreenlightError && (err.code === 'CONFLICT' || err.code === 'NOT_FOUND');

/** Report a held step's outcome; a repeat (the lease already used) is not an error. */
async function report(ctx: Ctx, lease: { stepId: string; leaseId: string }, outcome: { ok: true; output: unknown } | { ok: false; error: string }): Promise<void> {
  try {
    if (outcome.ok) await ctx.client.steps.complete.mutate({ stepId: lease.stepId, leaseId: lease.leaseId, output: outcome.output });
    else await ctx.client.steps.fail.mutate({ stepId: lease.stepId, leaseId: lease.leaseId, error: { message: String(boundedOutput(outcome.error, 4000)) } });
  } catch (err) {
    if (!isConflict(err)) throw err;
    ctx.log(`greenlight: the step was already reported (${errorJson(err).message})`);
  }
}

/** How long a result waits for the lease of its call (a PreToolUse hook between its claim and its answer). */
const RESULT_WAIT_MS = 5_000;

/** The call's lease; while a decision hook is still working on the call (its mark is there), wait for it a little. */
async function leaseFor(ctx: Ctx, session: string, names: string[]) {
  const deadline = Date.now() + RESULT_WAIT_MS;
  for (;;) {
    const found = await ctx.leases.find(session, names);
    if (!found) return undefined;
    if ('leaseId' in found) return found;
    if (Date.now() >= deadline || ctx.opts.signal.aborted) return undefined;
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function result(event: Extract<HookEvent, { type: 'result' }>, ctx: Ctx): Promise<HookResult> {
  const names = callNames(event.call);
  const lease = await leaseFor(ctx, event.session, names);
  if (!lease) {
    ctx.log(`greenlight: no step is held for this ${event.call.tool} call; nothing to report`);
    return { output: ctx.format.quiet(event) };
  }
  const extra = event.durationMs !== undefined ? { durationMs: event.durationMs } : {};
  await report(ctx, lease, event.ok ? { ok: true, output: { result: boundedOutput(event.output), ...extra } } : { ok: false, error: event.error ?? 'the tool failed' });
  await ctx.leases.drop(event.session, names);
  return { output: ctx.format.quiet(event) };
}

export async function edited(event: Extract<HookEvent, { type: 'edited' }>, ctx: Ctx): Promise<HookResult> {
  const names = [`file:${event.path}`];
  const lease = await ctx.leases.get(event.session, names);
  if (lease) {
    await report(ctx, lease, { ok: true, output: { edited: event.path, edits: boundedOutput(event.edits) } });
    await ctx.leases.drop(event.session, names);
  }
  return { output: ctx.format.quiet(event) };
}

export async function end(event: Extract<HookEvent, { type: 'end' }>, ctx: Ctx): Promise<HookResult> {
  // Steps handed out whose result never came (no PostToolUse registered, the tool still running): say so.
  for (const lease of await ctx.leases.drain(event.session)) {
    await report(ctx, lease, { ok: true, output: { note: `${event.reason} before the tool's result was reported` } });
  }
  await ctx.sessions.close(event.session, event.reason);
  return { output: ctx.format.quiet(event) };
}
