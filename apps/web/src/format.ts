/** Small display helpers: times, money, tokens, labels. */
import type { Usage } from '@greenlight/core';

export const label = (s: string): string => s.replaceAll('_', ' ');

export function time(ms: number): string {
  const d = new Date(ms);
  const sameDay = d.toDateString() === new Date().toDateString();
  return sameDay ? d.toLocaleTimeString() : d.toLocaleString();
}

/** "in 4 min" / "2 min ago", for deadlines. */
export function relative(ms: number, now = Date.now()): string {
  const s = Math.round((ms - now) / 1000);
  const abs = Math.abs(s);
  const text = abs < 60 ? `${abs} s` : abs < 3600 ? `${Math.round(abs / 60)} min` : `${Math.round(abs / 3600)} h`;
  return s >= 0 ? `in ${text}` : `${text} ago`;
}

export const tokens = (n: number): string => (n >= 10_000 ? `${(n / 1000).toFixed(1)}k` : String(n));

export const usageText = (u: Usage): string => `${tokens(u.inputTokens)} in · ${tokens(u.outputTokens)} out · $${u.costUsd.toFixed(u.costUsd < 1 ? 4 : 2)}`;

/** A JSON value as readable text: strings as they are, the rest pretty-printed. */
export const show = (v: unknown): string => (typeof v === 'string' ? v : (JSON.stringify(v, null, 2) ?? String(v)));
