/**
 * `npm start` and `npm run reset` as a new user meets them, run for real (`node
 * scripts/start.ts` on Node 22, wrangler dev, workerd) on scratch state
 * (GREENLIGHT_LOCAL_DIR) and a free port, one scenario after another on the same state:
 * lost state, a lost keys file, a taken port, Ctrl+C while starting, a failure after
 * wrangler started, a reset. Every scenario ends with no process left behind: each run
 * carries a marker in its environment, which wrangler and workerd inherit, and /proc is
 * searched for it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server as NetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { call, freePort, portTaken, ROOT_DIR } from '../../scripts/local.ts';
import { works } from '../../scripts/demo-keys.ts';

let dir: string;
let port: number;
const mark = `start-test-${randomUUID()}`;
const STACK = /^\s+at /m; // a stack trace line

type Run = { child: ChildProcess; output: () => string; exited: Promise<number | null> };
type Keys = { workspace: string; admin: string; approver: string; agent: string };

/** Run one of the local scripts as `npm start` would, on the scratch state. */
const runs: Run[] = [];
function run(script: string, env: Record<string, string> = {}): Run {
  const child = spawn(process.execPath, [script], {
    cwd: ROOT_DIR,
    env: { ...process.env, GREENLIGHT_LOCAL_DIR: dir, PORT: String(port), GREENLIGHT_ROOT_TOKEN: 'start-test-root', GREENLIGHT_TEST_MARK: mark, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  if (process.env.START_TEST_DEBUG) child.stderr!.pipe(process.stderr);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const r = { child, output: () => out, exited };
  runs.push(r);
  return r;
}

async function until(what: string, ok: () => boolean, r?: Run, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ok()) {
    if (r && r.child.exitCode !== null) throw new Error(`exited (${r.child.exitCode}) before ${what}:\n${r.output()}`);
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${r ? `:\n${r.output()}` : ''}`);
    await new Promise((res) => setTimeout(res, 50));
  }
}

/** `npm start` until its banner; the keys it printed. */
async function start(): Promise<{ r: Run; keys: Keys }> {
  const r = run('scripts/start.ts');
  await until('the banner', () => r.output().includes('Press Ctrl+C to stop.'), r);
  const out = r.output();
  const key = (role: string) => new RegExp(`^\\s+${role}\\s+(\\S+)$`, 'm').exec(out)![1]!;
  const keys = { workspace: /Workspace "([^"]+)" keys/.exec(out)![1]!, admin: key('admin'), approver: key('approver'), agent: key('agent') };
  return { r, keys };
}

/** Processes this test started (directly or not) that are still alive, by the marker in their environment. */
function leftovers(): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (/^\d+ \(.*\) Z /.test(stat)) continue; // a zombie is dead, only not yet reaped
      if (readFileSync(`/proc/${entry}/environ`, 'utf8').includes(`GREENLIGHT_TEST_MARK=${mark}`)) pids.push(Number(entry));
    } catch {
      // gone meanwhile, or not ours
    }
  }
  return pids;
}

/** Nothing this test started still runs, and the port is free again (allowing a moment to exit). */
async function expectNothingLeft(): Promise<void> {
  await until('every process to exit', () => leftovers().length === 0, undefined, 5_000).catch(() => undefined);
  expect(leftovers()).toEqual([]);
  expect(await portTaken(port)).toBe(false);
}

async function stop(r: Run): Promise<void> {
  r.child.kill('SIGINT');
  expect(await r.exited).toBe(0);
  await expectNothingLeft();
  expect(existsSync(join(dir, 'server.json'))).toBe(false);
}

async function expectWorking(keys: Keys): Promise<void> {
  const url = `http://127.0.0.1:${port}`;
  for (const role of ['admin', 'approver', 'agent'] as const) expect(await works(url, keys[role]), role).toBe(true);
  // The agent key does real work, not only reads.
  const task = await call<{ id: string }>(url, keys.agent, 'tasks.plan', { title: 'hello', steps: [{ key: 'hello', kind: 'run_command', title: 'Print hello', params: { command: 'echo hello' } }] });
  expect(task.id).toBeTruthy();
  expect(JSON.parse(readFileSync(join(dir, 'demo-keys.json'), 'utf8'))).toEqual(keys);
}

let first: Keys;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'greenlight-start-test-'));
  port = await freePort();
});

// A scenario that failed half-way must not leave its server to the next one.
afterEach(async () => {
  for (const r of runs.splice(0)) {
    if (r.child.exitCode === null && r.child.signalCode === null) {
      r.child.kill('SIGINT');
      await r.exited;
    }
  }
});

afterAll(async () => {
  // Should nothing else have stopped them: the processes this file started, then the state.
  for (const pid of leftovers()) process.kill(pid, 'SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

describe('npm start, on local state that goes wrong', () => {
  it('a fresh start makes the demo workspace and prints keys that work; a second start and a reset refuse while it runs', async () => {
    const { r, keys } = await start();
    expect(keys.workspace).toBe('demo');
    await expectWorking(keys);
    first = keys;

    const again = run('scripts/start.ts');
    expect(await again.exited).toBe(1);
    expect(again.output()).toContain('already running from this folder');
    expect(again.output()).not.toMatch(STACK);

    const reset = run('scripts/reset.ts');
    expect(await reset.exited).toBe(1);
    expect(reset.output()).toContain('stop it first');
    expect(existsSync(join(dir, 'state'))).toBe(true);

    // npm run quickstart with no environment: the saved keys and the running server's URL.
    const quick = run('examples/quickstart.ts', { PORT: '1' }); // the run file, not PORT, says where the server is
    expect(await quick.exited, quick.output()).toBe(0);
    expect(quick.output().trim()).toBe('completed');

    await stop(r);
  });

  it('state deleted, keys file kept: the stale keys are noticed and new ones made that work', async () => {
    rmSync(join(dir, 'state'), { recursive: true });
    const { r, keys } = await start();
    expect(r.output()).toContain('unknown to this server');
    expect(keys.workspace).toBe('demo');
    expect(keys.admin).not.toBe(first.admin);
    expect(await works(`http://127.0.0.1:${port}`, first.admin)).toBe(false);
    await expectWorking(keys);
    await stop(r);
  });

  it('keys file deleted, state kept: a new demo workspace with working keys, the way to reset said, no stack trace', async () => {
    rmSync(join(dir, 'demo-keys.json'));
    const { r, keys } = await start();
    expect(keys.workspace).toBe('demo-2');
    expect(r.output()).toContain('Workspace "demo" exists but its keys are lost');
    expect(r.output()).toContain('npm run reset');
    expect(r.output()).not.toMatch(STACK);
    await expectWorking(keys);
    await stop(r);
  });

  it('npm run quickstart and npm run demo with nothing running: one line naming the URL tried, exit 1', async () => {
    for (const script of ['examples/quickstart.ts', 'examples/demo-agent.ts']) {
      const r = run(script);
      expect(await r.exited).toBe(1);
      const lines = r.output().trim().split('\n');
      expect(lines, r.output()).toHaveLength(1);
      expect(lines[0]).toContain(`cannot reach Greenlight at http://127.0.0.1:${port} (ECONNREFUSED): is \`npm start\` running?`);
    }
    // No keys saved either: it says where they come from.
    const none = run('examples/quickstart.ts', { GREENLIGHT_LOCAL_DIR: join(dir, 'nowhere') });
    expect(await none.exited).toBe(1);
    expect(none.output().trim()).toMatch(/^\[quickstart\] no agent key: run `npm start` first .*, or set AGENT_KEY$/);
  });

  it('port taken by another program: one message naming the port and how to pick another, exit 1, nothing left running', async () => {
    const squatter: NetServer = createServer((socket) => socket.destroy());
    await new Promise<void>((res) => squatter.listen(port, '127.0.0.1', res));
    try {
      const r = run('scripts/start.ts');
      expect(await r.exited).toBe(1);
      expect(r.output()).toContain(`Port ${port} on 127.0.0.1 is already in use by another program`);
      expect(r.output()).toMatch(new RegExp(`PORT=\\d+ npm start`));
      expect(r.output()).not.toMatch(STACK);
      expect(leftovers()).toEqual([]);
    } finally {
      await new Promise((res) => squatter.close(res));
    }
    expect(existsSync(join(dir, 'server.json'))).toBe(false);
  });

  it('Ctrl+C while wrangler is still starting stops it: nothing left running', async () => {
    const r = run('scripts/start.ts');
    // wrangler (and so a process other than start.ts) has been spawned.
    await until('wrangler to be spawned', () => leftovers().filter((p) => p !== r.child.pid).length > 0, r);
    r.child.kill('SIGINT');
    expect(await r.exited).toBe(0);
    expect(r.output()).not.toContain('Press Ctrl+C to stop.');
    await expectNothingLeft();
  });

  it('a failure after wrangler started (the keys file cannot be written): one message, exit 1, nothing left running', async () => {
    rmSync(join(dir, 'demo-keys.json'), { force: true });
    mkdirSync(join(dir, 'demo-keys.json')); // a directory where the file should be
    const r = run('scripts/start.ts');
    expect(await r.exited).toBe(1);
    expect(r.output()).toContain('Could not start Greenlight: EISDIR');
    expect(r.output()).toContain('npm run reset');
    expect(r.output()).not.toMatch(STACK);
    await expectNothingLeft();
    rmSync(join(dir, 'demo-keys.json'), { recursive: true });
  });

  it('npm run reset removes the state and keys and says so; the next start makes "demo" again; a revoked saved key is made again', async () => {
    const reset = run('scripts/reset.ts');
    expect(await reset.exited).toBe(0);
    expect(reset.output()).toContain('Removed:');
    expect(reset.output()).toContain(join(dir, 'state'));
    expect(existsSync(join(dir, 'state'))).toBe(false);
    const { r, keys } = await start();
    expect(keys.workspace).toBe('demo');
    expect(r.output()).not.toContain('Note:');
    await expectWorking(keys);

    // A saved key revoked meanwhile (say, in the page) is made again with the admin key.
    const url = `http://127.0.0.1:${port}`;
    const agentKey = (await call<{ items: { id: string; principal: string; revokedAt?: number }[] }>(url, keys.admin, 'keys.list', undefined, 'GET')).items.find((k) => k.principal === 'demo-agent');
    await call(url, keys.admin, 'keys.revoke', { id: agentKey!.id });
    await stop(r);
    const again = await start();
    expect(again.r.output()).toContain('The saved agent key was revoked; made a new one.');
    expect(again.keys).toEqual({ ...keys, agent: again.keys.agent });
    expect(again.keys.agent).not.toBe(keys.agent);
    await expectWorking(again.keys);
    await stop(again.r);
  });
});
