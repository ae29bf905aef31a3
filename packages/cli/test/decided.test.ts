/** What `greenlight approve` prints comes from the decision's answer alone, its step included (issue 12 item 6). */
import { describe, expect, it } from 'vitest';
import { Policy, decide, paramsHash, planTask, type Ctx, type DecideResult } from '@greenlight/core';
import { decidedLine } from '../src/commands/decide.ts';

let n = 0;
const ctx = (actor: string): Ctx => ({ now: 1_700_000_000_000, actor, newId: () => `id-${++n}` });

async function approveAs(actors: string[], requiredApprovals: number): Promise<DecideResult> {
  const policy = Policy.parse({ requiredApprovals });
  const params = { command: 'make deploy' };
  const planned = planTask(
    { input: { title: 'deploy', steps: [{ key: 'deploy', kind: 'run_command', title: 'Deploy', params, dependsOn: [] }] }, paramsHashes: [await paramsHash(params)] },
    policy,
    ctx('agent'),
  );
  if (!planned.ok) throw new Error(planned.error.message);
  let task = planned.value.task;
  const approvalId = task.steps[0]!.approval!.id;
  for (const actor of actors) {
    const r = decide(task, { approvalId, stepId: task.steps[0]!.id, decision: 'approve', paramsHash: task.steps[0]!.paramsHash }, policy, ctx(actor));
    if (!r.ok) throw new Error(r.error.message);
    task = r.value.task;
  }
  const step = task.steps[0]!;
  return { approvalId, taskId: task.id, stepId: step.id, stepStatus: step.status, taskStatus: task.status, step };
}

describe('decidedLine', () => {
  it('says the step and task status after the decision', async () => {
    expect(decidedLine(await approveAs(['ana'], 1))).toBe('step approved; task active');
  });

  it("while more approvals are needed, counts them from the answer's step (core's approvalProgress)", async () => {
    expect(decidedLine(await approveAs(['ana'], 2))).toBe('step awaiting_approval (1 of 2 approvals: ana); task active');
    expect(decidedLine(await approveAs(['ana', 'bo'], 3))).toBe('step awaiting_approval (2 of 3 approvals: ana, bo); task active');
  });
});
