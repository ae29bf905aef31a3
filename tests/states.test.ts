/**
 * The state diagrams (docs/architecture.md, moved from the README) cannot drift: the block between the states markers is
 * rendered from core's STEP_TRANSITIONS and TASK_TRANSITIONS, and must equal what
 * `npm run docs:states` writes today.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NEW_STATE, STEP_TRANSITIONS } from '@greenlight/core';
import { ROOT_DIR } from '../scripts/local.ts';
import { BEGIN, END, renderStates, withStates } from '../scripts/states/render.ts';

const readme = (): string => readFileSync(join(ROOT_DIR, 'docs', 'architecture.md'), 'utf8');

describe('state diagrams in docs/architecture.md', () => {
  it('docs/architecture.md shows the state machines the core declares (run npm run docs:states after changing transitions.ts)', () => {
    const text = readme();
    const block = text.slice(text.indexOf(BEGIN), text.indexOf(END) + END.length);
    expect(block).toBe(renderStates());
  });

  it('draws every declared step move as an arrow with its trigger', () => {
    const block = renderStates();
    for (const t of STEP_TRANSITIONS) {
      const from = t.from === NEW_STATE ? '[*]' : t.from;
      const arrow = block.split('\n').find((l) => l.startsWith(`  ${from} --> ${t.to} : `));
      expect(arrow, `${from} -> ${t.to}`).toBeDefined();
      expect(arrow).toContain(t.trigger);
    }
  });

  it('a changed block is found, and rewriting puts the tables back', () => {
    const text = readme();
    const tampered = text.replace('  approved --> executing : claim', '  approved --> completed : claim');
    expect(tampered).not.toBe(text);
    expect(withStates(tampered)).toBe(text);
    expect(() => withStates('no markers here')).toThrow(/states:begin/);
  });
});
