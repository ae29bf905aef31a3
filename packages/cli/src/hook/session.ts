/**
 * The seam between a hook call and the task it lands in. Every host's tool call is
 * proposed through `Sessions`, so how calls group into tasks is decided in this one file:
 *
 * - `perCall` (the mode before sessions): each call is its own one-step task, planned with
 *   an idempotency key made of the session and the call's id, so a repeat of the same
 *   call finds the same task; a hook that stops waiting cancels its task (created.ts).
 * - `sessions` (SESSIONS-API.md): one open task per host session, made on the session's
 *   first call (tasks.plan {open, session}: atomic, so concurrent first calls share it),
 *   each call appended as a step keyed by the host's call id (tasks.append), the task
 *   closed at the session's end (tasks.close).
 */
import type { Step } from '@greenlight/core';
import type { HookHost, StepDraft } from '@greenlight/core/hooks';
import { GreenlightError, type GreenlightClient, type PlanRequest } from '@greenlight/sdk';
import { CreatedTask } from './created.ts';

export type SessionCall = {
  host: HookHost;
  /** The session as Greenlight names it (core's sessionRef). */
  session: string;
  /** The call's name in the session: the host's id, else its fingerprint; the step's key derives from it. */
  callKey: string;
  /** The task's title and metadata, when this call makes the task. */
  taskTitle: string;
  metadata: Record<string, unknown>;
};

export type Proposed = { taskId: string; step: Step };

export interface Sessions {
  /** The step for this call, as the server holds it now (its policy verdict, or its decision already). */
  propose(call: SessionCall, draft: StepDraft): Promise<Proposed>;
  /** The session's task, opened if it is not (SessionStart); undefined in per-call mode. */
  open(call: Omit<SessionCall, 'callKey'>): Promise<string | undefined>;
  /** Close the session's task (SessionEnd, a configured Stop); nothing in per-call mode. */
  close(session: string, reason: string): Promise<void>;
  /** Nobody will wait for what this hook proposed (stopped, timed out, crashed): take it back where the mode can. */
  abandon(why: string): Promise<void>;
}

const idempotencyKey = (c: Pick<SessionCall, 'host' | 'session' | 'callKey'>): string => `${c.session}:${c.callKey}`.slice(0, 200);

/** One task per call (created.ts keeps what a stop must cancel). */
export function perCallSessions(client: GreenlightClient, cleanup: GreenlightClient): Sessions {
  const created = new CreatedTask();
  return {
    async propose(call, draft) {
      const plan: PlanRequest = { title: `${call.taskTitle}: ${draft.title}`.slice(0, 200), steps: [draft], metadata: call.metadata, idempotencyKey: idempotencyKey(call) };
      created.sending(plan, cleanup);
      const task = await client.plan(plan).catch((err: unknown) => {
        created.failed(err);
        throw err;
      });
      created.planned(task.id);
      return { taskId: task.id, step: task.steps[0]! };
    },
    open: () => Promise.resolve(undefined),
    close: () => Promise.resolve(),
    abandon: (why) => created.cancel(why),
  };
}

const hasStepKey = (err: unknown): boolean => err instanceof GreenlightError && (err.code === 'CONFLICT' || (err.code === 'BAD_REQUEST' && /already has a step with key/.test(err.message)));

/**
 * One open task per host session (SESSIONS-API.md): `tasks.plan {open, session, steps}`
 * finds the creator's open task of the session (or makes it, atomically: concurrent first
 * calls share one) and appends the call's step, keyed by the host's call id, in the same
 * request. A repeat of the call (a duplicated hook, a --resume) replays the first answer
 * by its idempotency key, or, if its step changed meanwhile (an Edit against a file that
 * changed), finds the step already there by its key. `remember` keeps the session's task
 * id for the session's end.
 */
export function sessionTasks(client: GreenlightClient, remember: { set: (session: string, taskId: string) => Promise<void>; get: (session: string) => Promise<string | undefined> }): Sessions {
  const openTask = async (call: Omit<SessionCall, 'callKey'>) => client.plan({ title: call.taskTitle.slice(0, 200), steps: [], open: true, session: call.session, metadata: call.metadata });
  return {
    async propose(call, draft) {
      let task;
      try {
        task = await client.plan({ title: call.taskTitle.slice(0, 200), steps: [draft], open: true, session: call.session, metadata: call.metadata, idempotencyKey: idempotencyKey(call) });
      } catch (err) {
        if (!hasStepKey(err)) throw err;
        task = await openTask(call);
      }
      await remember.set(call.session, task.id);
      const step = task.steps.find((s) => s.key === draft.key);
      if (!step) throw new GreenlightError(`the session's task ${task.id} has no step ${draft.key}`, { code: 'CONFLICT' });
      return { taskId: task.id, step };
    },
    async open(call) {
      const task = await openTask(call);
      await remember.set(call.session, task.id);
      return task.id;
    },
    async close(session, reason) {
      const taskId = await remember.get(session);
      if (!taskId) return;
      try {
        await client.tasks.close.mutate({ taskId });
      } catch (err) {
        if (!(err instanceof GreenlightError && (err.code === 'NOT_FOUND' || err.code === 'CONFLICT'))) throw err;
      }
      void reason;
    },
    // One step of a session cannot be taken back by its agent; an undecided step stays for the reviewer, and nothing runs without a claim.
    abandon: () => Promise.resolve(),
  };
}
