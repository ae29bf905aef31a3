/**
 * The `claim` command with a stepId (steps.claim {stepId}): a hook that holds one tool
 * call claims exactly its step, never an older approved one of the same session task
 * (parallel tool calls share a task), and nothing when its step is not claimable.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY, execute, StepInput, type Task } from '../src/index.ts';
import { hashOf, makeEnv, readStep, stepOf, unwrap } from './fixtures.ts';

async function sessionWith(n: number): Promise<{ task: Task; env: ReturnType<typeof makeEnv> }> {
  const env = makeEnv();
  // read steps are approved by the copilot default at once: n approved, claimable steps.
  const steps = Array.from({ length: n }, (_, i) => StepInput.parse(readStep(`call${i}`)));
  const paramsHashes = await Promise.all(steps.map((s) => hashOf(s.params)));
  const { task } = unwrap(
    execute(undefined, { type: 'plan', input: { title: 'session', steps, open: true, session: 's' }, paramsHashes }, { ...env.ctx('agent'), role: 'agent', policy: DEFAULT_POLICY }),
  );
  return { task, env };
}

describe('claim by stepIds', () => {
  it('claims exactly the named step among several approved ones, whichever it is', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 6 }), fc.nat(), async (n, pick) => {
        const { task, env } = await sessionWith(n);
        const target = task.steps[pick % n]!;
        const r = unwrap(execute(task, { type: 'claim', max: 1, leaseSeconds: 60, stepIds: [target.id] }, { ...env.ctx('hook'), role: 'agent', policy: DEFAULT_POLICY }));
        expect(r.claimed).toEqual([target.id]);
        expect(r.task.steps.filter((s) => s.status === 'executing').map((s) => s.id)).toEqual([target.id]);
      }),
      { numRuns: 30 },
    );
  });

  it('claims nothing when the named step is not claimable (already handed out)', async () => {
    const { task, env } = await sessionWith(2);
    const target = stepOf(task, 'call1');
    const first = unwrap(execute(task, { type: 'claim', max: 1, stepIds: [target.id] }, { ...env.ctx('hook'), role: 'agent', policy: DEFAULT_POLICY }));
    const again = unwrap(execute(first.task, { type: 'claim', max: 1, stepIds: [target.id] }, { ...env.ctx('hook-2'), role: 'agent', policy: DEFAULT_POLICY }));
    expect(again.claimed).toEqual([]);
    expect(stepOf(again.task, 'call0').status).toBe('approved');
  });
});
