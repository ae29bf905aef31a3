/**
 * A held decision where it was made (the card): what is being decided, the seconds left,
 * Undo and Send now; once sent, what the server did; if sending failed, why.
 */
import { asError } from '../client.ts';
import { holdingText, sentText } from '../decision-words.ts';
import { secondsLeft, useHoldStore, useNow, type PageHold } from '../hooks/useHolds.ts';
import { ErrorBox } from './ErrorBox.tsx';

export function HeldNote({ hold, onReload }: { hold: PageHold; onReload?: () => void }) {
  const store = useHoldStore();
  const now = useNow(hold.state === 'held');
  if (hold.state === 'failed') {
    return <ErrorBox error={asError(hold.error)} onReload={onReload ? () => (store.forget(hold.id), onReload()) : undefined} onDismiss={() => store.forget(hold.id)} />;
  }
  if (hold.state === 'sent') {
    return <div class="sent">{sentText(hold.subject, hold.answer ?? [])}</div>;
  }
  return (
    // Not a live region: the hold bar announces each decision once for the whole page.
    <div class="held" data-hold-state={hold.state}>
      <span>
        {holdingText(hold.decision, hold.subject)}
        {hold.state === 'held' ? ` in ${secondsLeft(hold.dueAt, now)} s.` : '…'}
      </span>
      {hold.state === 'held' && (
        <span class="held-actions">
          <button type="button" class="undo" onClick={() => store.undo(hold.id)}>
            Undo
          </button>
          <button type="button" class="link" onClick={() => void store.sendNow(hold.id)}>
            Send now
          </button>
        </span>
      )}
    </div>
  );
}
