/** The task's audit log, newest first, as it grows. */
import type { Event } from '@greenlight/core';
import { label, time } from '../format.ts';

const detail = (d: Record<string, unknown>): string => {
  for (const k of ['feedback', 'answer', 'reason', 'error'] as const) {
    const v = d[k];
    if (typeof v === 'string' && v) return v;
    if (v && typeof v === 'object' && 'message' in v && typeof v.message === 'string') return v.message;
  }
  return '';
};

export function Timeline({ events, keyOf }: { events: Event[]; keyOf: (stepId: string) => string | undefined }) {
  return (
    <ol class="timeline" aria-label="Event timeline">
      {events
        .slice()
        .reverse()
        .map((e) => (
          <li key={e.seq} data-type={e.type}>
            <time dateTime={new Date(e.at).toISOString()}>{time(e.at)}</time>
            <span class="etype">{label(e.type)}</span>
            {e.stepId && <code>{keyOf(e.stepId) ?? e.stepId}</code>}
            <span class="actor">{e.actor}</span>
            {detail(e.data) && <div class="edetail">{detail(e.data)}</div>}
          </li>
        ))}
    </ol>
  );
}
