/**
 * Which declared moves of the state machines (transitions.ts) a run exercised, read off
 * the events: every step move writes one event with its `from` and `to`, and every
 * ended task one `task.finished`. A plan's first move of each step is its entry from
 * NEW_STATE. What no generated run reaches is listed by `missing`.
 */
import { NEW_STATE, STEP_TRANSITIONS, TASK_TRANSITIONS, findStepTransition, isStepMove, type NewEvent } from '../../src/index.ts';

const stepName = (t: { from: string; to: string; event: string }): string => `${t.from} -> ${t.to} (${t.event})`;
const taskName = (t: { from: string; to: string }): string => `task ${t.from} -> ${t.to}`;

export class EdgeRecorder {
  private readonly seen = new Set<string>();

  /** Record the moves in one outcome's events; `planned` for the outcome of a plan, `fresh` the ids of steps an append just made. */
  record(events: readonly NewEvent[], planned = false, fresh: ReadonlySet<string> = new Set()): void {
    const entered = new Set<string>();
    if (planned) this.seen.add(taskName({ from: NEW_STATE, to: 'active' }));
    for (const e of events) {
      if (e.type === 'task.finished') this.seen.add(taskName({ from: 'active', to: e.data.status }));
      if (!e.stepId || !isStepMove(e)) continue;
      const first = (planned || fresh.has(e.stepId)) && !entered.has(e.stepId);
      entered.add(e.stepId);
      const from = first ? NEW_STATE : e.data.from;
      const edge = findStepTransition(from, e.data.to, e.type);
      // Draft.move refuses an undeclared move, so every recorded one is declared.
      if (!edge) throw new Error(`undeclared move recorded: ${stepName({ from, to: e.data.to, event: e.type })}`);
      this.seen.add(stepName(edge));
    }
  }

  /** The declared moves never recorded. */
  missing(): string[] {
    return [...STEP_TRANSITIONS.map(stepName), ...TASK_TRANSITIONS.map(taskName)].filter((n) => !this.seen.has(n));
  }
}
