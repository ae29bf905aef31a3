/**
 * The history view's filters: the URL's strings (route.ts) checked into `history.list`'s
 * input, and times between the URL (epoch ms) and a `datetime-local` field (the
 * reviewer's local time). Pure: history.test.ts.
 */
import { ListHistoryInput } from '@greenlight/core';
import type { GreenlightError } from '@greenlight/sdk';
import { localError } from './client.ts';
import type { HistoryQuery } from './route.ts';

/** history.list's filters (core's ListHistoryInput without the paging). */
export type HistoryFilters = Omit<ListHistoryInput, 'cursor' | 'limit'>;

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
  const raw = {
    ...(q.task ? { taskId: q.task } : {}),
    ...(q.agent ? { agent: q.agent } : {}),
    ...(q.decider ? { decider: q.decider } : {}),
    ...(q.decision ? { decision: q.decision } : {}),
    ...(q.status ? { status: q.status } : {}),
    ...(q.risk ? { risk: q.risk } : {}),
    ...(since !== undefined ? { since } : {}),
    ...(until !== undefined ? { until } : {}),
  };
  // Checked by the schema the server checks with: a hand-edited URL gets the same words.
  const parsed = ListHistoryInput.safeParse(raw);
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    return { ok: false, error: localError(`The filter ${String(i?.path[0] ?? '')} is not one the history knows: ${i?.message ?? 'invalid'}.`) };
  }
  const { limit: _limit, cursor: _cursor, ...value } = parsed.data;
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
