/**
 * `greenlight audit export` from a real `wrangler dev` and `greenlight audit verify` on
 * the file: the untouched export verifies (exit 0); a changed field, a dropped line, two
 * swapped lines, a wrong anchor and a head you hold that does not match each exit 6
 * naming the seq of the first bad event. Only an admin key may export.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '@greenlight/sdk';
import { call, freePort, ROOT_DIR, startServer, type Server } from '../../../scripts/server.ts';

const ROOT = 'cli-audit-root-token';
const BIN = join(ROOT_DIR, 'packages', 'cli', 'bin', 'greenlight.js');
let dir: string;
let server: Server;
let keys: { admin: string; agent: string; approver: string };

type Run = { code: number | null; stdout: string; stderr: string };

function cli(args: string[], key = keys.admin): Promise<Run> {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: dir,
    env: { ...process.env, GREENLIGHT_URL: server.url, GREENLIGHT_KEY: key, NO_COLOR: '1', XDG_CONFIG_HOME: join(dir, 'xdg') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

/** Write `text` to a file in the test directory and verify it. */
async function verify(name: string, text: string, ...flags: string[]): Promise<Run> {
  const file = join(dir, name);
  writeFileSync(file, text);
  return cli(['audit', 'verify', file, ...flags]);
}

/** The line of the event with `seq` (NDJSON lines start with {"seq":N; CSV rows with N,). */
const lineOf = (lines: string[], seq: number) => lines.findIndex((l) => l.startsWith(`{"seq":${seq},`) || l.startsWith(`${seq},`));

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'greenlight-cli-audit-'));
  writeFileSync(join(dir, 'env'), `GREENLIGHT_ROOT_TOKEN=${ROOT}\n`);
  server = await startServer({ port: await freePort(), persistTo: join(dir, 'state'), envFile: join(dir, 'env') });
  const { adminKey } = await call<{ adminKey: string }>(server.url, ROOT, 'workspaces.create', { id: 'audit', name: 'Audit' });
  const mk = async (principal: string, role: string) => (await call<{ key: string }>(server.url, adminKey, 'keys.create', { principal, role })).key;
  keys = { admin: adminKey, agent: await mk('claude', 'agent'), approver: await mk('ana', 'approver') };
  // Enough events for several pages of the export.
  const agent = createClient({ url: server.url, key: keys.agent });
  for (let i = 0; i < 4; i++) {
    await agent.plan({ title: `task ${i}`, steps: [{ key: 'a', kind: 'run_command', title: 'a, with "quotes", commas', params: { command: `echo ${i}` } }] });
  }
});

afterAll(async () => {
  await server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('greenlight audit', () => {
  for (const format of ['ndjson', 'csv'] as const) {
    it(`export --format ${format} verifies; a changed field, a dropped line or two swapped lines exit 6 naming the seq`, async () => {
      // Pages of 4 events: the file is several pages joined, each anchored at the one before.
      const exported = await cli(['audit', 'export', '--format', format, '--limit', '4']);
      expect(exported.stderr).toMatch(/exported \d+ events; chain head \d+:[0-9a-f]{64}/);
      expect(exported.code).toBe(0);
      const text = exported.stdout;
      const ok = await verify(`ok.${format}`, text);
      expect(ok.stderr).toBe('');
      expect(ok.code).toBe(0);
      expect(ok.stdout).toMatch(new RegExp(`^ok: ${format}, events 1\\.\\.\\d+`));

      const lines = text.split('\n');
      expect(lines.filter((l) => l.includes('audit.anchor')).length).toBeGreaterThanOrEqual(3);
      const at5 = lineOf(lines, 5);
      expect(at5).toBeGreaterThan(0);

      const changed = [...lines];
      changed[at5] = changed[at5]!.replace('"agent-', '"agent_').replace('claude', 'mallory');
      expect(changed[at5]).not.toBe(lines[at5]);
      const c = await verify(`changed.${format}`, changed.join('\n'));
      expect(c.code).toBe(6);
      expect(c.stderr).toContain('event 5: changed');

      const dropped = lines.filter((_, i) => i !== at5);
      const d = await verify(`dropped.${format}`, dropped.join('\n'));
      expect(d.code).toBe(6);
      expect(d.stderr).toContain('event 5: dropped');

      const swapped = [...lines];
      [swapped[at5], swapped[at5 + 1]] = [swapped[at5 + 1]!, swapped[at5]!];
      const s = await verify(`swapped.${format}`, swapped.join('\n'));
      expect(s.code).toBe(6);
      expect(s.stderr).toContain('event 5: reordered');
    });
  }

  it('pins a later export to the head of an earlier one, and refuses a wrong anchor', async () => {
    const first = await cli(['audit', 'export']);
    const [, head] = /chain head (\d+:[0-9a-f]{64})/.exec(first.stderr)!;
    const [seq] = head!.split(':');
    expect((await verify('pinned.ndjson', first.stdout, '--head', head!)).code).toBe(0);
    // A later window, anchored at that head.
    await createClient({ url: server.url, key: keys.admin }).keys.create.mutate({ principal: 'carol', role: 'viewer' });
    const later = await cli(['audit', 'export', '--after', seq!]);
    expect(later.code).toBe(0);
    expect((await verify('later.ndjson', later.stdout, '--anchor', head!)).code).toBe(0);
    const wrong = await verify('wrong.ndjson', later.stdout, '--anchor', `${seq}:${'e'.repeat(64)}`);
    expect(wrong.code).toBe(6);
    expect(wrong.stderr).toContain(`event ${seq}: wrong_anchor`);
    // A head you hold that the file contradicts (a rewritten chain) is named too.
    const rewritten = await verify('rewritten.ndjson', first.stdout, '--head', `3:${'f'.repeat(64)}`);
    expect(rewritten.code).toBe(6);
    expect(rewritten.stderr).toContain('event 3: head_mismatch');
    const json = await cli(['audit', 'verify', join(dir, 'wrong.ndjson'), '--anchor', `${seq}:${'e'.repeat(64)}`, '--json']);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, seq: Number(seq), reason: 'wrong_anchor' });
  });

  it('export is for admins: another key exits 5 with FORBIDDEN; bad flags are usage errors', async () => {
    const denied = await cli(['audit', 'export'], keys.approver);
    expect(denied.code).toBe(5);
    expect(denied.stderr).toContain('FORBIDDEN');
    expect((await cli(['audit', 'export', '--format', 'xml'])).code).toBe(2);
    expect((await cli(['audit', 'verify'])).code).toBe(2);
    expect((await cli(['audit', 'verify', join(dir, 'nope.ndjson')])).code).toBe(2);
    expect((await cli(['audit', 'verify', join(dir, 'ok.ndjson'), '--head', 'abc'])).code).toBe(2);
    expect(readFileSync(join(dir, 'ok.ndjson'), 'utf8').length).toBeGreaterThan(0);
  });
});
