import { describe, expect, it } from 'vitest';
import { checkNewParams } from '../src/machine/plan.ts';
import { DEFAULT_POLICY, Policy, approvalOpened, isStepMove, findCycle, planTask, validatePlan, type StepKind } from '../src/index.ts';
import { T0, clarifyStep, commandStep, editStep, expectError, hashOf, makeCtx, makeTask, planResult, readStep, stepInput, stepOf, unwrap, type StepSpec } from './fixtures.ts';

const SHA = 'a'.repeat(64);
const plan = (specs: StepSpec[]) => validatePlan(specs.map(stepInput));

describe('validatePlan: keys and dependencies', () => {
  it('accepts a valid DAG', () => {
    expect(plan([readStep('a'), editStep('b', ['a']), commandStep('c', ['a', 'b'])]).ok).toBe(true);
  });

  it('rejects an empty plan', () => {
    expectError(validatePlan([]), 'BAD_REQUEST');
  });

  it('rejects duplicate step keys, pointing at the second one', () => {
    const err = expectError(plan([readStep('a'), editStep('a')]), 'BAD_REQUEST');
    expect(err.issues).toContainEqual({ path: ['steps', 1, 'key'], message: 'duplicate step key "a"' });
  });

  it('rejects an unknown dependency', () => {
    const err = expectError(plan([readStep('a'), editStep('b', ['a', 'nope'])]), 'BAD_REQUEST');
    expect(err.issues).toContainEqual({ path: ['steps', 1, 'dependsOn', 1], message: 'unknown step key "nope"' });
  });

  it('rejects a step that depends on itself', () => {
    const err = expectError(plan([readStep('a', ['a'])]), 'BAD_REQUEST');
    expect(err.issues).toContainEqual({ path: ['steps', 0, 'dependsOn', 0], message: 'step "a" depends on itself' });
  });

  it('rejects a duplicate dependency', () => {
    const err = expectError(plan([readStep('a'), editStep('b', ['a', 'a'])]), 'BAD_REQUEST');
    expect(err.issues).toContainEqual({ path: ['steps', 1, 'dependsOn'], message: 'duplicate dependency' });
  });

  it('reports every problem, not just the first', () => {
    const err = expectError(plan([readStep('a', ['x']), editStep('a', ['y'])]), 'BAD_REQUEST');
    expect(err.issues?.length).toBeGreaterThanOrEqual(3);
    expect(err.message).toMatch(/^invalid plan: /);
  });

  it('rejects a dependency cycle and names it', () => {
    const err = expectError(plan([readStep('a', ['c']), editStep('b', ['a']), commandStep('c', ['b'])]), 'BAD_REQUEST');
    expect(err.issues?.[0]?.path).toEqual(['steps']);
    expect(err.message).toMatch(/dependency cycle: /);
  });

  it('rejects more than 200 steps, accepts exactly 200', () => {
    const many = (n: number) => Array.from({ length: n }, (_, i) => readStep(`s${i}`));
    expect(plan(many(200)).ok).toBe(true);
    const err = expectError(plan(many(201)), 'BAD_REQUEST');
    expect(err.issues).toContainEqual({ path: ['steps'], message: 'a plan has at most 200 steps' });
  });
});

describe('findCycle', () => {
  const deps = (pairs: [string, string[]][]) => pairs.map(([key, dependsOn]) => ({ key, dependsOn }));

  it('answers undefined for a DAG', () => {
    expect(
      findCycle(
        deps([
          ['a', []],
          ['b', ['a']],
          ['c', ['a', 'b']],
        ]),
      ),
    ).toBeUndefined();
  });

  it('reports the cycle path: closed, each key followed by a step that depends on it', () => {
    const steps = deps([
      ['root', []],
      ['a', ['root', 'c']],
      ['b', ['a']],
      ['c', ['b']],
      ['tail', ['a']],
    ]);
    const cycle = findCycle(steps);
    expect(cycle).toBeDefined();
    const path = cycle ?? [];
    expect(path[0]).toBe(path[path.length - 1]);
    expect(new Set(path)).toEqual(new Set(['a', 'b', 'c']));
    expect(path).toHaveLength(4);
    const byKey = new Map(steps.map((s) => [s.key, s]));
    for (let i = 0; i + 1 < path.length; i++) expect(byKey.get(path[i + 1]!)?.dependsOn).toContain(path[i]);
  });

  it('finds a two-step cycle', () => {
    const cycle = findCycle(
      deps([
        ['a', ['b']],
        ['b', ['a']],
      ]),
    );
    expect(cycle).toHaveLength(3);
    expect(new Set(cycle)).toEqual(new Set(['a', 'b']));
  });
});

describe('validatePlan: params are checked per kind', () => {
  const cases: { kind: StepKind; good: Record<string, unknown>[]; bad: Record<string, unknown>[] }[] = [
    {
      kind: 'read',
      good: [{ tool: 'read_file', paths: ['src/a.ts'] }, { tool: 'search', query: 'TODO' }, { tool: 'list_files' }],
      bad: [{ paths: ['src/a.ts'] }, { tool: '' }, { tool: 'read_file', extra: 1 }],
    },
    {
      kind: 'edit_file',
      good: [
        { path: 'a.ts', patch: '--- a/a.ts\n+++ b/a.ts\n@@ -1 +1 @@\n-a\n+b\n' },
        { path: 'a.ts', content: 'b\n' },
      ],
      bad: [{ path: 'a.ts' }, { patch: 'x' }, { path: 'a.ts', patch: 'x', content: 'y' }, { path: '', content: 'y' }],
    },
    { kind: 'delete_file', good: [{ path: 'old.ts' }], bad: [{}, { path: 'a', content: 'x' }] },
    {
      kind: 'run_command',
      good: [{ command: 'npm test' }, { command: 'ls', cwd: 'apps/api' }],
      bad: [{ command: '' }, { cwd: 'x' }, { command: 'ls', shell: 'bash' }],
    },
    {
      kind: 'execute_code',
      good: [{ language: 'python', code: 'print(1)' }],
      bad: [{ language: 'python' }, { code: 'x' }, { language: '', code: 'x' }],
    },
    {
      kind: 'network',
      good: [{ method: 'GET', url: 'https://example.com/api' }],
      bad: [{ method: 'get', url: 'https://example.com' }, { method: 'GET', url: 'not a url' }, { method: 'GET' }],
    },
    {
      kind: 'clarify',
      good: [{ questions: ['Which database?'] }, { questions: ['a?', 'b?'], placeholder: 'Postgres or SQLite' }],
      bad: [{ questions: [] }, { questions: [''] }, {}, { questions: Array.from({ length: 21 }, (_, i) => `q${i}?`) }],
    },
    {
      kind: 'custom',
      good: [
        { tool: 'deploy', input: { env: 'staging' } },
        { tool: 'deploy', input: null },
      ],
      bad: [{ input: {} }, { tool: '', input: 1 }, { tool: 'x', input: 1, more: 2 }],
    },
  ];

  for (const { kind, good, bad } of cases) {
    it(`${kind}: accepts valid params and rejects invalid ones at steps[0].params`, () => {
      for (const params of good) expect(plan([{ key: 's', kind, title: 't', params }]).ok, JSON.stringify(params)).toBe(true);
      for (const params of bad) {
        const err = expectError(plan([{ key: 's', kind, title: 't', params }]), 'BAD_REQUEST');
        expect(err.issues?.length, JSON.stringify(params)).toBeGreaterThan(0);
        for (const issue of err.issues ?? []) expect(issue.path.slice(0, 3)).toEqual(['steps', 0, 'params']);
      }
    });
  }

  it('new params that do not fit the kind say so in English ("an edit_file step", "a run_command step")', () => {
    expect(expectError(checkNewParams({ kind: 'edit_file' }, { command: 'ls' }), 'BAD_REQUEST').message).toMatch(/^params do not fit an edit_file step: /);
    expect(expectError(checkNewParams({ kind: 'run_command' }, { path: 'a' }), 'BAD_REQUEST').message).toMatch(/^params do not fit a run_command step: /);
  });

  it('params of one kind do not pass for another', () => {
    expectError(plan([{ key: 's', kind: 'run_command', title: 't', params: { path: 'a.ts', content: 'x' } }]), 'BAD_REQUEST');
  });

  it('baseHash is allowed on edit_file and delete_file only', () => {
    expect(plan([editStep('e', [], { baseHash: SHA })]).ok).toBe(true);
    expect(plan([{ key: 'd', kind: 'delete_file', title: 'rm', params: { path: 'x' }, baseHash: SHA }]).ok).toBe(true);
    for (const spec of [commandStep('c', [], { baseHash: SHA }), readStep('r', [], { baseHash: SHA })]) {
      const err = expectError(plan([spec]), 'BAD_REQUEST');
      expect(err.issues).toContainEqual({ path: ['steps', 0, 'baseHash'], message: 'baseHash applies to edit_file and delete_file steps only' });
    }
  });
});

describe('planTask', () => {
  it('copilot (the default): read is auto-approved by the policy, edit_file and run_command ask', async () => {
    const { task } = await makeTask([readStep('r'), editStep('e'), commandStep('c')]);
    expect(task.mode).toBe('copilot');
    expect(task.status).toBe('active');
    const r = stepOf(task, 'r');
    expect(r.status).toBe('approved');
    expect(r.decision).toMatchObject({ decision: 'policy', by: ['policy:mode:copilot'], rule: 'mode:copilot' });
    expect(r.approval).toBeUndefined();
    for (const key of ['e', 'c']) {
      const s = stepOf(task, key);
      expect(s.status).toBe('awaiting_approval');
      expect(s.approval?.id).toMatch(/^id-\d{4}$/);
      expect(s.approval).toMatchObject({ requestedAt: T0, requiredApprovals: 1, defaultOnTimeout: 'reject' });
      expect(s.approval?.expiresAt).toBeUndefined();
      expect(s.decision).toBeUndefined();
      expect(s.approvals).toEqual([]);
    }
    expect(stepOf(task, 'e').approval?.id).not.toBe(stepOf(task, 'c').approval?.id);
  });

  it('copilot auto-approves custom steps whose tool is in autoApprove, asks for other tools', async () => {
    const { task } = await makeTask([
      { key: 'a', kind: 'custom', title: 'search', params: { tool: 'search', input: 'x' } },
      { key: 'b', kind: 'custom', title: 'deploy', params: { tool: 'deploy', input: 'x' } },
    ]);
    expect(stepOf(task, 'a').status).toBe('approved');
    expect(stepOf(task, 'b').status).toBe('awaiting_approval');
  });

  it('fills every step field from the input', async () => {
    const spec = editStep('e', [], { explanation: 'why', risk: 'high', idempotent: true, baseHash: SHA, metadata: { model: 'm' } });
    const { task } = await makeTask([readStep('r'), spec], DEFAULT_POLICY, 'agent-1', { title: 'fix it' });
    const e = stepOf(task, 'e');
    const hash = await hashOf(spec.params);
    expect(task).toMatchObject({ title: 'fix it', createdBy: 'agent-1', usage: { inputTokens: 0, outputTokens: 0, costUsd: 0 }, createdAt: T0 });
    expect(e).toMatchObject({
      taskId: task.id,
      index: 1,
      kind: 'edit_file',
      revision: 1,
      paramsHash: hash,
      dependsOn: [],
      attempt: 0,
      explanation: 'why',
      risk: 'high',
      idempotent: true,
      baseHash: SHA,
      metadata: { model: 'm' },
    });
    expect(e.history).toEqual([{ revision: 1, params: spec.params, paramsHash: hash, by: 'agent-1', at: T0, via: 'plan' }]);
    expect(stepOf(task, 'r').idempotent).toBe(false);
    expect(new Set(task.steps.map((s) => s.id)).size).toBe(2);
  });

  it('clarify always asks, even in autopilot and even under an allow rule', async () => {
    const autopilot = Policy.parse({ mode: 'autopilot', rules: [{ match: { kind: 'clarify' }, action: 'allow' }] });
    const { task } = await makeTask([clarifyStep('q'), commandStep('c')], autopilot);
    expect(stepOf(task, 'q').status).toBe('awaiting_approval');
    expect(stepOf(task, 'c').status).toBe('approved');
  });

  it('an agent may not plan a looser mode than the workspace (FORBIDDEN)', async () => {
    expectError(await planResult([readStep('r')], { mode: 'autopilot' }), 'FORBIDDEN');
    expectError(await planResult([readStep('r')], { mode: 'copilot', policy: Policy.parse({ mode: 'manual' }) }), 'FORBIDDEN');
    expectError(await planResult([readStep('r')], { mode: 'autopilot', policy: Policy.parse({ mode: 'manual' }) }), 'FORBIDDEN');
  });

  it('an agent may plan a stricter mode, and the steps are evaluated under it', async () => {
    const steps: StepSpec[] = [readStep('r'), { key: 's', kind: 'custom', title: 'search', params: { tool: 'search', input: 'x' } }];
    const { task } = await makeTask(steps, DEFAULT_POLICY, 'agent', { mode: 'manual' });
    expect(task.mode).toBe('manual');
    expect(stepOf(task, 'r').decision?.by).toEqual(['policy:mode:manual']);
    expect(stepOf(task, 's').status).toBe('awaiting_approval');
    const same = await makeTask(steps, DEFAULT_POLICY, 'agent', { mode: 'copilot' });
    expect(stepOf(same.task, 's').status).toBe('approved');
  });

  it('emits task.planned first, then one event per step in plan order', async () => {
    const deny = Policy.parse({ rules: [{ name: 'no-rm', match: { command: '^rm ' }, action: 'deny', reason: 'never rm' }] });
    const { task, events } = await makeTask([readStep('r'), editStep('e'), { key: 'x', kind: 'run_command', title: 'rm', params: { command: 'rm -rf /' } }], deny);
    expect(events[0]).toEqual({ type: 'task.planned', taskId: task.id, data: { title: 'a task', steps: 3, mode: 'copilot' } });
    const stepEvents = events.slice(1);
    expect(stepEvents.map((e) => [e.type, e.stepId, isStepMove(e) && e.data.from, isStepMove(e) && e.data.to])).toEqual([
      ['step.approved', stepOf(task, 'r').id, 'awaiting_approval', 'approved'],
      ['approval.requested', stepOf(task, 'e').id, 'awaiting_approval', 'awaiting_approval'],
      ['step.rejected', stepOf(task, 'x').id, 'awaiting_approval', 'rejected'],
    ]);
    expect(stepEvents[1] && approvalOpened(stepEvents[1])).toBe(stepOf(task, 'e').approval?.id);
    expect(stepOf(task, 'x').decision).toMatchObject({ decision: 'policy', by: ['policy:no-rm'], reason: 'never rm' });
    expect(stepOf(task, 'x').completedAt).toBe(T0);
  });

  it('a denied step blocks its dependents at plan time; a plan with nothing left to run is finished', async () => {
    const deny = Policy.parse({ rules: [{ match: { kind: 'run_command' }, action: 'deny' }] });
    const { task, events } = await makeTask([commandStep('c'), editStep('e', ['c'])], deny);
    expect(stepOf(task, 'c').status).toBe('rejected');
    expect(stepOf(task, 'e').status).toBe('blocked');
    expect(stepOf(task, 'e').completedAt).toBe(T0);
    expect(task.status).toBe('failed');
    expect(task.finishedAt).toBe(T0);
    expect(events.at(-1)).toMatchObject({ type: 'task.finished', data: { status: 'failed' } });
  });

  it('a timeoutSeconds policy gives the approval an expiry', async () => {
    const { task } = await makeTask([editStep('e')], Policy.parse({ timeoutSeconds: 60, defaultOnTimeout: 'skip' }));
    expect(stepOf(task, 'e').approval).toMatchObject({ expiresAt: T0 + 60_000, defaultOnTimeout: 'skip' });
  });

  it('planTask validates the plan itself', () => {
    const steps = [readStep('a', ['b']), readStep('b', ['a'])].map(stepInput);
    const r = planTask({ input: { title: 't', steps }, paramsHashes: [SHA, SHA] }, DEFAULT_POLICY, makeCtx());
    expectError(r, 'BAD_REQUEST');
  });

  it('is deterministic: the same input and ctx give the same outcome', async () => {
    const specs = [readStep('r'), editStep('e', ['r'])];
    const a = unwrap(await planResult(specs));
    const b = unwrap(await planResult(specs));
    expect(a).toEqual(b);
  });
});
