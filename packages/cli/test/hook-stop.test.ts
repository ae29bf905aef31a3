/**
 * Stopping the hook (issue 11, item 16b): whenever Claude Code stops it (SIGTERM, SIGINT,
 * SIGHUP) or it crashes, the real hook process prints exactly one answer, exits with the
 * right code, and leaves no open approval behind, so no reviewer approves a call nobody
 * waits for. The race runs many times, with the stop placed before the plan is sent,
 * while the plan is in flight (held by a proxy before the server has it, and after the
 * server made the task but before its answer is back), while waiting for the decision,
 * and at random moments; every time the task (if any) ends cancelled, checked via the API.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HookOutput } from '../src/hook/answer.ts';
import { fixtureText } from './helpers.ts';
import { oldNode, oneLine, spawnCli, untilCatching, type Run } from './process.ts';
import { startProxy, type Held, type Proxy } from './proxy.ts';
import { startWorkspace, waitForApproval, type Workspace } from './workspace.ts';

let ws: Workspace;
let proxy: Proxy;

beforeAll(async () => {
  ws = await startWorkspace('cli-stop');
  proxy = await startProxy(ws.server.url);
});
afterAll(async () => {
  await proxy?.close();
  await ws?.stop();
});

const SIGNALS = ['SIGTERM', 'SIGINT', 'SIGHUP'] as const;
const PHASES = ['before the plan is sent', 'plan sent, not yet at the server', 'task made, answer not yet back', 'waiting for the decision', 'a random moment'] as const;
type Phase = (typeof PHASES)[number];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function bashInput(marker: string): string {
  const input = JSON.parse(fixtureText('bash', ws.project)) as { tool_input: { command: string }; tool_use_id: string };
  input.tool_input.command = `echo ${marker}`;
  input.tool_use_id = `toolu_${marker}`;
  return JSON.stringify(input);
}

// A task per call: what a stopped hook takes back is its one-step task (in a session, an undecided step stays for the reviewer and never runs unclaimed).
const hookEnv = (url: string, extra: Record<string, string> = {}) => ({ GREENLIGHT_URL: url, GREENLIGHT_KEY: ws.keys.agent, XDG_CONFIG_HOME: `${ws.dir}/xdg`, GREENLIGHT_HOOK_TASK: 'call', ...extra });

/** The tasks the hook made for this marker's command, and the open approvals on them. */
async function leftovers(marker: string) {
  const title = `Claude Code: Run echo ${marker}`;
  const tasks = (await ws.reviewer.tasks.list.query({ limit: 200 })).items.filter((t) => t.title === title);
  const open = (await ws.reviewer.approvals.list.query({ limit: 200 })).items.filter((a) => a.params.command === `echo ${marker}`);
  return { tasks: tasks.map((t) => t.status), open: open.length };
}

/** Run the hook and stop it with `signal` at `phase`; return its run and what the phase expects to exist. */
async function stopAt(phase: Phase, signal: (typeof SIGNALS)[number], marker: string): Promise<{ run: Run; made: 'none' | 'one' | 'maybe' }> {
  let held: Held | undefined;
  if (phase === 'plan sent, not yet at the server') held = proxy.holdNextPlan('request');
  if (phase === 'task made, answer not yet back') held = proxy.holdNextPlan('response');
  const before = phase === 'before the plan is sent';
  const running = spawnCli(['hook', 'claude-code'], { cwd: ws.project, stdin: before ? undefined : bashInput(marker), keepStdinOpen: before, env: hookEnv(proxy.url) });
  await untilCatching(running.child.pid!, ['SIGHUP']);
  if (before) await sleep(Math.random() * 200);
  else if (held) await held.arrived;
  else if (phase === 'waiting for the decision') await waitForApproval(ws.reviewer, (a) => a.params.command === `echo ${marker}`, marker);
  else await sleep(Math.random() * 1_500);
  running.child.kill(signal);
  const run = await running.result;
  if (held) {
    // Only now let the held plan reach the server (or its answer go back to nobody).
    held.release();
    await held.forwarded;
  }
  return { run, made: before ? 'none' : phase === 'a random moment' ? 'maybe' : 'one' };
}

describe('stopping the Claude Code hook', () => {
  it('prints one fallback answer, exits 0 and leaves no open approval, wherever the stop lands (20 runs)', async () => {
    for (let i = 0; i < 20; i++) {
      const phase = PHASES[i % PHASES.length]!;
      const signal = SIGNALS[i % SIGNALS.length]!;
      const marker = `stop-${i}`;
      const { run, made } = await stopAt(phase, signal, marker);
      const where = { i, phase, signal };
      expect({ ...where, code: run.code, lines: run.stdout.trim().split('\n').length }).toEqual({ ...where, code: 0, lines: 1 });
      // Nobody decided, so whatever the moment, the answer is the fallback (--on-error ask).
      const answer = (JSON.parse(run.stdout) as HookOutput).hookSpecificOutput;
      expect({ ...where, decision: answer.permissionDecision }).toEqual({ ...where, decision: 'ask' });
      expect(answer.permissionDecisionReason).toContain(`stopped by ${signal}`);
      const left = await leftovers(marker);
      const tasks = made === 'none' ? [[]] : made === 'one' ? [['cancelled']] : [[], ['cancelled']];
      expect({ ...where, open: left.open }).toEqual({ ...where, open: 0 });
      expect(
        tasks.map((t) => JSON.stringify(t)),
        JSON.stringify({ ...where, tasks: left.tasks }),
      ).toContain(JSON.stringify(left.tasks));
    }
  });

  it('turns a crash while waiting into the blocking answer (exit 2) and cancels the task', async () => {
    const marker = 'crash';
    // A module loaded before the CLI that throws on SIGUSR2, the way a bug anywhere would. No spaces: NODE_OPTIONS splits on them.
    const crashOnUsr2 = "--import=data:text/javascript,process.on('SIGUSR2',()=>{throw(Error('boom'))})";
    const running = spawnCli(['hook', 'claude-code'], { cwd: ws.project, stdin: bashInput(marker), env: hookEnv(ws.server.url, { NODE_OPTIONS: crashOnUsr2 }) });
    await waitForApproval(ws.reviewer, (a) => a.params.command === `echo ${marker}`, marker);
    running.child.kill('SIGUSR2');
    const run = await running.result;
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(oneLine(run.stderr.replace(/^greenlight: waiting for a decision.*\n/m, ''))).toMatch(/internal error \(boom\); blocking this tool call/);
    expect(await leftovers(marker)).toEqual({ tasks: ['cancelled'], open: 0 });
  });

  it('on an older Node, cancels the task when the launcher is killed outright (SIGKILL) while waiting', async () => {
    const marker = 'launcher-killed';
    const running = spawnCli(['hook', 'claude-code'], { node: oldNode(), cwd: ws.project, stdin: bashInput(marker), env: hookEnv(ws.server.url) });
    await waitForApproval(ws.reviewer, (a) => a.params.command === `echo ${marker}`, marker);
    running.child.kill('SIGKILL'); // no handler can run: the Node 22 it started notices its IPC channel close
    await running.result; // resolves when the re-run Node, which shares the pipes, has exited too
    expect(await leftovers(marker)).toEqual({ tasks: ['cancelled'], open: 0 });
  });
});
