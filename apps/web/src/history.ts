/**
 * The history view's filters: the URL's strings (route.ts) checked into `history.list`'s
 * input, and times between the URL (epoch ms) and a `datetime-local` field (the
 * reviewer's local time). Pure: history.test.ts.
 */
import type { GreenlightError } from '@greenlight/sdk';
import { localError } from './client.ts';
import type { HistoryQuery } from './route.ts';

export type HistoryFilters = {
  taskId?: string;
  agent?: string;
  decider?: string;
  decision?: string;
  status?: string;
  risk?: string;
  since?: number;
  until?: number;
};

const ms = (v: string | undefined): number | undefined | null => {
  if (v === undefined) return undefined;
  const n = Number(v);
  return Number.isSafeInteger(n) && n >= 0 ? n : null;
};

/** The query as history.list's filters, or why it cannot be (a time that is not a time). */
export function historyInput(q: HistoryQuery): { ok: true; value: HistoryFilters } | { ok: false; error: GreenlightError } {
  const since = ms(q.since);
  const until = ms(q.until);
  if (since === null || until === null) return { ok: false, error: localError('A time in the filters is not a time: pick it again.') };
  if (since !== undefined && until !== undefined && since >= until) return { ok: false, error: localError('“From” must be before “Until”.') };
  const value: HistoryFilters = {};
  if (q.task) value.taskId = q.task;
  if (q.agent) value.agent = q.agent;
  if (q.decider) value.decider = q.decider;
  if (q.decision) value.decision = q.decision;
  if (q.status) value.status = q.status;
  if (q.risk) value.risk = q.risk;
  if (since !== undefined) value.since = since;
  if (until !== undefined) value.until = until;
  return { ok: true, value };
}

const pad = (n: number) => String(n).padStart(2, '0');

/** Epoch ms (as the URL has it) as a `datetime-local` value in local time; '' for none. */
export function toLocalInput(v: string | undefined): string {
  const n = ms(v);
  if (n === undefined || n === null) return '';
  const d = new Date(n);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** A `datetime-local` value (local time) as epoch ms for the URL; undefined for an empty field. */
export function fromLocalInput(v: string): string | undefined {
  if (!v) return undefined;
  const t = new Date(v).getTime();
  return Number.isFinite(t) ? String(t) : undefined;
}
