/**
 * What the hook created on the server, and how to take it back when nobody will wait
 * for it any more (stopped, timed out, crashed): otherwise a reviewer could approve a
 * call that no hook is waiting for.
 *
 * The plan is recorded before it is sent, with its idempotency key. A hook stopped
 * while `tasks.plan` is in flight (sent, its answer not yet back) does not know the
 * task's id, and cannot know whether the request even reached the server. Sending the
 * same plan again with the same key settles it either way: the workspace's object runs
 * one request at a time and keeps the first answer under the key, so the repeat returns
 * the task the first request made, or makes it now, and the first request, should it
 * arrive later, is answered from the record and makes nothing. Then the task is cancelled.
 */
import { GreenlightError, type GreenlightClient, type PlanRequest } from '@greenlight/sdk';

export class CreatedTask {
  private plan: PlanRequest | undefined;
  private client: GreenlightClient | undefined;
  private taskId: string | undefined;
  private cancelling: Promise<void> | undefined;

  /** Call right before sending the plan; `client` is the one to clean up with (not bound to the hook's stop signal). */
  sending(plan: PlanRequest, client: GreenlightClient): void {
    if (!plan.idempotencyKey) throw new Error('the hook plans with an idempotency key, so it can find its task again');
    this.plan = plan;
    this.client = client;
  }

  /**
   * The plan failed. When the server answered with a client error (4xx: bad input, bad
   * key, too large) it made nothing, so there is nothing to take back; after a network
   * error, a timeout or a stop, the request may still have landed, so the plan is kept.
   */
  failed(err: unknown): void {
    const status = err instanceof GreenlightError ? err.httpStatus : undefined;
    if (status !== undefined && status >= 400 && status < 500) this.plan = undefined;
  }

  /** The plan's answer arrived. */
  planned(taskId: string): void {
    this.taskId = taskId;
  }

  /**
   * Cancel the task, if a plan was sent; at most once (later calls share the first).
   * A task that is already finished or cancelled is fine (CONFLICT is not an error here).
   */
  cancel(reason: string): Promise<void> {
    return (this.cancelling ??= this.doCancel(reason));
  }

  private async doCancel(reason: string): Promise<void> {
    const { plan, client } = this;
    if (!plan || !client) return;
    const taskId = this.taskId ?? (await client.plan(plan)).id;
    try {
      await client.tasks.cancel.mutate({ taskId, reason: reason.slice(0, 500) });
    } catch (err) {
      if (!(err instanceof GreenlightError && err.code === 'CONFLICT')) throw err;
    }
  }
}
