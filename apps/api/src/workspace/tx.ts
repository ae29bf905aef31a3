/**
 * One call's unit of work inside the object: loads tasks (applying any deadline that
 * fell due, so a late alarm never matters), saves outcomes, and appends their events.
 * Everything a Tx does runs inside one transactionSync: all of it lands, or none.
 */
import { addUsage, applyDeadlines, fail, historyEntries, ok, type Ctx, type Event, type Key, type NewEvent, type Outcome, type Result, type Task, type Usage } from '@greenlight/core';
import { writeMeta, type WorkspaceMeta } from './meta.ts';
import { insertHistory } from './history.ts';
import { appendEvents, loadTask, saveTask } from './store.ts';
import { enqueueDeliveries } from './webhooks.ts';
import { syncSessionRows } from './sessions-store.ts';

export const SYSTEM_ACTOR = 'system';

export class Tx {
  readonly events: Event[] = [];
  /** Whether this call wrote any task or step: deadlines may have moved even without an event (a heartbeat). */
  dirty = false;
  readonly sql: SqlStorage;
  readonly meta: WorkspaceMeta;
  readonly key: Key;
  readonly now: number;
  private readonly newId: () => string;
  private readonly usageBefore = new Map<string, Usage>();

  constructor(sql: SqlStorage, meta: WorkspaceMeta, key: Key, now: number, newId: () => string) {
    this.sql = sql;
    this.meta = meta;
    this.key = key;
    this.now = now;
    this.newId = newId;
  }

  get actor(): string {
    return this.key.principal;
  }

  ctx(actor = this.actor): Ctx {
    return { now: this.now, actor, newId: this.newId, ...(actor === this.actor ? { role: this.key.role } : {}) };
  }

  /** A task, brought up to date with its deadlines. Unknown ids are NOT_FOUND. */
  load(taskId: string): Result<Task> {
    const stored = loadTask(this.sql, taskId);
    if (!stored) return fail('NOT_FOUND', `task ${taskId} not found`);
    if (!this.usageBefore.has(taskId)) this.usageBefore.set(taskId, stored.usage);
    const due = applyDeadlines(stored, this.meta.policy.maxAttempts, this.ctx(SYSTEM_ACTOR));
    if (!due) return ok(stored);
    this.commit(due, { actor: SYSTEM_ACTOR });
    return ok(due.task);
  }

  /** Save a transition's outcome and append its events; usage flows into the workspace total. */
  commit(outcome: Outcome, opts: { isNew?: boolean; actor?: string } = {}): void {
    if (!opts.isNew && outcome.touched.length === 0 && outcome.events.length === 0) return;
    saveTask(this.sql, outcome, opts.isNew ?? false);
    syncSessionRows(this.sql, outcome);
    this.dirty = true;
    const appended = this.emit(outcome.events, opts.actor);
    // The decision history is a projection of these events, written with them.
    insertHistory(this.sql, historyEntries(outcome.task, appended));
    const before = this.usageBefore.get(outcome.task.id);
    const after = outcome.task.usage;
    if (before && (before.inputTokens !== after.inputTokens || before.outputTokens !== after.outputTokens || before.costUsd !== after.costUsd)) {
      const delta = { inputTokens: after.inputTokens - before.inputTokens, outputTokens: after.outputTokens - before.outputTokens, costUsd: after.costUsd - before.costUsd };
      this.writeMeta({ usage: addUsage(this.meta.usage, delta) });
    }
    this.usageBefore.set(outcome.task.id, after);
  }

  /**
   * Change the workspace's settings: in storage and in the object's in-memory copy
   * together, so the copy never differs from what is stored (a rollback drops it).
   */
  writeMeta(change: Partial<Pick<WorkspaceMeta, 'policy' | 'policyVersion' | 'usage' | 'limits'>>): void {
    Object.assign(this.meta, change);
    if (change.policy !== undefined || change.policyVersion !== undefined) {
      writeMeta(this.sql, 'policy', { policy: this.meta.policy, policyVersion: this.meta.policyVersion });
    }
    if (change.usage !== undefined) writeMeta(this.sql, 'usage', this.meta.usage);
    if (change.limits !== undefined) writeMeta(this.sql, 'limits', this.meta.limits);
  }

  /** Append events, and queue the webhook deliveries they call for in the same transaction; answers the events as stored. */
  emit(events: NewEvent[], actor = this.actor): Event[] {
    const appended = appendEvents(this.sql, events, actor, this.now);
    this.events.push(...appended);
    if (enqueueDeliveries(this.sql, this.meta.id, appended, this.now, this.newId) > 0) this.dirty = true;
    return appended;
  }
}

