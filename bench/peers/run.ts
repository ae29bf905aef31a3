/**
 * `npm run bench -- --peers`: what an agent builder would pick instead, measured in the
 * same run (issue 17 item 2). Each peer program (programs/) is copied into the scratch
 * folder (install.ts), where its pinned packages resolve, and run as its own process,
 * printing its samples as JSON:
 *
 * - LangGraph JS + SQLite checkpointer, in process: interrupt → resume → getState, a new
 *   thread per cycle (programs/langgraph-cycle.mjs);
 * - the Cloudflare Agents SDK: an Agent with `@callable()` requestApproval / decide,
 *   bundled by wrangler and run on bare workerd like `npm run serve`, driven through
 *   AgentClient over its WebSocket (programs/agents-worker.ts, agents-cycle.mjs).
 *
 * Both sequentially (p50 / p99) and with 32 at once (cycles/s), as Greenlight's cycle.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exitOf, freePort, ROOT_DIR } from '../../scripts/local.ts';
import { startWorkerd } from '../../scripts/workerd.ts';
import { wranglerBundle } from '../../scripts/bundle.ts';
import type { Row } from '../lib/report.ts';
import { summarize } from '../lib/stats.ts';
import { installPeers, PEER_PACKAGES } from './install.ts';

export const PEER_CONCURRENCY = 32;
type PeerResult = { sequential: number[]; concurrent: { done: number; ms: number } };
export type PeerFigures = { name: 'LangGraph' | 'Agents SDK'; p50: number; p99: number; n: number; rps: number };

const PROGRAMS = join(ROOT_DIR, 'bench', 'peers', 'programs');
const COMPAT_DATE = '2026-10-01';
/**
 * The agents package imports `cloudflare:email`, whose runtime half
 * (`cloudflare-internal:email`) bare workerd does not have (Miniflare and Cloudflare
 * supply it). The Agent here sends no email: a stand-in with the same shape lets the
 * bundle load.
 */
const EMAIL_EXTENSION = {
  name: 'cloudflare-internal:email',
  source: 'export default { EmailMessage: class EmailMessage { constructor(from, to, raw) { this.from = from; this.to = to; this.raw = raw; } } };',
};

/** Run `node <program> ...args` in the scratch folder; its last stdout line is the JSON result. */
async function runProgram(dir: string, program: string, args: string[], timeoutMs: number): Promise<PeerResult> {
  const child = spawn(process.execPath, [program, ...args], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-4_000)));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  await exitOf(child);
  clearTimeout(timer);
  if (child.exitCode !== 0) throw new Error(`${program} failed (${child.exitCode ?? child.signalCode}):\n${err}`);
  return JSON.parse(out.trim().split('\n').at(-1)!) as PeerResult;
}

/** Bundle the Agent with wrangler (as its docs deploy it) into `<dir>/build`. */
async function buildAgent(dir: string): Promise<string[]> {
  writeFileSync(
    join(dir, 'wrangler.toml'),
    [
      'name = "agents-peer"',
      'main = "agents-worker.ts"',
      `compatibility_date = "${COMPAT_DATE}"`,
      'compatibility_flags = ["nodejs_compat"]',
      '[[durable_objects.bindings]]',
      'name = "Approvals"',
      'class_name = "Approvals"',
      '[[migrations]]',
      'tag = "v1"',
      'new_sqlite_classes = ["Approvals"]',
      '',
    ].join('\n'),
  );
  // Standard (TC39) decorators, as the Agents SDK's docs use them; esbuild lowers them.
  writeFileSync(join(dir, 'tsconfig.json'), `${JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'ESNext', moduleResolution: 'bundler', strict: true } }, null, 2)}\n`);
  const outDir = join(dir, 'build');
  rmSync(outDir, { recursive: true, force: true });
  await wranglerBundle(join(dir, 'wrangler.toml'), dir, outDir);
  const files = readdirSync(outDir).filter((f) => /\.m?js$/.test(f));
  const entry = files.find((f) => f === 'agents-worker.js');
  if (!entry) throw new Error(`wrangler wrote no agents-worker.js: ${files.join(', ')}`);
  return [entry, ...files.filter((f) => f !== entry)];
}

const figures = (name: PeerFigures['name'], r: PeerResult): PeerFigures => {
  const s = summarize(r.sequential);
  return { name, p50: s.p50, p99: s.p99, n: s.n, rps: (r.concurrent.done / r.concurrent.ms) * 1000 };
};

/**
 * Install (once) and run both peers, `seqMs` sequential and `conMs` concurrent each.
 * A peer that fails is reported as a failed row; the other still runs.
 */
export async function runPeers(seqMs: number, conMs: number): Promise<{ rows: Row[]; peers: PeerFigures[] }> {
  const dir = await installPeers();
  for (const f of readdirSync(PROGRAMS)) copyFileSync(join(PROGRAMS, f), join(dir, f));
  const rows: Row[] = [];
  const peers: PeerFigures[] = [];
  const add = (p: PeerFigures, what: string, versions: string) => {
    peers.push(p);
    rows.push({
      mode: 'peers',
      name: `${p.name}, sequential: ${what}`,
      figure: { p50: p.p50, p99: p.p99 },
      floor: { label: versions },
      machine: { writes: 0, pings: 0 },
      target: 'info',
      note: `${p.n} cycles`,
    });
    rows.push({ mode: 'peers', name: `${p.name}: cycles/s, ${PEER_CONCURRENCY} at once`, figure: { rps: p.rps }, floor: { label: versions }, target: 'info' });
  };
  const fail = (name: string, e: unknown) => {
    console.error(`[bench] peer ${name} failed:`, e);
    rows.push({ mode: 'peers', name: `${name}: failed`, figure: {}, floor: { label: '' }, target: 'runs', pass: false, note: String(e).slice(0, 500) });
  };

  const tmp = mkdtempSync(join(tmpdir(), 'greenlight-bench-peers-'));
  try {
    try {
      const r = await runProgram(dir, 'langgraph-cycle.mjs', [join(tmp, 'checkpoints.sqlite'), String(seqMs), String(conMs), String(PEER_CONCURRENCY)], seqMs + conMs + 60_000);
      add(
        figures('LangGraph', r),
        'invoke → interrupt → resume (Command) → getState, SqliteSaver, in process',
        `@langchain/langgraph ${PEER_PACKAGES['@langchain/langgraph']}, checkpoint-sqlite ${PEER_PACKAGES['@langchain/langgraph-checkpoint-sqlite']}`,
      );
    } catch (e) {
      fail('LangGraph', e);
    }
    try {
      const modules = await buildAgent(dir);
      const port = await freePort();
      const server = await startWorkerd({
        port,
        dir: join(tmp, 'agents'),
        entry: 'agents-peer',
        extensions: [EMAIL_EXTENSION],
        services: [
          {
            worker: {
              name: 'agents-peer',
              modules: modules.map((m) => ({ name: m, path: join(dir, 'build', m) })),
              compatibilityDate: COMPAT_DATE,
              compatibilityFlags: ['nodejs_compat'],
              bindings: [{ name: 'Approvals', durableObjectNamespace: 'Approvals' }],
              durableObjects: [{ className: 'Approvals', uniqueKey: 'agents-peer-Approvals' }],
              storage: 'do',
            },
          },
          { disk: { name: 'do', path: join(tmp, 'agents', 'do'), writable: true } },
        ],
      });
      try {
        const r = await runProgram(dir, 'agents-cycle.mjs', [`127.0.0.1:${port}`, String(seqMs), String(conMs), String(PEER_CONCURRENCY)], seqMs + conMs + 60_000);
        add(figures('Agents SDK', r), 'requestApproval → decide → agent notified, @callable over AgentClient’s WebSocket, bare workerd', `agents ${PEER_PACKAGES.agents}`);
      } finally {
        await server.stop();
      }
    } catch (e) {
      fail('Agents SDK', e);
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return { rows, peers };
}
