/**
 * One call's unit of work inside the object: loads tasks (applying any deadline that
 * fell due, so a late alarm never matters), saves outcomes, and appends their events.
 * Everything a Tx does runs inside one transactionSync: all of it lands, or none.
 */
import {
  applyDeadlines,
  fail,
  historyEntries,
  ok,
  type AuthStrength,
  type Ctx,
  type Event,
  type WorkspaceExecuted,
  type NewEvent,
  type Outcome,
  type Result,
  type Task,
  type Usage,
  type WorkspaceCommand,
  type WorkspaceEnv,
} from '@greenlight/core';
import { runCommand, type Given } from './aggregate.ts';
import type { WorkspaceMeta } from './meta.ts';
import { identityOf, type Caller } from './caller.ts';
import { findPerson } from './people.ts';
import { memberOf } from './groups.ts';
import { insertHistory } from './history.ts';
import { appendEvents, loadTask, saveTask } from './store.ts';
import { syncSessionRows } from './sessions-store.ts';
import { sqlTag, type Sql } from './sql.ts';
import { queueSlackForEvents } from './slack/outbox.ts';

export const SYSTEM_ACTOR = 'system';

export class Tx {
  readonly events: Event[] = [];
  /** Whether this call wrote any task or step: deadlines may have moved even without an event (a heartbeat). */
  dirty = false;
  readonly sql: SqlStorage;
  /** The same storage through the `sql` tag: q<Row>`SELECT ... WHERE id = ${id}` binds every value (sql.ts). */
  readonly q: Sql;
  readonly meta: WorkspaceMeta;
  /** Who this call is for: a key, or another credential the object verified (caller.ts). */
  readonly key: Caller;
  readonly now: number;
  private readonly newId: () => string;
  private readonly usageBefore = new Map<string, Usage>();
  /** Approval ids known to have their `approvals` row: on the steps this call loaded, or written by it (saveTask). */
  private readonly indexedApprovals = new Set<string>();

  private readonly allowPrivateTargets: boolean;
  /**
   * Set when this call proved more than its credential does (a passkey assertion checked
   * for this decision: passkeys.ts): the caller's identity carries this strength instead,
   * for this call only.
   */
  stepUp: AuthStrength | undefined;

  constructor(sql: SqlStorage, meta: WorkspaceMeta, key: Caller, now: number, newId: () => string, allowPrivateTargets = false) {
    this.sql = sql;
    this.q = sqlTag(sql);
    this.meta = meta;
    this.key = key;
    this.now = now;
    this.newId = newId;
    this.allowPrivateTargets = allowPrivateTargets;
  }

  /** What core's workspace aggregate is given: this call's time, ids, and the deployment's webhook setting. */
  get env(): WorkspaceEnv {
    return { now: this.now, newId: this.newId, allowPrivateTargets: this.allowPrivateTargets };
  }

  /** One workspace command (core's executeWorkspace): stored and its events appended in this transaction, or an error that changed nothing. */
  run(command: WorkspaceCommand, given?: Given): Result<WorkspaceExecuted> {
    const r = runCommand(this.sql, this.meta, command, this.env, given);
    if (r.ok && r.value.events.length > 0) this.emit(r.value.events);
    return r;
  }

  get actor(): string {
    return this.key.principal;
  }

  ctx(actor = this.actor): Ctx {
    // The workspace's links go with every act: core counts persons (N-of-M, self-approval) through them.
    const people = (p: string) => findPerson(this.sql, p);
    // Group quorums ask how the caller stands toward a group: claims, stored groups, delegations (groups.ts).
    const caller = this.key;
    const memberOfGroup = (g: string) => memberOf(this.sql, caller, g, this.now);
    const identity = () => ({ ...identityOf(this.key), ...(this.stepUp ? { authStrength: this.stepUp } : {}) });
    return {
      now: this.now,
      actor,
      newId: this.newId,
      people,
      ...(actor === this.actor ? { role: this.key.role, identity: identity(), memberOf: memberOfGroup } : {}),
    };
  }

  /** A task, brought up to date with its deadlines. Unknown ids are NOT_FOUND. */
  load(taskId: string): Result<Task> {
    const stored = loadTask(this.sql, taskId);
    if (!stored) return fail('NOT_FOUND', `task ${taskId} not found`);
    if (!this.usageBefore.has(taskId)) this.usageBefore.set(taskId, stored.usage);
    for (const s of stored.steps) if (s.approval) this.indexedApprovals.add(s.approval.id);
    const due = applyDeadlines(stored, this.meta.policy.maxAttempts, this.ctx(SYSTEM_ACTOR));
    if (!due) return ok(stored);
    this.commit(due, { actor: SYSTEM_ACTOR });
    return ok(due.task);
  }

  /** Save a transition's outcome and append its events; usage flows into the workspace total. */
  commit(outcome: Outcome, opts: { isNew?: boolean; actor?: string } = {}): void {
    if (!opts.isNew && outcome.touched.length === 0 && outcome.events.length === 0) return;
    saveTask(this.sql, outcome, opts.isNew ?? false, this.indexedApprovals);
    syncSessionRows(this.sql, outcome);
    this.dirty = true;
    const appended = this.emit(outcome.events, opts.actor);
    // The decision history is a projection of these events, written with them.
    insertHistory(this.sql, historyEntries(outcome.task, appended));
    const before = this.usageBefore.get(outcome.task.id);
    const after = outcome.task.usage;
    if (before && (before.inputTokens !== after.inputTokens || before.outputTokens !== after.outputTokens || before.costUsd !== after.costUsd)) {
      const delta = { inputTokens: after.inputTokens - before.inputTokens, outputTokens: after.outputTokens - before.outputTokens, costUsd: after.costUsd - before.costUsd };
      this.run({ type: 'usage.add', delta });
    }
    this.usageBefore.set(outcome.task.id, after);
  }

  /** Append events, and queue the webhook deliveries they call for in the same transaction. */
  emit(events: NewEvent[], actor = this.actor): Event[] {
    const appended = appendEvents(this.sql, events, actor, this.now);
    this.events.push(...appended);
    const newest = appended.at(-1);
    if (!newest) return appended;
    // chainHead: the newest event this transaction had appended, so receivers can pin the audit chain.
    const queued = runCommand(this.sql, this.meta, { type: 'deliveries.enqueue', events: appended, chainHead: { seq: newest.seq, hash: newest.hash } }, this.env);
    if (queued.ok && Object.keys(queued.value.state.deliveries).length > 0) this.dirty = true;
    // Slack's messages (post, update) are queued in the same transaction (slack/outbox.ts).
    if (queueSlackForEvents(this.sql, appended, this.now, this.newId)) this.dirty = true;
    return appended;
  }
}
