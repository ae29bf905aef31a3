/**
 * The bench's output: one row per figure with its floor from the same run, printed as
 * a Markdown table (pasteable into the README) and kept whole in bench/results/latest.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { MachineFigure, MachineShape } from './machine.ts';

export type Mode = 'serve' | 'miniflare' | 'dev' | 'peers';
export const MODE_LABEL: Record<Mode, string> = { serve: 'serve', miniflare: 'Miniflare', dev: 'wrangler dev', peers: 'peer' };

export type Figure = { p50?: number; p99?: number; rps?: number };

export type Row = {
  mode: Mode;
  name: string;
  figure: Figure;
  floor: Figure & { label: string };
  /** figure / floor: p50 over p50 for latencies, req/s over req/s for throughput. */
  ratio?: number;
  target: string;
  /** undefined: shown for information, no target. */
  pass?: boolean;
  /** On a miss, by how much (printed in the result column): "0.13x", "4.2 ms", "12 workspaces". */
  missedBy?: string;
  note?: string;
  /** What this figure costs at least on bare workerd (the machine's floor, lib/machine.ts); priced by the runner unless the suite sampled it itself. */
  machine?: MachineShape;
  machineFloor?: MachineFigure;
  /** figure / machine floor, as `ratio`. */
  machineRatio?: number;
};

const ms = (v: number | undefined) => (v === undefined || Number.isNaN(v) ? '' : v < 10 ? v.toFixed(2) : v.toFixed(1));
const rps = (v: number | undefined) => (v === undefined ? '' : v.toFixed(0));
const ratio = (v: number | undefined) => (v === undefined || !Number.isFinite(v) ? '' : `${v.toFixed(2)}x`);
const result = (r: Row) => (r.pass === undefined ? 'info' : r.pass ? 'pass' : r.missedBy ? `**miss** by ${r.missedBy}` : '**miss**');

function floorText(f: Row['floor']): string {
  const v = f.rps !== undefined ? `${rps(f.rps)}/s` : f.p50 !== undefined ? `${ms(f.p50)} / ${ms(f.p99)}` : '';
  return v ? `${f.label}: ${v}` : f.label;
}

/** The ratio of a figure to a floor: p50 over p50 for latencies, req/s over req/s for throughput. */
export function ratioOf(figure: Figure, floor: Figure | undefined): number | undefined {
  if (!floor) return undefined;
  if (figure.rps !== undefined && floor.rps !== undefined) return figure.rps / floor.rps;
  if (figure.p50 !== undefined && floor.p50 !== undefined) return figure.p50 / floor.p50;
  return undefined;
}

export function table(rows: Row[]): string {
  const head = ['mode', 'measurement', 'p50 ms', 'p99 ms', 'req/s', 'floor in this mode (p50 / p99 ms, or req/s)', 'ratio', 'machine floor: bare workerd', 'x machine', 'target', 'result'];
  const lines = [
    `| ${head.join(' | ')} |`,
    `|${head.map((h) => (['p50 ms', 'p99 ms', 'req/s', 'ratio', 'x machine'].includes(h) ? '---:' : '---')).join('|')}|`,
    ...rows.map(
      (r) =>
        `| ${[MODE_LABEL[r.mode], r.name, ms(r.figure.p50), ms(r.figure.p99), rps(r.figure.rps), floorText(r.floor), ratio(r.ratio), r.machineFloor ? floorText(r.machineFloor) : '', ratio(r.machineRatio), r.target, result(r)].join(' | ')} |`,
    ),
  ];
  return lines.join('\n');
}

export function writeJson(path: string, value: unknown): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`);
}
