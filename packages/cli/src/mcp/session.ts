/**
 * One open session task per gateway process (SESSIONS-API.md: tasks.plan {open, session},
 * tasks.append, tasks.close). The task is opened by the first call (concurrent first calls
 * share it), each call is appended as a step, and the task is closed when the gateway
 * ends, or cancelled when calls were still held then, so their steps can never run.
 *
 * Claiming: each call claims only its own step (steps.claim {stepIds}), so calls approved
 * at once never take each other's step and a call never sees its own step already
 * executing. A step whose call nobody waits for any more (abandoned before its decision)
 * is claimed when approved and failed at once, never forwarded.
 */
import type { ClaimedStep, Step, StepInput } from '@greenlight/core';
import { GreenlightError } from '@greenlight/sdk';
import type { Ledger, LedgerContext } from './ledger.ts';

export function sessionLedger(ctx: LedgerContext): Ledger {
  let opening: Promise<string> | undefined;
  /** Steps whose call is still waiting for its claim. */
  const wanted = new Set<string>();
  /** Steps whose call was given up before they ended (held, or changes requested): the session's end must cancel them. */
  const loose = new Set<string>();
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const next = queue.then(fn, fn);
    queue = next.catch(() => {});
    return next;
  };

  const open = (): Promise<string> =>
    (opening ??= ctx.client
      .plan({
        title: `MCP ${ctx.server} session`,
        steps: [],
        open: true,
        session: ctx.session,
        metadata: { source: 'mcp-proxy', server: ctx.server, gatewaySession: ctx.session },
      })
      .then((t) => {
        ctx.log(`greenlight: session task ${t.id}: ${ctx.reviewUrl(t.id)}`);
        return t.id;
      })
      .catch((err: unknown) => {
        opening = undefined;
        throw err;
      }));

  const failUnwanted = (s: ClaimedStep): Promise<unknown> =>
    ctx.cleanup.steps.fail
      .mutate({ stepId: s.stepId, leaseId: s.leaseId, error: { message: 'the MCP call was given up before it was decided; never forwarded', code: 'abandoned', retryable: false } })
      .then(
        () => loose.delete(s.stepId),
        () => {},
      );

  /** Claim exactly the step `id` (run inside serial()): its lease, or undefined when it is not claimable. */
  const claimOwn = async (taskId: string, id: string, leaseSeconds = 60): Promise<ClaimedStep | undefined> => {
    const { steps } = await ctx.client.steps.claim.mutate({ taskId, stepIds: [id], max: 1, leaseSeconds });
    return steps.find((s) => s.stepId === id);
  };

  return {
    async propose(step: StepInput): Promise<Step> {
      let taskId = await open();
      const append = () => ctx.client.tasks.append.mutate({ taskId, steps: [step], idempotencyKey: `mcp:${ctx.session}:${step.key}`.slice(0, 200) });
      let appended;
      try {
        appended = await append();
      } catch (err) {
        if (!(err instanceof GreenlightError) || err.code !== 'CONFLICT') throw err;
        // The session is no longer open: cancelled from the page (say so), or closed as idle (open a new one).
        const task = await ctx.client.tasks.get.query({ taskId });
        if (task.status === 'cancelled') {
          throw new GreenlightError(
            `the session task ${taskId} was cancelled${task.cancel ? ` by ${task.cancel.by}${task.cancel.reason ? `: ${task.cancel.reason}` : ''}` : ''}; restart the gateway for a new session`,
            { code: 'CONFLICT' },
          );
        }
        opening = undefined;
        taskId = await open();
        appended = await append();
      }
      const planned = appended.steps[0]!;
      wanted.add(planned.id);
      return planned;
    },

    claim(step: Step, leaseSeconds: number): Promise<ClaimedStep | undefined> {
      return serial(async () => {
        try {
          return await claimOwn(step.taskId, step.id, leaseSeconds);
        } finally {
          wanted.delete(step.id);
        }
      });
    },

    async abandon(step: Step, _reason: string): Promise<void> {
      wanted.delete(step.id);
      loose.add(step.id);
      // Not decided yet: should a reviewer approve it later, claim it then and fail it, so it
      // ends at once instead of waiting approved; the session's end cancels it otherwise.
      const approvalId = step.approval?.id;
      void ctx.client
        .waitForDecision(step.id, { signal: ctx.stop, ...(approvalId ? { approvalId } : {}) })
        .then(async (o) => {
          if (o.status !== 'approved') return;
          const claimed = await serial(() => claimOwn(step.taskId, step.id));
          if (claimed) await failUnwanted(claimed);
        })
        .catch(() => {});
    },

    settled(step: Step): void {
      wanted.delete(step.id);
    },

    taskOf: (step) => step.taskId,

    async close(reason: string): Promise<void> {
      if (!opening) return;
      const taskId = await opening.catch(() => undefined);
      if (taskId === undefined) return;
      // Calls still held or given up undecided must never run: cancel ends their steps too (one
      // request, first: a host may kill the gateway soon after closing its stdin).
      if (wanted.size > 0 || loose.size > 0) await ctx.cleanup.tasks.cancel.mutate({ taskId, reason });
      else await ctx.cleanup.tasks.close.mutate({ taskId });
    },
  };
}
