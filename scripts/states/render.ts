/**
 * The state diagrams of docs/architecture.md, rendered from core's tables (STEP_TRANSITIONS,
 * TASK_TRANSITIONS) as Mermaid `stateDiagram-v2` blocks between two markers. Pure:
 * `npm run docs:states` writes the result, tests/states.test.ts fails when the document
 * differs from it, so the diagram cannot drift from the code.
 */
import { NEW_STATE, STEP_TRANSITIONS, StepStatus, TASK_TRANSITIONS, TaskStatus, isTerminalStep, statusLabel } from '@greenlight/core';

export const BEGIN = '<!-- states:begin -->';
export const END = '<!-- states:end -->';

type Move = { from: string; to: string; trigger: string };

/** Mermaid's name for a state: the start pseudo-state is `[*]`. */
const node = (s: string): string => (s === NEW_STATE ? '[*]' : s);

/** One arrow per from → to, its causes joined in the table's order (Mermaid reads `;` as a new statement). */
function arrows(moves: readonly Move[]): string[] {
  const labels = new Map<string, string[]>();
  for (const m of moves) {
    const key = `${node(m.from)} --> ${node(m.to)}`;
    const list = labels.get(key) ?? [];
    if (!list.includes(m.trigger)) list.push(m.trigger);
    labels.set(key, list);
  }
  return [...labels].map(([key, list]) => `  ${key} : ${list.join(' / ').replaceAll(';', ',')}`);
}

function diagram(states: readonly string[], moves: readonly Move[], terminal: (s: string) => boolean): string {
  return [
    '```mermaid',
    'stateDiagram-v2',
    // Each state shows the words the page and the CLI use (core's statusLabel).
    ...states.map((s) => `  state "${statusLabel(s as StepStatus | TaskStatus)}" as ${s}`),
    ...arrows(moves),
    ...states.filter(terminal).map((s) => `  ${s} --> [*]`),
    '```',
  ].join('\n');
}

/** The generated block, markers included. */
export function renderStates(): string {
  return [
    BEGIN,
    '',
    'A step (each arrow names what moves it; `[*]` marks where a plan creates a step, and where a finished one ends):',
    '',
    diagram(StepStatus.options, STEP_TRANSITIONS, (s) => isTerminalStep(s as StepStatus)),
    '',
    'A task:',
    '',
    diagram(TaskStatus.options, TASK_TRANSITIONS, (s) => s !== 'active'),
    '',
    END,
  ].join('\n');
}

/** `readme` with its block between the markers replaced by `block`; throws when the markers are missing. */
export function withStates(readme: string, block: string = renderStates()): string {
  const start = readme.indexOf(BEGIN);
  const end = readme.indexOf(END);
  if (start < 0 || end < start) throw new Error(`the document has no ${BEGIN} ... ${END} block`);
  return readme.slice(0, start) + block + readme.slice(end + END.length);
}
