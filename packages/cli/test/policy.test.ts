/**
 * `greenlight policy get | set | simulate` against a real server: the policy as a JSON
 * file round-trips, a candidate is replayed before it is set, a bad file or a bad rule
 * changes nothing and says why; and a reader that goes away early (`| head`) ends the
 * command quietly (issue 16, items 5 and 6).
 */
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CODING_AGENT_POLICY_INPUT } from '@greenlight/core';
import { createClient } from '@greenlight/sdk';
import { BIN, oldNode, spawnCli } from './process.ts';
import { startWorkspace, type Workspace } from './workspace.ts';

let ws: Workspace;
beforeAll(async () => {
  ws = await startWorkspace('policy');
});
afterAll(() => ws?.stop());

const cli = (args: string[], key = ws.keys.admin, stdin?: string) =>
  spawnCli(args, { cwd: ws.dir, env: { GREENLIGHT_URL: ws.server.url, GREENLIGHT_KEY: key, XDG_CONFIG_HOME: join(ws.dir, 'xdg') }, ...(stdin !== undefined ? { stdin } : {}) }).result;
const file = (name: string, content: unknown) => {
  const path = join(ws.dir, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return path;
};

describe('greenlight policy', () => {
  it('simulates a candidate over recent tasks without setting it, then sets it from the file, and get prints it back', async () => {
    const agent = createClient({ url: ws.server.url, key: ws.keys.agent });
    await agent.plan({ title: 'Run the tests', steps: [{ key: 't', kind: 'run_command', title: 'Run the test suite', params: { command: 'npm test' } }] });
    const before = await cli(['policy', 'get', '--json']);
    expect(before.code).toBe(0);
    const { version } = JSON.parse(before.stdout) as { version: number };

    const candidate = file('coding-agent.json', CODING_AGENT_POLICY_INPUT);
    const sim = await cli(['policy', 'simulate', candidate]);
    expect(sim).toMatchObject({ code: 0, stderr: '' });
    expect(sim.stdout).toMatch(/replayed 1 step of 1 task: 1 would be decided differently/);
    expect(sim.stdout).toContain('Run the test suite');
    expect(JSON.parse((await cli(['policy', 'get', '--json'])).stdout)).toMatchObject({ version }); // not set

    const set = await cli(['policy', 'set', candidate]);
    expect(set).toMatchObject({ code: 0, stderr: '' });
    expect(set.stdout).toContain(`version ${version + 1}`);
    const got = await cli(['policy', 'get']);
    // What get prints is a file set takes back: same rules, nothing wrapped around it.
    const printed = JSON.parse(got.stdout) as { rules: { name?: string }[] };
    expect(printed.rules.map((r) => r.name)).toEqual(CODING_AGENT_POLICY_INPUT.rules?.map((r) => r.name));
    const again = await cli(['policy', 'set', '-'], ws.keys.admin, got.stdout);
    expect(again.stdout).toContain(`version ${version + 2}`);
  });

  it('refuses a bad file or a bad rule with the reason, and changes nothing', async () => {
    const { version } = JSON.parse((await cli(['policy', 'get', '--json'])).stdout) as { version: number };
    const notJson = await cli(['policy', 'set', file('broken.json', '{ "rules": [')]);
    expect(notJson.code).toBe(2);
    expect(notJson.stderr).toContain('broken.json is not JSON');
    const badRule = await cli(['policy', 'set', file('bad-rule.json', { rules: [{ name: 'oops', match: { command: '(unclosed' }, action: 'allow' }] })]);
    expect(badRule.code).not.toBe(0);
    expect(badRule.stderr).toContain('rule oops: command pattern');
    expect(badRule.stderr).not.toMatch(/\n\s+at /);
    const asApprover = await cli(['policy', 'set', file('ok.json', { rules: [] })], ws.keys.approver);
    expect(asApprover.code).toBe(5);
    expect(JSON.parse((await cli(['policy', 'get', '--json'])).stdout)).toMatchObject({ version });
  });

  it('ends quietly when its reader goes away (greenlight show | head)', async () => {
    // Far more than a pipe holds, line by line, so the reader is gone while it still writes.
    const agent = createClient({ url: ws.server.url, key: ws.keys.agent });
    const script = Array.from({ length: 300 }, (_, n) => `echo line ${n} ${'a'.repeat(40)}`).join('\n');
    const steps = Array.from({ length: 40 }, (_, i) => ({ key: `s${i}`, kind: 'run_command' as const, title: `Step ${i}`, params: { command: script } }));
    const task = await agent.plan({ title: 'A long task', steps });
    // As a person types it: the shell's pipe into head, which exits after its first bytes.
    const line = `"${oldNode()[0]}" "${BIN}" show ${task.id} --full | head -c 100 > /dev/null; echo "greenlight exited $\{PIPESTATUS[0]}" >&2`;
    const { stderr } = await new Promise<{ stderr: string }>((resolve) => {
      execFile('bash', ['-c', line], { cwd: ws.dir, env: { ...process.env, GREENLIGHT_URL: ws.server.url, GREENLIGHT_KEY: ws.keys.admin, XDG_CONFIG_HOME: join(ws.dir, 'xdg') } }, (_err, _out, err) =>
        resolve({ stderr: err }),
      );
    });
    expect(stderr).toBe('greenlight exited 0\n');
  });
});
