/**
 * Deliberate decisions in the terminal (issue 16): `greenlight approve` shows the step
 * (risk, hash) and asks y/N on a real terminal (a pty from util-linux `script`), `--yes`
 * for scripts, a refusal without a terminal; a wrong --hash says it differs; and
 * `greenlight log` reads the decision history. The real CLI against a real server.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, type Approval, type GreenlightClient } from '@greenlight/sdk';
import { ROOT_DIR } from '../../../scripts/server.ts';
import { startWorkspace, type Workspace } from './workspace.ts';

const BIN = join(ROOT_DIR, 'packages', 'cli', 'bin', 'greenlight.js');
let ws: Workspace;
let agent: GreenlightClient;

type Run = { code: number | null; stdout: string; stderr: string };

const env = (key: string): NodeJS.ProcessEnv => ({ ...process.env, GREENLIGHT_URL: ws.server.url, GREENLIGHT_KEY: key, NO_COLOR: '1', XDG_CONFIG_HOME: join(ws.dir, 'xdg') });

/** The CLI with stdin a pipe (as a script runs it). */
function piped(args: string[], key = ws.keys.approver): Promise<Run> {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: ws.project, env: env(key), stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdin.end();
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * The CLI on a real terminal: `script` gives it a pty for stdin and stdout. `reply` is
 * typed once the y/N question shows; the pty's output (stdout and stderr) comes back as one.
 */
function onTerminal(args: string[], reply: string): Promise<Run> {
  const line = [process.execPath, BIN, ...args].map(quote).join(' ');
  const child = spawn('script', ['-qec', line, '/dev/null'], { cwd: ws.project, env: env(ws.keys.approver), stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let typed = false;
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
    if (!typed && stdout.includes('[y/N]')) {
      typed = true;
      child.stdin.end(`${reply}\n`);
    }
  });
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout: stdout.replace(/\r\n/g, '\n'), stderr: '' })));
}

async function asking(command: string): Promise<Approval> {
  const task = await agent.plan({ title: `Run ${command}`, steps: [{ key: 'run', kind: 'run_command', title: `Run ${command}`, params: { command } }] });
  const [a] = (await ws.reviewer.approvals.list.query({ taskId: task.id })).items;
  if (!a) throw new Error('no approval');
  return a;
}

const stillOpen = async (a: Approval) => (await ws.reviewer.approvals.get.query({ approvalId: a.approvalId })).status === 'open';

beforeAll(async () => {
  ws = await startWorkspace('cli-review');
  agent = createClient({ url: ws.server.url, key: ws.keys.agent });
});

afterAll(async () => {
  await ws?.stop();
});

describe('greenlight approve', () => {
  it('on a terminal: shows the step, its risk and hash, and approves only on y', async () => {
    const a = await asking('npm publish');
    const no = await onTerminal(['approve', a.approvalId], 'n');
    expect(no.code).toBe(7);
    expect(no.stdout).toContain('Approving ' + a.approvalId);
    expect(no.stdout).toContain('risk: high: `npm publish` publishes to the npm registry');
    expect(no.stdout).toContain(`paramsHash: ${a.paramsHash}`);
    expect(no.stdout).toContain('$ npm publish');
    expect(no.stdout).toContain('Approve this step? [y/N]');
    expect(no.stdout).toContain('Not approved: nothing was sent.');
    expect(await stillOpen(a)).toBe(true);

    const empty = await onTerminal(['approve', a.approvalId], '');
    expect(empty.code).toBe(7);
    expect(await stillOpen(a)).toBe(true);

    const yes = await onTerminal(['approve', a.approvalId], 'y');
    expect(yes.code).toBe(0);
    expect(yes.stdout).toContain('→ step approved');
    expect(await stillOpen(a)).toBe(false);
  });

  it('without a terminal: refuses before sending anything unless --yes', async () => {
    const a = await asking('make build');
    const refused = await piped(['approve', a.approvalId]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('stdin is not a terminal');
    expect(refused.stderr).toContain('--yes');
    expect(await stillOpen(a)).toBe(true);

    const scripted = await piped(['approve', a.approvalId, '--yes', '--json']);
    expect(scripted.code).toBe(0);
    expect(JSON.parse(scripted.stdout)).toMatchObject({ approval: { approvalId: a.approvalId, risk: { level: 'medium' } }, result: { stepStatus: 'approved' } });
  });

  it('a wrong --hash says that the hash differs and shows both; nothing is decided', async () => {
    const a = await asking('make test');
    const wrong = 'c'.repeat(64);
    const run = await piped(['approve', a.approvalId, '--yes', '--hash', wrong]);
    expect(run.code).toBe(4);
    expect(run.stderr).toContain(`The --hash you gave differs from the paramsHash of approval ${a.approvalId}: you gave ${wrong}, the step has ${a.paramsHash}.`);
    expect(run.stderr).not.toContain('changed since');
    expect(run.stderr).toContain('(CONFLICT, stale_params_hash)');
    expect(await stillOpen(a)).toBe(true);
    const right = await piped(['approve', a.approvalId, '--yes', '--hash', a.paramsHash]);
    expect(right.code).toBe(0);
  });
});

describe('greenlight log', () => {
  it('shows who decided what, newest first, as a table or JSON, with filters', async () => {
    const a = await asking('git push origin main');
    await ws.reviewer.approvals.decide.mutate({ approvalId: a.approvalId, decision: 'reject', paramsHash: a.paramsHash, feedback: 'not to main' });

    const table = await piped(['log', '--limit', '3']);
    expect(table.code).toBe(0);
    const lines = table.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^WHEN\s+DECISION\s+STATUS\s+RISK\s+BY\s+AGENT\s+TASK\s+STEP$/);
    // BY says who and how they proved it (issue 15): a key is both the channel and the proof.
    expect(lines[1]).toMatch(/ago\s+reject\s+rejected\s+high\s+ana · key\s+claude\s+Run git push origin main/);
    expect(lines[1]).toContain('not to main');
    expect(lines.at(-1)).toMatch(/^… more: greenlight log --cursor \d+/);

    const json = JSON.parse((await piped(['log', '--json', '--by', 'ana', '--decision', 'reject'])).stdout) as { items: { approvalId: string; by: string[]; deciders?: unknown[] }[] };
    expect(json.items.map((e) => e.approvalId)).toEqual([a.approvalId]);
    expect(json.items[0]!.deciders).toEqual([{ principal: 'ana', identitySource: 'key', authStrength: 'key', person: 'ana' }]);
    // The task view says it too.
    const shown = await piped(['show', a.taskId]);
    expect(shown.stdout).toContain('decision: reject by ana · key');
    expect((await piped(['log', '--since', '1m', '--risk', 'low'])).stdout.trim()).toBe('No decisions match.');

    const bad = await piped(['log', '--decision', 'maybe']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--decision is one of approve, request_changes');
    expect((await piped(['log', '--since', 'yesterday-ish'])).code).toBe(2);
  });
});
