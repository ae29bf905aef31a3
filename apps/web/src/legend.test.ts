/** The status legend says what core's transition tables say, in statusLabel's words. */
import { describe, expect, it } from 'vitest';
import { NEW_STATE, STEP_TRANSITIONS, StepStatus, TASK_TRANSITIONS, TaskStatus, isTerminalStep, statusLabel } from '@greenlight/core';
import { stepLegend, taskLegend } from './legend.ts';

describe('status legend', () => {
  it('lists every step status once, final ones with no way out', () => {
    const rows = stepLegend();
    expect(rows.map((r) => r.status)).toEqual(StepStatus.options);
    for (const r of rows) {
      expect(r.label).toBe(statusLabel(r.status));
      expect(r.moves.length === 0, r.status).toBe(isTerminalStep(r.status as StepStatus));
    }
  });

  it('shows every declared step and task move, with its trigger', () => {
    const rows = [...stepLegend(), ...taskLegend()];
    for (const t of [...STEP_TRANSITIONS, ...TASK_TRANSITIONS]) {
      if (t.from === NEW_STATE) continue;
      const move = rows.find((r) => r.status === t.from)?.moves.find((m) => m.to === t.to);
      expect(move, `${t.from} -> ${t.to}`).toBeDefined();
      expect(move!.when).toContain(t.trigger);
      expect(move!.label).toBe(statusLabel(t.to));
    }
  });

  it('an executing step can only complete, fail, go back to approved for a retry, or be cancelled', () => {
    const executing = stepLegend().find((r) => r.status === 'executing')!;
    expect(executing.moves.map((m) => m.label).sort()).toEqual(['approved', 'cancelled', 'completed', 'failed']);
    expect(
      taskLegend()
        .find((r) => r.status === 'active')!
        .moves.map((m) => m.to)
        .sort(),
    ).toEqual(TaskStatus.options.filter((s) => s !== 'active').sort());
  });
});
