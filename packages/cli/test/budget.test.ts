/**
 * Nothing waits forever (issue 11, item 14): against a server that accepts connections
 * and never answers, every command class of the real `greenlight` process ends after its
 * request budget with a TIMEOUT naming the URL and the budget (exit 1), and the hook
 * answers its fallback. The budget is --timeout or GREENLIGHT_TIMEOUT.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HookOutput } from '../src/hook/answer.ts';
import { fixtureText } from './helpers.ts';
import { blackHole, spawnCli } from './process.ts';

let hole: { url: string; close: () => Promise<void> };
beforeAll(async () => {
  hole = await blackHole();
});
afterAll(() => hole?.close());

const env = () => ({ GREENLIGHT_URL: hole.url, GREENLIGHT_KEY: 'gl_cli_' + 'x'.repeat(43), XDG_CONFIG_HOME: '/nonexistent' });
const ID = '01JZZZZZZZZZZZZZZZZZZZZZZZ';

describe('a server that accepts connections and never answers', () => {
  const commands: [string, string[], string][] = [
    ['inbox (a list)', ['inbox'], '/trpc/approvals.list'],
    ['show (a read)', ['show', ID], '/trpc/tasks.get'],
    ['approve (a decision: the look-up)', ['approve', '--yes', ID], '/trpc/approvals.get'],
    ['cancel (a mutation)', ['cancel', ID], '/trpc/tasks.cancel'],
    ['watch (the workspace)', ['watch'], '/trpc/workspaces.get'],
    ['watch --task (a task)', ['watch', '--task', ID], '/trpc/tasks.get'],
  ];

  it('ends every command after --timeout with TIMEOUT, the URL and the budget, exit 1', async () => {
    const runs = await Promise.all(commands.map(([, args]) => spawnCli([...args, '--timeout', '1'], { env: env() }).result));
    for (const [i, [what, , path]] of commands.entries()) {
      const run = runs[i]!;
      expect({ what, code: run.code }).toEqual({ what, code: 1 });
      expect(run.stderr).toContain(`greenlight: No answer from ${hole.url}${path} within 1 s. (TIMEOUT)`);
      expect(run.ms).toBeLessThan(15_000); // the default budget is 15 s: this was the flag's
    }
  });

  it('takes the budget from GREENLIGHT_TIMEOUT too, and as JSON with --json', async () => {
    const run = await spawnCli(['inbox', '--json'], { env: { ...env(), GREENLIGHT_TIMEOUT: '0.5' } }).result;
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stderr)).toEqual({ error: { code: 'TIMEOUT', message: `no answer from ${hole.url}/trpc/approvals.list within 0.5 s` } });
    const bad = await spawnCli(['inbox'], { env: { ...env(), GREENLIGHT_TIMEOUT: 'soon' } }).result;
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('GREENLIGHT_TIMEOUT must be a positive number of seconds');
  });

  it('gives the hook its fallback after GREENLIGHT_TIMEOUT, not a hang', async () => {
    const run = await spawnCli(['hook', 'claude-code'], { stdin: fixtureText('bash', '/tmp'), env: { ...env(), GREENLIGHT_TIMEOUT: '1', GREENLIGHT_HOOK_ON_ERROR: 'deny' } }).result;
    expect(run.code).toBe(0);
    const answer = (JSON.parse(run.stdout) as HookOutput).hookSpecificOutput;
    expect(answer.permissionDecision).toBe('deny');
    expect(answer.permissionDecisionReason).toContain(`TIMEOUT: no answer from ${hole.url}/trpc/tasks.plan within 1 s`);
  });
});

/**
 * Node's timers hold at most 2^31-1 ms (24.8 days) and fire at once past it: a long
 * --timeout used to end the hook's wait at once with its fallback, and `--timeout 1e10`
 * was a NETWORK_ERROR from a RangeError. Such values are usage errors now (exit 2).
 */
describe('a timeout longer than a timer can hold', () => {
  it('is a usage error for every command, from the flag or GREENLIGHT_TIMEOUT, not an instant TIMEOUT', async () => {
    const runs = await Promise.all([
      spawnCli(['inbox', '--timeout', '3000000'], { env: env() }).result,
      spawnCli(['inbox', '--timeout', '1e10'], { env: env() }).result,
      spawnCli(['inbox'], { env: { ...env(), GREENLIGHT_TIMEOUT: 'Infinity' } }).result,
    ]);
    for (const run of runs) {
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(/--timeout \/ GREENLIGHT_TIMEOUT (may be at most 2000000 seconds|must be a positive number)/);
      expect(run.stderr).not.toContain('TimeoutOverflowWarning');
    }
  });

  it('is a usage error for the hook too (exit 2, Claude Code blocks), never an instant fallback', async () => {
    const run = await spawnCli(['hook', 'claude-code', '--timeout', '3000000'], { stdin: fixtureText('bash', '/tmp'), env: env() }).result;
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--timeout / GREENLIGHT_HOOK_TIMEOUT may be at most 2000000 seconds');
    expect(run.stderr).not.toContain('TimeoutOverflowWarning');
    expect(run.stdout).toBe('');
  });
});

describe('watch --count 0', () => {
  it('asks for no events: it ends at once with nothing printed, like head -n 0 (it used to wait for one and print it)', async () => {
    const run = await spawnCli(['watch', '--count', '0'], { env: env() }).result;
    expect({ code: run.code, stdout: run.stdout }).toEqual({ code: 0, stdout: '' });
    expect(run.ms).toBeLessThan(10_000);
  });
});
