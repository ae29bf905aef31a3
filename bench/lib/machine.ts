/**
 * The machine's floor (issue 17 item 1): a minimal Worker + SQLite Durable Object
 * (bench/machine/floor-worker.ts) on bare workerd, started once per run and sampled
 * between suites, so that every Greenlight figure can be read against what the runtime
 * itself does on this machine at that time, not only against Greenlight's own bare routes.
 *
 * A row names its floor as a shape (`MachineShape`): so many sequential calls and
 * writes, or 32-way writes on one object or on 32. Sequential shapes are priced from
 * independent draws of the sampled single calls (the sum of p50s would understate p99).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { transformSync } from 'esbuild';
import { freePort, ROOT_DIR } from '../../scripts/local.ts';
import { startWorkerd, type WorkerdServer } from '../../scripts/workerd.ts';
import { request } from './client.ts';
import { sampleInTurns, summarize, throughput, type Summary } from './stats.ts';

const COMPAT_DATE = '2026-10-01';

/**
 * What a figure is compared with on bare workerd: `writes` + `pings` calls in a row, or
 * 32 clients writing to one object or 32 (`per`: calls per unit of the figure, e.g. a
 * cycle of 8 calls compares with writes/s divided by 8).
 */
export type MachineShape = { writes: number; pings: number } | { rps: 'one' | 'many'; per?: number };
export type MachineFigure = { label: string; p50?: number; p99?: number; rps?: number };

export type Machine = {
  url: string;
  startMs: number;
  ping: () => Promise<unknown>;
  write: (object?: string) => Promise<unknown>;
  /** Sample single calls and 32-way writes for about `ms`; pooled over the run. */
  sample: (ms: number) => Promise<void>;
  /** The floor for a shape from everything sampled so far. */
  floor: (shape: MachineShape) => MachineFigure | undefined;
  /** Pooled single-call figures, for the report's header. */
  summary: () => { ping: Summary; write: Summary; rpsOne: number; rpsMany: number };
  stop: () => Promise<void>;
};

const CLIENTS = 32;

/** Start the floor Worker on bare workerd in a temporary directory. */
export async function startMachine(): Promise<Machine> {
  const dir = mkdtempSync(join(tmpdir(), 'greenlight-bench-machine-'));
  const source = join(ROOT_DIR, 'bench', 'machine', 'floor-worker.ts');
  const js = join(dir, 'floor-worker.js');
  writeFileSync(js, transformSync(readFileSync(source, 'utf8'), { loader: 'ts', format: 'esm', target: 'es2023' }).code);
  const port = await freePort();
  const started = performance.now();
  let server: WorkerdServer;
  try {
    server = await startWorkerd({
      port,
      dir,
      entry: 'floor',
      services: [
        {
          worker: {
            name: 'floor',
            modules: [{ name: 'floor-worker.js', path: js }],
            compatibilityDate: COMPAT_DATE,
            compatibilityFlags: ['nodejs_compat'],
            bindings: [{ name: 'FLOOR', durableObjectNamespace: 'Floor' }],
            durableObjects: [{ className: 'Floor', uniqueKey: 'floor-Floor' }],
            storage: 'do',
          },
        },
        { disk: { name: 'do', path: join(dir, 'do'), writable: true } },
      ],
    });
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  const startMs = performance.now() - started;
  const url = server.url;
  const ping = () => request(`${url}/ping`, { method: 'POST' });
  const write = (object = 'floor') => request(`${url}/write`, { method: 'POST', headers: { 'x-object': object } });
  const pings: number[] = [];
  const writes: number[] = [];
  const one = { done: 0, ms: 0 };
  const many = { done: 0, ms: 0 };
  const rate = (t: { done: number; ms: number }) => (t.ms ? (t.done / t.ms) * 1000 : Number.NaN);

  const sample = async (ms: number) => {
    const [p, w] = await sampleInTurns([ping, () => write()], { count: 400, maxMs: ms / 2, warmup: 3 });
    pings.push(...p!);
    writes.push(...w!);
    for (const [tally, object] of [
      [one, () => 'floor'],
      [many, (c: number) => `floor-${c}`],
    ] as const) {
      const r = await throughput(CLIENTS, ms / 4, async (c) => (await write(object(c)), true));
      tally.done += r.done;
      tally.ms += r.ms;
    }
  };

  /** Sums of independent draws: the distribution of `writes` + `pings` calls made one after another. */
  const sequence = (nWrites: number, nPings: number): Summary => {
    const draws = 2_000;
    const sums: number[] = [];
    const pick = (xs: number[]) => xs[Math.floor(Math.random() * xs.length)]!;
    for (let i = 0; i < draws; i++) {
      let t = 0;
      for (let k = 0; k < nWrites; k++) t += pick(writes);
      for (let k = 0; k < nPings; k++) t += pick(pings);
      sums.push(t);
    }
    return summarize(sums);
  };

  return {
    url,
    startMs,
    ping,
    write,
    sample,
    floor(shape) {
      if ('rps' in shape) {
        const r = rate(shape.rps === 'one' ? one : many) / (shape.per ?? 1);
        const per = shape.per && shape.per > 1 ? ` ÷ ${shape.per} calls` : '';
        return Number.isNaN(r) ? undefined : { label: `bare workerd, ${CLIENTS} clients writing, ${shape.rps === 'one' ? '1 object' : `${CLIENTS} objects`}${per}`, rps: r };
      }
      if (writes.length === 0 || (shape.writes === 0 && shape.pings === 0)) return undefined;
      const s = sequence(shape.writes, shape.pings);
      const parts = [shape.writes ? `${shape.writes} write${shape.writes > 1 ? 's' : ''}` : '', shape.pings ? `${shape.pings} call${shape.pings > 1 ? 's' : ''}` : ''].filter(Boolean);
      return { label: `bare workerd: ${parts.join(' + ')}`, p50: s.p50, p99: s.p99 };
    },
    summary: () => ({ ping: summarize(pings), write: summarize(writes), rpsOne: rate(one), rpsMany: rate(many) }),
    async stop() {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
