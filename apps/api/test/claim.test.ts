/** steps.claim: what an executor is handed, and that nothing claimable is ever missed. */
import { describe, expect, it } from 'vitest';
import { clientFor, team } from './harness.ts';

const read = (key: string, dependsOn: string[] = []) => ({ key, kind: 'read' as const, title: `Read ${key}`, params: { tool: 'read_file', paths: [`${key}.ts`] }, dependsOn });

describe('steps.claim', () => {
  it('hands out independent steps in parallel, respects max, and never hands a step out twice', async () => {
    const t = await team();
    const task = await t.agent.tasks.plan.mutate({ title: 'fan out', steps: [read('a'), read('b'), read('c'), read('d'), read('all', ['a', 'b', 'c', 'd'])] });
    const first = await t.agent.steps.claim.mutate({ taskId: task.id, max: 2 });
    expect(first.steps).toHaveLength(2);
    // Concurrent executors split the rest between them.
    const rest = await Promise.all([1, 2, 3, 4].map(() => t.agent.steps.claim.mutate({ taskId: task.id, max: 1 })));
    const claimed = [...first.steps, ...rest.flatMap((r) => r.steps)];
    expect(claimed.map((s) => s.key).sort()).toEqual(['a', 'b', 'c', 'd']);
    expect(new Set(claimed.map((s) => s.leaseId)).size).toBe(4);
    // 'all' waits for its four dependencies.
    expect((await t.agent.steps.claim.mutate({ taskId: task.id, max: 10 })).steps).toEqual([]);
    for (const s of claimed) await t.agent.steps.complete.mutate({ stepId: s.stepId, leaseId: s.leaseId });
    expect((await t.agent.steps.claim.mutate({ max: 10 })).steps.map((s) => s.key)).toEqual(['all']);
  });

  it("with stepIds hands out only those steps: one call of a shared task never takes another call's step", async () => {
    const t = await team();
    const task = await t.agent.tasks.plan.mutate({ title: 'shared', steps: [read('a'), read('b'), read('c')] });
    const [a, b, c] = task.steps;
    const mine = await t.agent.steps.claim.mutate({ taskId: task.id, stepIds: [c!.id], max: 5 });
    expect(mine.steps.map((s) => s.key)).toEqual(['c']);
    // Already handed out: asking for it again gets nothing, and the others stay where they were.
    expect((await t.agent.steps.claim.mutate({ taskId: task.id, stepIds: [c!.id], max: 5 })).steps).toEqual([]);
    const two = await t.agent.steps.claim.mutate({ taskId: task.id, stepIds: [a!.id, b!.id], max: 1 });
    expect(two.steps).toHaveLength(1);
    expect(two.steps[0]!.stepId === a!.id || two.steps[0]!.stepId === b!.id).toBe(true);
    await expect(t.agent.steps.claim.mutate({ taskId: task.id, stepIds: [] })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });

  it('finds a claimable step even behind 100 older tasks whose approved steps still wait on a dependency', async () => {
    const t = await team();
    // Commands are allowed by the policy, so each of these tasks holds an approved command waiting on an unapproved edit.
    await t.admin.policy.set.mutate({ policy: { rules: [{ name: 'commands', match: { kind: 'run_command' }, action: 'allow' }] } });
    const batched = clientFor(t.keys.agent);
    await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        batched.tasks.plan.mutate({
          title: `waiting ${i}`,
          steps: [
            { key: 'edit', kind: 'edit_file', title: 'Edit', params: { path: `f${i}.ts`, content: 'x' } },
            { key: 'test', kind: 'run_command', title: 'Test', params: { command: 'npm test' }, dependsOn: ['edit'] },
          ],
        }),
      ),
    );
    const ready = await t.agent.tasks.plan.mutate({ title: 'ready', steps: [read('now')] });
    expect(ready.steps[0]!.status).toBe('approved');

    // With the task named it is found...
    const named = await t.agent2.steps.claim.mutate({ taskId: ready.id, max: 5 });
    expect(named.steps.map((s) => s.taskId)).toEqual([ready.id]);
    // A retryable failure of a read puts it back: approved, claimable, attempt 1 of 3.
    const failed = await t.agent2.steps.fail.mutate({ stepId: named.steps[0]!.stepId, leaseId: named.steps[0]!.leaseId, error: { message: 'flaky', retryable: true } });
    expect(failed.stepStatus).toBe('approved');
    expect((await t.agent.steps.claim.mutate({ taskId: ready.id, max: 5 })).steps).toHaveLength(1);
    await t.admin.tasks.cancel.mutate({ taskId: ready.id });
    const again = await t.agent.tasks.plan.mutate({ title: 'ready again', steps: [read('later')] });

    // ...and an executor asking for any work must get it too.
    const any = await t.agent.steps.claim.mutate({ max: 5 });
    expect(any.steps.map((s) => s.taskId)).toEqual([again.id]);
  });
});
