/**
 * Hook start-up (issue 16 item 4): Claude Code runs `greenlight hook claude-code` as a new
 * process on every tool call, so its own time is added to each call. Measured on the
 * built CLI (dist/bin.js, as installed from npm) for a read the policy allows: the
 * process's wall time minus the time the server spent on its requests (timed by a
 * loopback proxy in front of the server), beside the floor `node -e 0`.
 * Target: under 150 ms of its own time.
 */
import { execFile } from 'node:child_process';
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { CODING_AGENT_POLICY_INPUT } from '@greenlight/core';
import { ROOT_DIR } from '../../scripts/local.ts';
import { buildPackage } from '../../scripts/pack/build.ts';
import { call, workspace } from '../lib/http.ts';
import type { Row } from '../lib/report.ts';
import type { BenchServer } from '../lib/servers.ts';
import { summarize } from '../lib/stats.ts';

const CLI_DIR = join(ROOT_DIR, 'packages', 'cli');
const BIN = join(CLI_DIR, 'dist', 'bin.js');
/** A Claude Code PreToolUse call the worked example policy allows (reads anywhere). */
const READ = JSON.stringify({
  session_id: 'bench',
  cwd: ROOT_DIR,
  hook_event_name: 'PreToolUse',
  tool_name: 'Read',
  tool_input: { file_path: join(ROOT_DIR, 'README.md') },
});

/** A loopback proxy that sums the time each request spent upstream (the server's share of a run). */
async function timingProxy(upstream: string): Promise<{ url: string; take: () => number; close: () => void }> {
  const target = new URL(upstream);
  let serverMs = 0;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const t = performance.now();
    const up = request({ host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
      r.on('end', () => (serverMs += performance.now() - t));
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    take: () => {
      const v = serverMs;
      serverMs = 0;
      return v;
    },
    close: () => server.close(),
  };
}

/** Wall time of one process run, in ms; rejects when it fails. */
function timed(args: string[], env: NodeJS.ProcessEnv, stdin?: string): Promise<{ ms: number; stdout: string }> {
  return new Promise((resolve, reject) => {
    const t = performance.now();
    const child = execFile(process.execPath, args, { env }, (err, stdout) => (err ? reject(err) : resolve({ ms: performance.now() - t, stdout })));
    child.stdin?.end(stdin ?? '');
  });
}

export async function hookStartup(s: BenchServer, maxMs: number): Promise<Row[]> {
  await buildPackage(CLI_DIR, { types: false });
  const ws = await workspace(s.url, s.rootToken, `hook-${s.mode}`);
  await call(s.url, ws.admin, 'policy.set', { policy: CODING_AGENT_POLICY_INPUT });
  const proxy = await timingProxy(s.url);
  const env: NodeJS.ProcessEnv = { ...process.env, GREENLIGHT_URL: proxy.url, GREENLIGHT_KEY: ws.agent, XDG_CONFIG_HOME: join(ROOT_DIR, '.wrangler', 'bench-no-config') };
  delete env.NODE_OPTIONS;
  const own: number[] = [];
  const wall: number[] = [];
  const floor: number[] = [];
  const until = performance.now() + maxMs;
  try {
    // The first run fills Node's compile cache, as the first tool call of a session would.
    await timed([BIN, 'hook', 'claude-code'], env, READ);
    proxy.take();
    for (let i = 0; i < 20 && performance.now() < until; i++) {
      const run = await timed([BIN, 'hook', 'claude-code'], env, READ);
      if (!run.stdout.includes('"permissionDecision":"allow"')) throw new Error(`the hook did not allow the read: ${run.stdout}`);
      const server = proxy.take();
      wall.push(run.ms);
      own.push(run.ms - server);
      floor.push((await timed(['-e', '0'], env)).ms);
    }
  } finally {
    proxy.close();
  }
  const f = summarize(floor);
  const o = summarize(own);
  return [
    { mode: s.mode, name: 'hook start-up: own time for an allowed Read (wall - server)', figure: o, floor: { label: 'node -e 0', ...f }, ratio: o.p50 / f.p50, target: '< 150 ms', pass: o.p50 < 150 },
    { mode: s.mode, name: 'hook start-up: wall time, server included', figure: summarize(wall), floor: { label: 'node -e 0', ...f }, target: 'info' },
  ];
}
