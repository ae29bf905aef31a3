/**
 * One open task per agent run (the sessions API, docs/sessions.md): tasks.plan with
 * `open: true` and a session name makes the run's task on first use and appends the
 * later calls' steps to it, each decided by the policy (or a reviewer's task grant) as
 * it arrives. The adapters name the session after the framework and the caller's run
 * (conversation, thread), and find a call's step by its key.
 */
import { LIMITS, sha256Hex, type Step, type StepInput } from '@greenlight/core';
import type { GreenlightClient } from '../index.ts';
import { GreenlightError } from '../errors.ts';

const SESSION = /^[A-Za-z0-9._:@/-]+$/;

/**
 * A session name for core's SessionName (letters, digits and . _ : @ / -, at most 200):
 * the parts joined by `:` when that fits, else the first part and a SHA-256 of them all
 * (same parts, same name).
 */
export async function sessionName(...parts: string[]): Promise<string> {
  const joined = parts.join(':');
  if (SESSION.test(joined) && joined.length <= LIMITS.sessionChars) return joined;
  return `${parts[0]}:h-${(await sha256Hex(joined)).slice(0, 40)}`;
}

/** What to put on the run's open task: the session, the task's title and metadata (used when it is made), the steps. */
export type Proposal = { session: string; title: string; metadata: Record<string, unknown>; steps: StepInput[]; idempotencyKey: string };

/**
 * Append `steps` to the session's open task (made on first use); returns the task id and
 * the steps as stored, in the order given. A repeat with the same idempotency key answers
 * as the first call did (the key finds a call's step again for 24 h); the same key with
 * other steps is CONFLICT: a call's input cannot change under its id.
 */
export async function propose(client: GreenlightClient, p: Proposal): Promise<{ taskId: string; steps: Step[] }> {
  const task = await client.plan({
    title: p.title.slice(0, LIMITS.titleChars),
    steps: p.steps,
    open: true,
    session: p.session,
    metadata: p.metadata,
    idempotencyKey: p.idempotencyKey.slice(0, LIMITS.idempotencyKeyChars),
  });
  const byKey = new Map(task.steps.map((s) => [s.key, s]));
  const steps = p.steps.map((s) => {
    const found = byKey.get(s.key);
    if (!found) throw new GreenlightError(`task ${task.id} came back without step ${s.key}`, { code: 'INTERNAL_SERVER_ERROR' });
    return found;
  });
  return { taskId: task.id, steps };
}
