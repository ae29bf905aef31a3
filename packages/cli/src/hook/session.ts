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
import type { GreenlightClient, PlanRequest } from '@greenlight/sdk';
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
