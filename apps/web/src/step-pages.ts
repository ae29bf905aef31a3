/**
 * A long session's steps on the task page, a page at a time: the page reads the newest
 * STEP_PAGE steps and every step still waiting for a decision (tasks.get {steps:
 * {newest}}, so nothing that needs the reviewer is hidden), and "Show earlier steps" reads
 * the next older page (steps.list newest first, from the lowest step it already has
 * without a gap). Pure: step-pages.test.ts.
 */

/** Steps read per page: the window tasks.get answers and each "Show earlier steps". */
export const STEP_PAGE = 50;

type Indexed = { id: string; index: number };

/** The steps to draw: the task's window and the earlier pages read, each step once (the window's, newer, wins), in plan order. */
export function mergeSteps<S extends Indexed>(window: readonly S[], earlier: readonly S[]): S[] {
  const byId = new Map<string, S>();
  for (const s of earlier) byId.set(s.id, s);
  for (const s of window) byId.set(s.id, s);
  return [...byId.values()].sort((a, b) => a.index - b.index);
}

/**
 * The cursor for the next older page (steps.list `order: 'desc'`): the lowest index of
 * the run of steps held without a gap up to the newest, as a string; undefined when that
 * run starts at the first step (nothing earlier to read). Waiting steps held below a gap
 * do not count: the steps between them and the run are still to be read.
 */
export function earlierCursor(steps: readonly Indexed[]): string | undefined {
  const have = new Set(steps.map((s) => s.index));
  if (have.size === 0) return undefined;
  let lo = Math.max(...have);
  while (have.has(lo - 1)) lo--;
  return lo > 0 ? String(lo) : undefined;
}

/** How many of the task's `total` steps are not drawn (0 when the whole task is held). */
export const hiddenSteps = (total: number | undefined, held: number): number => Math.max(0, (total ?? held) - held);
