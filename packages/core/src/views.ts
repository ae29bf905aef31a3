/** What readers get that is derived from the stored task, never stored twice. */
import type { Clarification, Task, TaskView } from './schemas/task.ts';

/** Every clarify question of the task and its answer, in plan order, across rounds. */
export function clarifications(task: Task): Clarification[] {
  return task.steps
    .filter((s) => s.kind === 'clarify')
    .map((s) => ({
      stepId: s.id,
      stepKey: s.key,
      revision: s.revision,
      questions: Array.isArray(s.params.questions) ? s.params.questions.filter((q): q is string => typeof q === 'string') : [],
      ...(s.decision?.answer !== undefined ? { answer: s.decision.answer, answeredBy: s.decision.by[0], answeredAt: s.decision.at } : {}),
    }));
}

export const taskView = (task: Task): TaskView => ({ ...task, context: { clarifications: clarifications(task) } });

export function countByStatus(items: { status: string }[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const { status } of items) counts[status] = (counts[status] ?? 0) + 1;
  return counts;
}
