/**
 * Every held decision of the page in one bar at the foot of the screen, whichever view
 * is open: what it decides, the seconds left, Undo and Send now; then what was decided,
 * or why it could not be sent. A polite live region, so a screen reader hears each
 * decision once as it changes, not every second of the countdown.
 */
import { errorText } from '../errors.ts';
import { asError } from '../client.ts';
import { holdingText, sentText } from '../decision-words.ts';
import { secondsLeft, useHoldStore, useHolds, useNow, type PageHold } from '../hooks/useHolds.ts';

function Line({ hold, now }: { hold: PageHold; now: number }) {
  const store = useHoldStore();
  switch (hold.state) {
    case 'held':
      return (
        <>
          <span class="hold-text">
            {holdingText(hold.decision, hold.subject)} <span aria-hidden="true">in {secondsLeft(hold.dueAt, now)} s</span>
          </span>
          <button type="button" class="undo" onClick={() => store.undo(hold.id)}>
            Undo
          </button>
          <button type="button" class="link" onClick={() => void store.sendNow(hold.id)}>
            Send now
          </button>
        </>
      );
    case 'sending':
      return <span class="hold-text">{holdingText(hold.decision, hold.subject)}…</span>;
    case 'sent':
      return <span class="hold-text">{sentText(hold.subject, hold.answer ?? [])}</span>;
    case 'failed': {
      const text = errorText(asError(hold.error));
      return (
        <>
          <span class="hold-text failed">
            Not sent: {holdingText(hold.decision, hold.subject).toLowerCase()}. {text.lead}
          </span>
          <button type="button" class="link" onClick={() => store.forget(hold.id)}>
            Dismiss
          </button>
        </>
      );
    }
  }
}

export function HoldBar() {
  const holds = useHolds();
  const now = useNow(holds.some((h) => h.state === 'held'));
  return (
    <aside class="hold-bar" aria-label="Decisions being sent" hidden={holds.length === 0}>
      <ul aria-live="polite">
        {holds.map((h) => (
          <li key={h.id} data-hold-state={h.state}>
            <Line hold={h} now={now} />
          </li>
        ))}
      </ul>
    </aside>
  );
}
