/**
 * The decision history as a projection of the audit log (issue 16, item 3). Pure: for a
 * task as a transition left it and the events that transition appended (with their
 * sequence numbers), the history entries they make, one per decision on a step.
 *
 * Decisions are the events that take a step out of (or past) asking: approved (by
 * people, the policy, a raised mode or a grant), rejected, changes requested, skipped,
 * a question answered, an approval expired, and the policy's verdict on a revision. A
 * retry after a lost lease or a retryable failure (step.approved with `retry`) is not a
 * decision, and neither are claims, completions by executors, blocks or cancels.
 */
import type { Event } from './schemas/event.ts';
import type { HistoryDecision, HistoryEntry } from './schemas/history.ts';
import type { Step } from './schemas/step.ts';
import type { TaskRecord } from './schemas/task.ts';
import { decidersFromEvent } from './identity.ts';

const asList = (by: unknown): string[] => (Array.isArray(by) ? by.filter((b): b is string => typeof b === 'string') : typeof by === 'string' ? [by] : []);
const byPolicy = (by: string[]): boolean => by.length > 0 && by.every((b) => b.startsWith('policy:'));

type Found = { decision: HistoryDecision; by: string[]; rule?: string | undefined; reason?: string | undefined; feedback?: string | undefined; approvalId?: string | undefined };

/** The decision an event records, if it records one. */
function decisionOf(e: Event, step: Step): Found | undefined {
  const approvalId = step.approval?.id;
  switch (e.type) {
    case 'step.approved': {
      if (e.data.retry === true || e.data.reason === 'lease_expired') return undefined;
      const by = asList(e.data.by);
      if (byPolicy(by)) return { decision: 'policy', by, rule: e.data.rule };
      return { decision: e.data.modified === true ? 'modify' : 'approve', by, rule: e.data.via ?? e.data.rule, approvalId };
    }
    case 'step.revised':
      if (e.data.to === 'awaiting_approval') return undefined;
      return { decision: 'policy', by: asList(e.data.by ?? (e.data.rule ? `policy:${e.data.rule}` : undefined)), rule: e.data.rule, reason: e.data.reason };
    case 'step.rejected': {
      const by = asList(e.data.by);
      if (byPolicy(by)) return { decision: 'policy', by, rule: e.data.rule, reason: e.data.reason };
      return { decision: 'reject', by, feedback: e.data.feedback, reason: e.data.reason, approvalId };
    }
    case 'step.changes_requested':
      return { decision: 'request_changes', by: asList(e.data.by), feedback: e.data.feedback, approvalId };
    case 'step.skipped':
      return { decision: 'skip', by: asList(e.data.by), feedback: e.data.feedback, approvalId };
    case 'step.completed':
      return e.data.answer === undefined ? undefined : { decision: 'answer', by: asList(e.data.by), approvalId };
    case 'approval.expired':
      return { decision: 'timeout', by: [e.actor], reason: `no decision in time: ${e.data.defaultOnTimeout}`, approvalId: e.data.approvalId ?? approvalId };
    default:
      return undefined;
  }
}

/**
 * The history entries `events` (appended by one transition on `task`, in order) make.
 * `task.steps` must hold every step the events name (a transition's own task does).
 */
export function historyEntries(task: TaskRecord & { steps: Step[] }, events: readonly Event[]): HistoryEntry[] {
  const steps = new Map(task.steps.map((s) => [s.id, s]));
  const out: HistoryEntry[] = [];
  for (const e of events) {
    const step = e.stepId === undefined || e.taskId !== task.id ? undefined : steps.get(e.stepId);
    if (!step) continue;
    const found = decisionOf(e, step);
    if (!found) continue;
    const deciders = decidersFromEvent(e.data, found.by);
    const revision = 'revision' in e.data && typeof e.data.revision === 'number' ? e.data.revision : step.revision;
    out.push({
      seq: e.seq,
      at: e.at,
      taskId: task.id,
      taskTitle: task.title,
      stepId: step.id,
      stepKey: step.key,
      kind: step.kind,
      title: step.title,
      revision,
      agent: task.createdBy,
      decision: found.decision,
      status: 'to' in e.data && typeof e.data.to === 'string' ? (e.data.to as Step['status']) : step.status,
      by: found.by,
      ...(deciders !== undefined ? { deciders } : {}),
      ...(found.rule !== undefined ? { rule: found.rule } : {}),
      ...(found.reason !== undefined ? { reason: found.reason } : {}),
      ...(found.feedback !== undefined ? { feedback: found.feedback } : {}),
      ...(found.approvalId !== undefined ? { approvalId: found.approvalId } : {}),
      paramsHash: step.paramsHash,
      risk: step.policy.risk,
    });
  }
  return out;
}
