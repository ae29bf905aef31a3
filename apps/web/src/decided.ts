/**
 * A decision's answer applied to what the page shows: approvals.decide answers with the
 * step as it is after the decision (DecideResult.step), so the page updates at once
 * instead of reading the task and its approvals again. What the decision changed beyond
 * that step (dependents blocked by a reject, say) arrives with the live stream, whose
 * events reload the view as before. Pure: tested in decided.test.ts.
 */
import { taskView, type Approval, type DecideResult, type TaskView } from '@greenlight/core';

type Page<T> = { items: T[]; nextCursor?: string | undefined };

/**
 * The task after `answer`: its step replaced by the answer's and the task's status the
 * answer's. Unchanged when the answer is about another task, or older than what is shown
 * (a reload that landed first already holds a state at least as new).
 */
export function taskAfter(task: TaskView, answer: DecideResult): TaskView {
  const shown = task.steps.find((s) => s.id === answer.stepId);
  if (answer.taskId !== task.id || !shown || shown.updatedAt > answer.step.updatedAt) return task;
  const steps = task.steps.map((s) => (s.id === answer.stepId ? answer.step : s));
  return taskView({ ...task, steps, status: answer.taskStatus });
}

/**
 * A task's open approvals after `answer`, as the inbox's (inboxAfter): the decided
 * approval leaves when its step no longer awaits it, or shows the answer's votes while
 * it waits for more. Not rebuilt with core's approvalView: that would pull the policy's
 * shell parser (for suggestedGrant) into the page's bundle; the live reload follows anyway.
 */
export function taskApprovalsAfter<P extends Page<Approval>>(open: P, task: TaskView, answer: DecideResult): P {
  return answer.taskId !== task.id ? open : inboxAfter(open, answer);
}

/**
 * The inbox after `answer` (it holds no tasks): the decided approval leaves when its step
 * no longer awaits it; while it awaits more votes it shows the votes the answer carries.
 * A new approval a modify opened arrives with the live reload.
 */
export function inboxAfter<P extends Page<Approval>>(open: P, answer: DecideResult): P {
  const { step } = answer;
  const stillOpen = step.status === 'awaiting_approval' && step.approval?.id === answer.approvalId;
  if (step.status === 'awaiting_approval' && !stillOpen) return open;
  return {
    ...open,
    items: open.items.flatMap((a) => (a.approvalId !== answer.approvalId ? [a] : stillOpen ? [{ ...a, votes: step.approvals }] : [])),
  };
}
