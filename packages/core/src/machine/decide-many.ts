/**
 * decideMany: several decisions, possibly across tasks, all or nothing. A batch is the
 * "approve all" of a reviewer, so it never approves a step that deserves a deliberate
 * look (issue 16, item 1) unless the caller confirms that step by id as well.
 */
import { fail, ok, type Issue, type Result } from '../result.ts';
import type { Policy } from '../schemas/policy.ts';
import type { Step } from '../schemas/step.ts';
import type { Task } from '../schemas/task.ts';
import { decideInDraft, type DecideCommand } from './decide.ts';
import { Draft, type Ctx, type Outcome } from './draft.ts';
import { settle } from './settle.ts';
import { needsStepUp } from '../stepup.ts';

/**
 * Why approving `step` in a batch needs its own confirmation, if it does: its rule needs
 * step-up (a passkey assertion is bound to one approval, so such a step is decided on its
 * own: decideInDraft refuses a weaker caller whatever `confirm` says), its risk is high,
 * or it needs more than one person (N-of-M). Undefined for any other step.
 */
export function batchConfirmationReason(step: Pick<Step, 'policy' | 'approval'>): string | undefined {
  const why: string[] = [];
  if (needsStepUp(step.policy)) why.push(`needs a ${step.policy.minAuth} (step-up): decide it on its own`);
  if (step.policy.risk.level === 'high') why.push(`high risk: ${step.policy.risk.reason}`);
  const n = step.approval?.requiredApprovals ?? step.policy.requiredApprovals;
  if (n > 1) why.push(`needs ${n} approvals`);
  return why.length > 0 ? why.join('; ') : undefined;
}

/** Decisions that let a step run; only these need a confirmation in a batch. */
const LETS_RUN = new Set(['approve', 'modify']);

type BatchItem = DecideCommand & { taskId: string };

/**
 * The items that need a confirmation `confirm` does not give, as issues (path
 * `items.<i>`), and the ids `confirm` names that are not in the batch. Pure.
 */
export function missingConfirmations(tasks: Task[], items: BatchItem[], confirm: readonly string[] = []): Issue[] {
  const confirmed = new Set(confirm);
  const issues: Issue[] = [];
  const inBatch = new Set(items.map((i) => i.approvalId));
  for (const id of confirmed) {
    if (!inBatch.has(id)) issues.push({ path: ['confirm'], message: `confirm lists approval ${id}, which is not among the items` });
  }
  for (const [index, item] of items.entries()) {
    if (!LETS_RUN.has(item.decision) || confirmed.has(item.approvalId)) continue;
    const step = tasks.find((t) => t.id === item.taskId)?.steps.find((s) => s.id === item.stepId);
    const why = step ? batchConfirmationReason(step) : undefined;
    if (why !== undefined) issues.push({ path: ['items', index], message: `approval ${item.approvalId} (step ${step!.key}: ${step!.title}) needs its own confirmation: ${why}` });
  }
  return issues;
}

/**
 * `tasks` must hold the task of every item; the first failing item fails the whole batch.
 * `confirm` lists the approvals the caller confirms one by one (missingConfirmations):
 * an unconfirmed high-risk or N-of-M approve is BAD_REQUEST `confirmation_required`, and
 * nothing is decided. Each item's own errors (not open, stale hash, self-approval) come first.
 */
export function decideMany(tasks: Task[], items: BatchItem[], policy: Policy, ctx: Ctx, confirm: readonly string[] = []): Result<Outcome[]> {
  const drafts = new Map<string, Draft>();
  const seen = new Set<string>();
  for (const [index, item] of items.entries()) {
    if (seen.has(item.approvalId)) return fail('BAD_REQUEST', `items[${index}]: approval ${item.approvalId} appears twice in the batch`);
    seen.add(item.approvalId);
    if (!tasks.some((t) => t.id === item.taskId)) return fail('NOT_FOUND', `items[${index}]: approval ${item.approvalId} not found`);
  }
  for (const [index, item] of items.entries()) {
    const task = tasks.find((t) => t.id === item.taskId)!;
    let d = drafts.get(task.id);
    if (!d) drafts.set(task.id, (d = new Draft(task, ctx)));
    const r = decideInDraft(d, item, policy);
    if (!r.ok) return fail(r.error.code, `items[${index}]: ${r.error.message}`, r.error.reason ? { reason: r.error.reason } : {});
  }
  // After each item's own checks (open, hash, self-approval), so those errors read first.
  const missing = missingConfirmations(tasks, items, confirm);
  if (missing.length > 0) {
    const first = missing[0]!.message;
    const more = missing.length > 1 ? ` (and ${missing.length - 1} more)` : '';
    return fail('BAD_REQUEST', `Approve-all left nothing decided: ${first}${more}. Decide it on its own, or list its approvalId in confirm.`, {
      reason: 'confirmation_required',
      issues: missing,
    });
  }
  return ok(
    [...drafts.values()].map((d) => {
      settle(d);
      return d.done();
    }),
  );
}
