/** `greenlight show` prints the core's facts: after a modify under requiredApprovals 2, "1/2 votes" (issue 11, item 10). */
import { describe, expect, it } from 'vitest';
import { Policy, decide, paramsHash, planTask, setMode, taskView, type Ctx, type Task } from '@greenlight/core';
import { renderTask } from '../src/commands/show.ts';
import type { Out } from '../src/output.ts';

const TWO = Policy.parse({ requiredApprovals: 2 });
const ONE = Policy.parse({});
const NOW = 1_700_000_000_000;
let n = 0;
const ctx = (actor: string): Ctx => ({ now: NOW, actor, newId: () => `id-${++n}` });
const out: Out = { line: () => {}, err: () => {}, paint: (_style, text) => text, json: false };

function ok<T>(r: { ok: true; value: T } | { ok: false; error: { message: string } }): T {
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

async function deployTask(policy: Policy = TWO): Promise<Task> {
  const params = { command: 'make deploy' };
  const input = { title: 'deploy', steps: [{ key: 'deploy', kind: 'run_command' as const, title: 'Deploy', params, dependsOn: [] }] };
  return ok(planTask({ input, paramsHashes: [await paramsHash(params)] }, policy, ctx('agent'))).task;
}

describe('show', () => {
  it("counts a modify as its author's vote: 1/2 after alice modifies", async () => {
    const task = await deployTask();
    const step = task.steps[0]!;
    const params = { command: 'make deploy --dry-run' };
    const cmd = { approvalId: step.approval!.id, stepId: step.id, decision: 'modify' as const, paramsHash: step.paramsHash, params, newParamsHash: await paramsHash(params) };
    const modified = ok(decide(task, cmd, TWO, ctx('alice'))).task;
    const text = renderTask(taskView(modified), out, { full: false, now: NOW }).join('\n');
    expect(text).toMatch(/\(1\/2 votes: alice\)/);
  });

  it("names the approver who raised the mode, and no one for a rule's own decision", async () => {
    // (A raised mode approves only what one person may: a step needing one approval.)
    const raised = ok(setMode(await deployTask(ONE), 'autopilot', ONE, ctx('alice'))).task;
    const text = renderTask(taskView(raised), out, { full: false, now: NOW }).join('\n');
    expect(text).toMatch(/decision: policy by alice .*rule mode:autopilot/);
  });
});
