/** The task's audit log, newest first, as it grows; the part not read yet is a "Show more" in its place (timeline.ts). */
import { eventNote, type Event } from '@greenlight/core';
import { label, time } from '../format.ts';

type Props = { newer: Event[]; gap: boolean; older: Event[]; keyOf: (stepId: string) => string | undefined; onMore: () => void; loadingMore: boolean };

function Item({ e, keyOf }: { e: Event; keyOf: Props['keyOf'] }) {
  const note = eventNote(e);
  return (
    <li data-type={e.type}>
      <time dateTime={new Date(e.at).toISOString()}>{time(e.at)}</time>
      <span class="etype">{label(e.type)}</span>
      {e.stepId && <code>{keyOf(e.stepId) ?? e.stepId}</code>}
      <span class="actor">{e.actor}</span>
      {note && <div class="edetail">{note}</div>}
    </li>
  );
}

export function Timeline({ newer, gap, older, keyOf, onMore, loadingMore }: Props) {
  return (
    <ol class="timeline" aria-label="Event timeline">
      {newer.map((e) => (
        <Item key={e.seq} e={e} keyOf={keyOf} />
      ))}
      {gap && (
        <li class="gap">
          <button type="button" onClick={onMore} disabled={loadingMore}>
            {loadingMore ? 'Reading…' : 'Show more events'}
          </button>
        </li>
      )}
      {older.map((e) => (
        <Item key={e.seq} e={e} keyOf={keyOf} />
      ))}
    </ol>
  );
}
