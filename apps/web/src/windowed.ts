/**
 * Which steps a task page draws: all of a short task; of a long one (a session that grew
 * to hundreds of steps), the newest `shown` and every step still waiting for a decision,
 * so the page stays fast and nothing that needs the reviewer is hidden. Pure: windowed.test.ts.
 */
export const STEP_PAGE = 50;

export type Windowed<S> = { steps: S[]; hidden: number };

/** `steps` in plan order; `shown` how many of the newest to draw (a multiple of STEP_PAGE). */
export function windowed<S extends { status: string }>(steps: readonly S[], shown: number): Windowed<S> {
  if (steps.length <= shown + 10) return { steps: [...steps], hidden: 0 };
  const from = steps.length - shown;
  const out = steps.filter((s, i) => i >= from || s.status === 'awaiting_approval');
  return { steps: out, hidden: steps.length - out.length };
}
