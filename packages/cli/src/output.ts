/**
 * Terminal output: colours only on a TTY and never with NO_COLOR (FORCE_COLOR turns
 * them on for pipes), relative ages, and aligned columns.
 */
import { styleText } from 'node:util';

export type Style = Parameters<typeof styleText>[0];

export type Out = {
  /** Write a line to stdout. */
  line: (text?: string) => void;
  /** Write a line to stderr. */
  err: (text: string) => void;
  paint: (style: Style, text: string) => string;
  json: boolean;
};

export function colorEnabled(stream: NodeJS.WriteStream, env: Record<string, string | undefined> = process.env): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR && env.FORCE_COLOR !== '0') return true;
  return stream.isTTY === true;
}

export function createOut(opts: { json: boolean; color?: boolean }): Out {
  const color = opts.color ?? colorEnabled(process.stdout);
  return {
    json: opts.json,
    line: (text = '') => void process.stdout.write(text + '\n'),
    err: (text) => void process.stderr.write(text + '\n'),
    // validateStream: false because the decision was made above, once, for stdout.
    paint: (style, text) => (color ? styleText(style, text, { validateStream: false }) : text),
  };
}

/** `42s`, `5m`, `3h`, `2d`: how long ago `at` was. */
export function age(at: number, now = Date.now()): string {
  const s = Math.max(0, Math.round((now - at) / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86_400)}d`;
}

/** One line, at most `max` characters. */
export function oneLine(text: string, max = 80): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? flat.slice(0, max - 1) + '…' : flat;
}

const ANSI = /\x1b\[[0-9;]*m/g;
const visible = (s: string): number => s.replace(ANSI, '').length;

/** Rows as aligned columns; the last column is not padded. */
export function table(rows: string[][]): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, visible(cell))));
  return rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell + ' '.repeat((widths[i] ?? 0) - visible(cell)))).join('  '));
}

const STATUS_STYLE: Record<string, Style> = {
  awaiting_approval: 'yellow',
  changes_requested: 'magenta',
  approved: 'green',
  executing: 'cyan',
  completed: 'green',
  active: 'cyan',
  failed: 'red',
  rejected: 'red',
  blocked: 'red',
  cancelled: 'gray',
  skipped: 'gray',
  completed_with_errors: 'yellow',
};

export const paintStatus = (out: Out, status: string): string => out.paint(STATUS_STYLE[status] ?? 'white', status);
