/**
 * The entry point never fails open (issue 11, item 16). Claude Code runs the tool call
 * when a PreToolUse hook exits with anything but 0 (its JSON answer) or 2 (blocking), so
 * whatever Node, install state, crash or signal the real `greenlight` process meets, it
 * answers or exits 2 with one line on stderr; never exit 1, never a stack trace, never
 * exit 0 with nothing. Real processes, no server (an unreachable port, or stdin left open
 * so the hook is still reading when the crash or signal comes).
 */
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../scripts/server.ts';
import { fixtureText } from './helpers.ts';
import { childOf, oldNode, oneLine, spawnCli, untilCatching, type Run } from './process.ts';

const dir = mkdtempSync(join(tmpdir(), 'greenlight-cli-bin-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const bash = fixtureText('bash', dir);
const env = (extra: Record<string, string> = {}) => ({ GREENLIGHT_KEY: 'gl_cli_' + 'x'.repeat(43), XDG_CONFIG_HOME: join(dir, 'xdg'), ...extra });
const offline = async () => ({ GREENLIGHT_URL: `http://127.0.0.1:${await freePort()}` });
const decision = (run: Run) => (JSON.parse(run.stdout) as { hookSpecificOutput: { permissionDecision: string; permissionDecisionReason: string } }).hookSpecificOutput;

/** A module loaded before the CLI (NODE_OPTIONS --import) that fails on SIGUSR2, the way a bug anywhere would. */
const failOnSigusr2 = (how: 'throw' | 'reject') =>
  // No spaces: NODE_OPTIONS splits on them.
  `--import=data:text/javascript,process.on('SIGUSR2',()=>{${how === 'throw' ? "throw(Error('boom'))" : "Promise.reject(Error('boom'))"}})`;

describe('bin/greenlight.js on a Node that cannot run TypeScript', () => {
  it(`runs anyway, with the repository's Node 22: the hook answers (${oldNode().join(' ')})`, async () => {
    const run = await spawnCli(['hook', 'claude-code'], { node: oldNode(), stdin: bash, env: env({ ...(await offline()), GREENLIGHT_HOOK_ON_ERROR: 'deny' }) }).result;
    expect(run.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(run.code).toBe(0);
    expect(decision(run)).toMatchObject({ permissionDecision: 'deny' });
    expect(decision(run).permissionDecisionReason).toContain('NETWORK_ERROR');
  });

  it('runs the other commands the same way, with their own exit codes', async () => {
    const url = await offline();
    const run = await spawnCli(['inbox'], { node: oldNode(), env: env(url) }).result;
    expect(run.code).toBe(1);
    expect(oneLine(run.stderr)).toContain('NETWORK_ERROR');
    // Where it went and why, not only fetch's "fetch failed".
    expect(oneLine(run.stderr)).toContain(`No Greenlight answer from ${url.GREENLIGHT_URL}/trpc/approvals.list: fetch failed: `);
    expect(run.stderr).toContain('ECONNREFUSED');
  });

  it('blocks with exit 2 and one line when no Node can run it (GREENLIGHT_NODE too old or missing)', async () => {
    for (const node of [oldNode()[0]!, join(dir, 'no-such-node')]) {
      // A Node started with --no-experimental-strip-types passes it on through NODE_OPTIONS.
      const noStrip: Record<string, string> = oldNode()[1] ? { NODE_OPTIONS: '--no-experimental-strip-types' } : {};
      const hook = await spawnCli(['hook', 'claude-code'], { node: oldNode(), stdin: bash, env: env({ GREENLIGHT_NODE: node, ...noStrip }) }).result;
      expect(hook.code).toBe(2);
      expect(hook.stdout).toBe('');
      expect(oneLine(hook.stderr)).toMatch(/needs Node 22\.18|not an executable/);
      expect(hook.stderr).toContain('blocking this tool call');
      const inbox = await spawnCli(['inbox'], { node: oldNode(), env: env({ GREENLIGHT_NODE: node, ...noStrip }) }).result;
      expect(inbox.code).toBe(2);
      expect(oneLine(inbox.stderr)).toMatch(/needs Node 22\.18|not an executable/);
    }
  });

  it('blocks with exit 2 and one line when a module is missing (a broken install)', async () => {
    // The CLI without the workspace's node_modules: '@greenlight/sdk', zod and diff cannot be found.
    const copy = join(dir, 'broken');
    for (const part of ['bin', 'src', 'package.json']) cpSync(join(import.meta.dirname, '..', part), join(copy, part), { recursive: true });
    for (const node of [[process.execPath], oldNode()]) {
      const hook = await spawnCli(['hook', 'claude-code'], { node, bin: join(copy, 'bin', 'greenlight.js'), cwd: dir, stdin: bash, env: env(await offline()) }).result;
      expect(hook.code).toBe(2);
      expect(hook.stdout).toBe('');
      expect(oneLine(hook.stderr)).toMatch(/cannot load the CLI|needs Node 22\.18/);
    }
  });
});

describe('the hook process, whatever happens to it', () => {
  it('turns an uncaught exception or an unhandled rejection into the blocking answer, at any moment', async () => {
    for (const [how, delayMs] of [
      ['throw', 0],
      ['reject', 0],
      ['throw', 150],
      ['reject', 400],
      ['throw', 900],
    ] as const) {
      const running = spawnCli(['hook', 'claude-code'], { keepStdinOpen: true, env: env({ ...(await offline()), NODE_OPTIONS: failOnSigusr2(how) }) });
      await untilCatching(running.child.pid!, ['SIGHUP', 'SIGUSR2']);
      await new Promise((r) => setTimeout(r, delayMs));
      running.child.kill('SIGUSR2');
      const run = await running.result;
      expect({ how, delayMs, code: run.code, stdout: run.stdout }).toEqual({ how, delayMs, code: 2, stdout: '' });
      expect(oneLine(run.stderr)).toMatch(/internal error.*boom.*blocking this tool call/);
    }
  });

  it('answers the fallback once, exit 0, for SIGTERM, SIGINT and SIGHUP before the tool call is even read', async () => {
    for (const [signal, delayMs] of [
      ['SIGTERM', 0],
      ['SIGINT', 50],
      ['SIGHUP', 300],
      ['SIGTERM', 700],
    ] as const) {
      const running = spawnCli(['hook', 'claude-code'], { keepStdinOpen: true, env: env(await offline()) });
      await untilCatching(running.child.pid!, ['SIGHUP']);
      await new Promise((r) => setTimeout(r, delayMs));
      running.child.kill(signal);
      const run = await running.result;
      expect({ signal, delayMs, code: run.code }).toEqual({ signal, delayMs, code: 0 });
      expect(run.stdout.trim().split('\n')).toHaveLength(1);
      expect(decision(run)).toMatchObject({ permissionDecision: 'ask' });
      expect(decision(run).permissionDecisionReason).toContain(`stopped by ${signal}`);
    }
  });

  it('passes a signal on through the launcher on an old Node, and still answers once', async () => {
    const running = spawnCli(['hook', 'claude-code'], { node: oldNode(), keepStdinOpen: true, env: env(await offline()) });
    await untilCatching(running.child.pid!, ['SIGHUP']);
    // The Node 22 it started must be ready too: a signal before that is Node's default (it dies,
    // and the launcher blocks, exit 2). Without /proc, wait.
    const rerun = await childOf(running.child.pid!);
    if (rerun !== undefined) await untilCatching(rerun, ['SIGHUP']);
    else await new Promise((r) => setTimeout(r, 3_000));
    running.child.kill('SIGTERM');
    const run = await running.result;
    expect(run.code).toBe(0);
    expect(run.stdout.trim().split('\n')).toHaveLength(1);
    expect(decision(run)).toMatchObject({ permissionDecision: 'ask' });
  });
});
