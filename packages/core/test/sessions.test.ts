/**
 * Tasks that grow and remembered grants, in the core (issue 13 items 1-2): appendSteps,
 * closeTask, the grant matcher, giveGrant and the `execute` commands that reach them.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_POLICY,
  Policy,
  StepInput,
  deriveGrant,
  eventSummary,
  execute,
  grantMatches,
  grantMatcherProblem,
  canonicalPath,
  grantRule,
  grantRuleIndex,
  sessionIdleMs,
  type GrantMatcher,
  type Task,
  type TaskCommand,
} from '../src/index.ts';
import { commandStep, expectError, hashOf, makeEnv, readStep, stepOf, unwrap, type Env, type StepSpec } from './fixtures.ts';

const ROLE = { agent: 'agent', alice: 'approver', bob: 'approver', admin: 'admin' } as const;
const run = (task: Task | undefined, command: TaskCommand, env: Env, actor: keyof typeof ROLE = 'agent', policy = DEFAULT_POLICY) =>
  execute(task, command, { ...env.ctx(actor), role: ROLE[actor], policy });

async function steps(specs: StepSpec[]) {
  const parsed = specs.map((s) => StepInput.parse(s));
  return { steps: parsed, paramsHashes: await Promise.all(parsed.map((s) => hashOf(s.params))) };
}

async function openTask(env: Env, specs: StepSpec[] = [], policy = DEFAULT_POLICY): Promise<Task> {
  const { steps: s, paramsHashes } = await steps(specs);
  return unwrap(run(undefined, { type: 'plan', input: { title: 'session', steps: s, open: true, session: 'sess' }, paramsHashes }, env, 'agent', policy)).task;
}

const approveFor = (task: Task, key: string, scope: 'once' | 'task' | 'always', grant?: GrantMatcher): TaskCommand => {
  const s = stepOf(task, key);
  return { type: 'decide', approvalId: s.approval!.id, stepId: s.id, decision: 'approve', paramsHash: s.paramsHash, scope, ...(grant ? { grant } : {}) };
};

describe('appendSteps and closeTask', () => {
  it('an open task with no step is active; appended steps are judged, get the next indexes, and close derives the status', async () => {
    const env = makeEnv();
    const task = await openTask(env);
    expect(task).toMatchObject({ status: 'active', open: true, session: 'sess', steps: [] });
    const a = unwrap(run(task, { type: 'append', ...(await steps([readStep('r'), commandStep('c', ['r'])])) }, env));
    expect(a.events.map((e) => e.type)).toEqual(['task.appended', 'step.approved', 'approval.requested']);
    expect(a.task.steps.map((s) => [s.key, s.index, s.status])).toEqual([
      ['r', 0, 'approved'],
      ['c', 1, 'awaiting_approval'],
    ]);
    const closed = unwrap(run(a.task, { type: 'close', reason: 'closed' }, env));
    expect(closed.task).toMatchObject({ status: 'active', closed: { by: 'agent', reason: 'closed' } });
    expect(closed.task.open).toBeUndefined();
    // Idempotent: a second close is no change, no event.
    expect(unwrap(run(closed.task, { type: 'close', reason: 'closed' }, env)).events).toEqual([]);
    expectError(run(closed.task, { type: 'append', ...(await steps([readStep('x')])) }, env), 'CONFLICT', 'not_open');
  });

  it('an open task whose steps all finished stays active until closed, then completes', async () => {
    const env = makeEnv();
    const task = await openTask(env, [commandStep('c')]);
    const s = stepOf(task, 'c');
    const rejected = unwrap(run(task, { type: 'decide', approvalId: s.approval!.id, stepId: s.id, decision: 'skip', paramsHash: s.paramsHash }, env, 'alice'));
    expect(rejected.task.status).toBe('active');
    const closed = unwrap(run(rejected.task, { type: 'close', reason: 'idle' }, env, 'agent'));
    expect(closed.task.status).toBe('completed');
    expect(closed.events.map((e) => e.type)).toEqual(['task.closed', 'task.finished']);
  });

  it('only the creator appends; another agent may not close, an approver may', async () => {
    const env = makeEnv();
    const task = await openTask(env);
    const s = await steps([readStep('r')]);
    expectError(execute(task, { type: 'append', ...s }, { ...env.ctx('agent-2'), role: 'agent', policy: DEFAULT_POLICY }), 'FORBIDDEN');
    expectError(run(task, { type: 'append', ...s }, env, 'alice'), 'FORBIDDEN');
    expectError(execute(task, { type: 'close', reason: 'closed' }, { ...env.ctx('agent-2'), role: 'agent', policy: DEFAULT_POLICY }), 'FORBIDDEN');
    expect(unwrap(run(task, { type: 'close', reason: 'closed' }, env, 'alice')).task.closed?.by).toBe('alice');
  });

  it('validates appended steps against the whole task, with every issue at its path', async () => {
    const env = makeEnv();
    const task = await openTask(env, [readStep('a')]);
    const r = run(task, { type: 'append', ...(await steps([readStep('a'), commandStep('b', ['z']), commandStep('c', ['d']), commandStep('d')])) }, env);
    const err = expectError(r, 'BAD_REQUEST', 'duplicate_key');
    expect(err.issues?.map((i) => i.path)).toEqual([
      ['steps', 0, 'key'],
      ['steps', 1, 'dependsOn', 0],
      ['steps', 2, 'dependsOn', 0],
    ]);
  });

  it('a plan of no steps needs open; a session needs open', async () => {
    const env = makeEnv();
    expectError(run(undefined, { type: 'plan', input: { title: 'x', steps: [] }, paramsHashes: [] }, env), 'BAD_REQUEST');
    const s = await steps([readStep('a')]);
    expectError(run(undefined, { type: 'plan', input: { title: 'x', steps: s.steps, session: 'a' }, paramsHashes: s.paramsHashes }, env), 'BAD_REQUEST');
  });

  it("the idle time is the policy's, or an hour", () => {
    expect(sessionIdleMs(DEFAULT_POLICY)).toBe(3_600_000);
    expect(sessionIdleMs(Policy.parse({ limits: { sessionIdleSeconds: 60 } }))).toBe(60_000);
  });
});

describe('grant matchers', () => {
  it('derive the exact command, the canonical path, or the tool; nothing for a question', () => {
    expect(deriveGrant({ kind: 'run_command', params: { command: 'npm test' } })).toEqual({ kind: 'command', exact: 'npm test' });
    expect(deriveGrant({ kind: 'edit_file', params: { path: './src//a.ts' } })).toEqual({ kind: 'path', stepKind: 'edit_file', glob: 'src/a.ts' });
    expect(deriveGrant({ kind: 'edit_file', params: { path: 'src/[id].ts' } })).toBeUndefined();
    expect(deriveGrant({ kind: 'custom', params: { tool: 'mcp__github__create_issue' } })).toEqual({ kind: 'tool', tool: 'mcp__github__create_issue' });
    expect(deriveGrant({ kind: 'clarify', params: { questions: ['?'] } })).toBeUndefined();
    expect(deriveGrant({ kind: 'run_command', params: { command: 'echo "unterminated' } })).toBeUndefined();
  });

  it('an argv prefix matches the parsed words, never a string prefix', () => {
    const m: GrantMatcher = { kind: 'command', argvPrefix: ['git', 'status'] };
    const on = (command: string) => grantMatches(m, { kind: 'run_command', params: { command } });
    expect(on('git status')).toBe(true);
    expect(on("git 'status' --short")).toBe(true);
    expect(on('git statusx')).toBe(false);
    expect(on('git status; rm -rf /')).toBe(false);
    expect(on('git status > out.txt')).toBe(false);
    expect(on('git status $(id)')).toBe(false);
    expect(on('GIT_DIR=/x git status')).toBe(false);
    expect(on('sudo git status')).toBe(false);
  });

  it('a carriage return is no blank to bash (it stays in the word), so a command holding one matches no grant', () => {
    const exact: GrantMatcher = { kind: 'command', exact: 'npm test' };
    const prefix: GrantMatcher = { kind: 'command', argvPrefix: ['npm', 'test'] };
    for (const command of ['npm test\r', 'npm\rtest', 'npm test\r --x']) {
      expect(grantMatches(exact, { kind: 'run_command', params: { command } })).toBe(false);
      expect(grantMatches(prefix, { kind: 'run_command', params: { command } })).toBe(false);
    }
    expect(grantMatches(exact, { kind: 'run_command', params: { command: 'npm test' } })).toBe(true);
  });

  it('a command grant is bound to the canonical cwd it was approved in: never another directory, and a grant without one only for steps without one', () => {
    const at = (cwd?: string) => ({ kind: 'run_command' as const, params: { command: 'npm test', ...(cwd !== undefined ? { cwd } : {}) } });
    expect(deriveGrant(at('/repo/./pkg/'))).toEqual({ kind: 'command', exact: 'npm test', cwd: '/repo/pkg' });
    expect(deriveGrant(at('~/repo'))).toBeUndefined();
    const here = deriveGrant(at('/repo'))!;
    expect(grantMatches(here, at('/repo'))).toBe(true);
    expect(grantMatches(here, at('/repo/'))).toBe(true);
    expect(grantMatches(here, at('/repo/pkg/..'))).toBe(true);
    expect(grantMatches(here, at('/repo/pkg'))).toBe(false);
    expect(grantMatches(here, at('/other'))).toBe(false);
    expect(grantMatches(here, at('repo'))).toBe(false);
    expect(grantMatches(here, at())).toBe(false);
    expect(grantMatches(here, at('/repo\\x'))).toBe(false);
    const prefix: GrantMatcher = { kind: 'command', argvPrefix: ['npm'], cwd: '/repo' };
    expect(grantMatches(prefix, { kind: 'run_command', params: { command: 'npm run build', cwd: '/repo' } })).toBe(true);
    expect(grantMatches(prefix, { kind: 'run_command', params: { command: 'npm run build', cwd: '/elsewhere' } })).toBe(false);
    const nowhere: GrantMatcher = { kind: 'command', exact: 'npm test' };
    expect(grantMatches(nowhere, at())).toBe(true);
    expect(grantMatches(nowhere, at('/repo'))).toBe(false);
    expect(grantMatcherProblem({ kind: 'command', exact: 'npm test', cwd: '~/x' })).toMatch(/cwd/);
  });

  it('property: a command grant from a step approves the same command exactly in the directories with the same canonical form', () => {
    const seg = fc.constantFrom('repo', 'pkg', 'a', '.', '..', '');
    fc.assert(
      fc.property(fc.array(seg, { minLength: 1, maxLength: 4 }), fc.array(seg, { minLength: 1, maxLength: 4 }), (x, y) => {
        const a = `/${x.join('/')}`;
        const b = `/${y.join('/')}`;
        const m = deriveGrant({ kind: 'run_command', params: { command: 'make', cwd: a } })!;
        const ca = canonicalPath(a);
        const cb = canonicalPath(b);
        expect(grantMatches(m, { kind: 'run_command', params: { command: 'make', cwd: b } })).toBe(ca.ok && cb.ok && ca.path === cb.path);
      }),
    );
  });

  it('a path glob compares canonical paths, absolute apart from relative', () => {
    const m: GrantMatcher = { kind: 'path', stepKind: 'edit_file', glob: 'src/**' };
    const on = (path: string, kind: 'edit_file' | 'delete_file' = 'edit_file') => grantMatches(m, { kind, params: { path } });
    expect(on('src/a/b.ts')).toBe(true);
    expect(on('./src/x.ts')).toBe(true);
    expect(on('src/../etc/passwd')).toBe(false);
    expect(on('/src/a.ts')).toBe(false);
    expect(on('src/a.ts', 'delete_file')).toBe(false);
    expect(on('..\\src\\a.ts')).toBe(false);
  });

  it('property: an argv prefix matches a plain command exactly when its words start with the prefix', () => {
    const word = fc.constantFrom('git', 'status', 'npm', 'test', 'run', '--force', 'a b', "it's", 'x;y', '*', '$HOME');
    const quote = (w: string) => `'${w.replace(/'/g, `'\\''`)}'`;
    fc.assert(
      fc.property(fc.array(word, { minLength: 1, maxLength: 4 }), fc.array(word, { minLength: 1, maxLength: 5 }), (prefix, argv) => {
        const command = argv.map(quote).join(' ');
        const starts = prefix.length <= argv.length && prefix.every((w, i) => argv[i] === w);
        expect(grantMatches({ kind: 'command', argvPrefix: prefix }, { kind: 'run_command', params: { command } })).toBe(starts);
      }),
    );
  });

  it('an always rule goes after every deny rule and every N-of-M rule', () => {
    const policy = Policy.parse({
      rules: [
        { match: { kind: 'read' }, action: 'allow' },
        { match: { command: '^rm' }, action: 'deny' },
        { match: { kind: 'run_command' }, action: 'ask', requiredApprovals: 2 },
        { match: { kind: 'edit_file' }, action: 'ask' },
      ],
    });
    expect(grantRuleIndex(policy)).toBe(3);
    const rule = grantRule({ kind: 'command', argvPrefix: ['npm', 'run', 'a b'] }, 'g');
    expect(rule).toMatchObject({ action: 'allow', match: { kind: 'run_command', command: "^npm run 'a b'(?: |$)" } });
    // The rule is a valid policy rule.
    expect(Policy.safeParse({ rules: [rule] }).success).toBe(true);
  });
});

describe('giveGrant through decide', () => {
  it('approves later matching appends as grant:<id>, never for the creator, never over a deny or N-of-M', async () => {
    const policy = Policy.parse({
      preventSelfApproval: false,
      rules: [
        { name: 'no-force', match: { command: '--force' }, action: 'deny' },
        { name: 'two-deploys', match: { command: '^make deploy' }, action: 'ask', requiredApprovals: 2 },
      ],
    });
    const env = makeEnv();
    const task = await openTask(env, [commandStep('m', [], { params: { command: 'make m' } })], policy);
    // The creator (an admin here, who may decide with preventSelfApproval off) may approve, never grant.
    const asCreator = execute(task, approveFor(task, 'm', 'task'), { ...env.ctx('agent'), role: 'admin', policy });
    expectError(asCreator, 'FORBIDDEN');
    const granted = unwrap(execute(task, approveFor(task, 'm', 'task', { kind: 'command', argvPrefix: ['make'] }), { ...env.ctx('alice'), role: 'approver', policy }));
    const grant = granted.task.grants![0]!;
    expect(grant).toMatchObject({ by: 'alice', scope: 'task', uses: 0 });
    const more = unwrap(
      execute(
        granted.task,
        {
          type: 'append',
          ...(await steps([
            commandStep('x', [], { params: { command: 'make x' } }),
            commandStep('f', [], { params: { command: 'make --force' } }),
            commandStep('d', [], { params: { command: 'make deploy' } }),
            commandStep('o', [], { params: { command: 'npm x' } }),
          ])),
        },
        { ...env.ctx('agent'), role: 'agent', policy },
      ),
    );
    expect(more.task.steps.slice(1).map((s) => [s.key, s.status])).toEqual([
      ['x', 'approved'],
      ['f', 'rejected'],
      ['d', 'awaiting_approval'],
      ['o', 'awaiting_approval'],
    ]);
    expect(stepOf(more.task, 'x').decision).toMatchObject({ decision: 'policy', by: [`grant:${grant.id}`] });
    expect(more.task.grants![0]!.uses).toBe(1);
    // Revoked: the next one asks.
    const revoked = unwrap(execute(more.task, { type: 'revokeGrant', grantId: grant.id }, { ...env.ctx('bob'), role: 'approver', policy }));
    const after = unwrap(execute(revoked.task, { type: 'append', ...(await steps([commandStep('y', [], { params: { command: 'make y' } })])) }, { ...env.ctx('agent'), role: 'agent', policy }));
    expect(stepOf(after.task, 'y').status).toBe('awaiting_approval');
  });
});

describe('a command grant and the directory', () => {
  it('approved for the session in /repo, the same command appended in another directory (or with none) still asks; in /repo it is approved by the grant', async () => {
    const policy = Policy.parse({ preventSelfApproval: false });
    const env = makeEnv();
    const task = await openTask(env, [commandStep('t', [], { params: { command: 'npm test', cwd: '/repo' } })], policy);
    const granted = unwrap(execute(task, approveFor(task, 't', 'task'), { ...env.ctx('alice'), role: 'approver', policy }));
    expect(granted.task.grants![0]!.matcher).toEqual({ kind: 'command', exact: 'npm test', cwd: '/repo' });
    const more = unwrap(
      execute(
        granted.task,
        {
          type: 'append',
          ...(await steps([
            commandStep('there', [], { params: { command: 'npm test', cwd: '/other' } }),
            commandStep('below', [], { params: { command: 'npm test', cwd: '/repo/pkg' } }),
            commandStep('nowhere', [], { params: { command: 'npm test' } }),
            commandStep('here', [], { params: { command: 'npm test', cwd: '/repo/./' } }),
          ])),
        },
        { ...env.ctx('agent'), role: 'agent', policy },
      ),
    );
    expect(more.task.steps.slice(1).map((s) => [s.key, s.status])).toEqual([
      ['there', 'awaiting_approval'],
      ['below', 'awaiting_approval'],
      ['nowhere', 'awaiting_approval'],
      ['here', 'approved'],
    ]);
  });

  it('a grant given without the directory the step runs in is refused, saying which directory to name', async () => {
    const policy = Policy.parse({ preventSelfApproval: false });
    const env = makeEnv();
    const task = await openTask(env, [commandStep('t', [], { params: { command: 'npm test', cwd: '/repo' } })], policy);
    const err = expectError(execute(task, approveFor(task, 't', 'task', { kind: 'command', argvPrefix: ['npm'] }), { ...env.ctx('alice'), role: 'approver', policy }), 'BAD_REQUEST');
    expect(err.message).toContain('"cwd": "/repo"');
    const elsewhere = expectError(
      execute(task, approveFor(task, 't', 'task', { kind: 'command', argvPrefix: ['npm'], cwd: '/other' }), { ...env.ctx('alice'), role: 'approver', policy }),
      'BAD_REQUEST',
    );
    expect(elsewhere.message).toContain('the step runs in /repo, the grant names /other');
    unwrap(execute(task, approveFor(task, 't', 'task', { kind: 'command', argvPrefix: ['npm'], cwd: '/repo' }), { ...env.ctx('alice'), role: 'approver', policy }));
  });
});

describe('session events as text (greenlight watch, the page)', () => {
  it('says which steps were appended, why a task closed, and what a grant did', () => {
    expect(eventSummary({ type: 'task.appended', taskId: 't', data: { stepKeys: ['build', 'test'] } })).toBe('+2 steps: build, test');
    expect(eventSummary({ type: 'task.closed', taskId: 't', data: { by: 'system', reason: 'idle' } })).toBe('closed (idle) by system');
    expect(eventSummary({ type: 'grant.used', taskId: 't', stepId: 's', data: { grantId: 'g1', stepKey: 'again', grantedBy: 'alice' } })).toBe('grant g1 (alice) approved again');
    expect(
      eventSummary({
        type: 'grant.created',
        taskId: 't',
        stepId: 's',
        data: { grantId: 'g1', scope: 'task', matcher: { kind: 'command', argvPrefix: ['npm', 'test'] }, by: 'alice', approvalId: 'a', stepKey: 'k' },
      }),
    ).toBe('task grant g1 on k: command starts with npm test by alice');
  });
});
