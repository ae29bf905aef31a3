/** Stages of a plan: independent steps share one, a dependent comes after its latest dependency. */
import { expect, it } from 'vitest';
import { stages } from './stages.ts';

it('puts each step one stage after its latest dependency', () => {
  const s = stages([
    { key: 'read', dependsOn: [] },
    { key: 'edit', dependsOn: ['read'] },
    { key: 'lint', dependsOn: [] },
    { key: 'test', dependsOn: ['edit', 'lint'] },
  ]);
  expect(Object.fromEntries(s)).toEqual({ read: 1, edit: 2, lint: 1, test: 3 });
});
