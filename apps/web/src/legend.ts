/**
 * The status legend's content, from core's state machines as data (STEP_TRANSITIONS,
 * TASK_TRANSITIONS) and words (statusLabel): the page explains exactly the moves the
 * core allows, and cannot fall out of step with it.
 */
import { STEP_TRANSITIONS, StepStatus, TASK_TRANSITIONS, TaskStatus, statusLabel } from '@greenlight/core';

/** One way out of a status: to `to` (its words in `label`), when one of `when` happens. */
export type LegendMove = { to: StepStatus | TaskStatus; label: string; when: string };
/** A status with every move out of it, in the table's order; none for a final status. */
export type LegendRow = { status: StepStatus | TaskStatus; label: string; moves: LegendMove[] };

/** Moves grouped by target: each target once, its causes joined with ` / `. */
function rows<S extends StepStatus | TaskStatus>(statuses: readonly S[], table: readonly { from: string; to: S; trigger: string }[]): LegendRow[] {
  return statuses.map((status) => {
    const byTarget = new Map<S, string[]>();
    for (const t of table) {
      if (t.from !== status) continue;
      const when = byTarget.get(t.to) ?? [];
      if (!when.includes(t.trigger)) when.push(t.trigger);
      byTarget.set(t.to, when);
    }
    const moves = [...byTarget].map(([to, when]) => ({ to, label: statusLabel(to), when: when.join(' / ') }));
    return { status, label: statusLabel(status), moves };
  });
}

/** Every step status and where it can go next. */
export const stepLegend = (): LegendRow[] => rows(StepStatus.options, STEP_TRANSITIONS);
/** Every task status and where it can go next. */
export const taskLegend = (): LegendRow[] => rows(TaskStatus.options, TASK_TRANSITIONS);
