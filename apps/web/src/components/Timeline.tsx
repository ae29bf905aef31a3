/** The task's audit log, newest first, as it grows. */
import { eventNote, type Event } from '@greenlight/core';
import { label, time } from '../format.ts';

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
            {eventNote(e) && <div class="edetail">{eventNote(e)}</div>}
          </li>
        ))}
    </ol>
  );
}
