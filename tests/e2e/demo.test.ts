/**
 * `npm run demo` for real: the demo agent runs as its own process against wrangler
 * dev, while a reviewer (here, this test through the SDK) answers its question and
 * approves its plan as the events arrive. The fix must land in the scratch copy and
 * the sample project's tests must pass.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CODING_AGENT_POLICY_INPUT } from '@greenlight/core';
import { createClient } from '@greenlight/sdk';
import { ROOT_DIR } from '../../scripts/server.ts';
import { createWorkspace, startTestServer, type TestServer } from '../support/live-server.ts';

let dir: string;
let server: TestServer;
let keys: { admin: string; 'demo-agent': string; reviewer: string };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'greenlight-demo-test-'));
  server = await startTestServer();
  keys = await createWorkspace(server, 'demo', { 'demo-agent': 'agent', reviewer: 'approver' });
  // As `npm start` makes the demo workspace (scripts/demo-keys.ts): under the worked example policy.
  await createClient({ url: server.url, key: keys.admin }).policy.set.mutate({ policy: CODING_AGENT_POLICY_INPUT });
});

afterAll(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('npm run demo', () => {
  it('plans, asks, waits for review, applies the approved diffs and passes the tests', async () => {
    const reviewer = createClient({ url: server.url, key: keys.reviewer });
    const ctrl = new AbortController();
    const asked = new Set<string>();
    // The reviewer: answer the question "yes", approve everything else, as it is asked.
    const reviewing = (async () => {
      for await (const e of reviewer.watch({ signal: ctrl.signal })) {
        if (e.type !== 'approval.requested') continue;
        for (const a of (await reviewer.approvals.list.query({})).items) {
          asked.add(`${a.kind}:${a.stepKey}`);
          await reviewer.approvals.decide
            .mutate(
              a.kind === 'clarify'
                ? { approvalId: a.approvalId, decision: 'answer', answer: 'yes', paramsHash: a.paramsHash }
                : { approvalId: a.approvalId, decision: 'approve', paramsHash: a.paramsHash },
            )
            .catch(() => undefined); // already decided by an earlier pass
        }
      }
    })();

    const scratch = join(dir, 'scratch');
    rmSync(scratch, { recursive: true, force: true });
    mkdirSync(scratch);
    const child = spawn(process.execPath, ['examples/demo-agent.ts'], {
      cwd: ROOT_DIR,
      env: { ...process.env, GREENLIGHT_URL: server.url, GREENLIGHT_AGENT_KEY: keys['demo-agent'], DEMO_DIR: scratch },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const code = await new Promise<number | null>((r) => child.on('exit', r));
    ctrl.abort();
    await reviewing;

    expect(output).toContain('answer: "yes" -> round to one decimal');
    expect(output).toContain('task completed');
    // The walkthrough's policy at work: the question and the two edits were asked, the test run was not (policy:run-the-tests).
    expect([...asked].map((a) => a.split(':')[0]).sort()).toEqual(['clarify', 'edit_file', 'edit_file']);
    // The sample project's own tests ran for real: the original one and the two the fix added.
    expect(output).toMatch(/(# |ℹ )pass 3\b/);
    expect(output).toMatch(/(# |ℹ )fail 0\b/);
    expect(code, output).toBe(0);
    const [copy] = readdirSync(scratch);
    const fixed = readFileSync(join(scratch, copy!, 'src', 'temperature.js'), 'utf8');
    expect(fixed).toContain('Math.round(((celsius * 9) / 5 + 32) * 10) / 10');
    // The diff a reviewer reads adds tests shaped like the file's own: no stray indent, no trailing blanks.
    const sample = readFileSync(join(ROOT_DIR, 'examples', 'sample-project', 'test', 'temperature.test.js'), 'utf8');
    expect(readFileSync(join(scratch, copy!, 'test', 'temperature.test.js'), 'utf8')).toBe(
      sample.replace('import { toCelsius } from', 'import { toCelsius, toFahrenheit } from') +
        "\ntest('toFahrenheit converts the boiling point', () => {\n  assert.equal(toFahrenheit(100), 212);\n});\n" +
        "\ntest('toFahrenheit rounds to one decimal', () => {\n  assert.equal(toFahrenheit(36.6), 97.9);\n});\n",
    );
    // The shipped sample project itself is untouched.
    expect(readFileSync(join(ROOT_DIR, 'examples', 'sample-project', 'src', 'temperature.js'), 'utf8')).toContain('+ 23');
  });
});
