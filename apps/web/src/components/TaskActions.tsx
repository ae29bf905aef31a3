/**
 * Task-wide actions: approve every open approval at once (all or nothing), and cancel
 * the task. "Approve all" holds its batch for the undo window like any decision, and
 * never includes a high-risk or N-of-M step unless the reviewer confirms those steps,
 * listed by name, in a second, separate step (issue 16 item 1).
 */
import { needsPasskey } from '../passkey.ts';
import { useContext, useState } from 'preact/hooks';
import { revealHidden, type Approval, type TaskView } from '@greenlight/core';
import type { GreenlightError } from '@greenlight/sdk';
import { asError, type Client } from '../client.ts';
import { approvableBy, confirmReasons } from '../facts.ts';
import { useHoldStore, useHolds } from '../hooks/useHolds.ts';
import { ViewerContext } from '../viewer.ts';
import { ErrorBox } from './ErrorBox.tsx';

/** onChanged reads the task again after a cancel; a sent batch reaches the page through the hold store. */
type Props = { client: Client; task: TaskView; approvals: Approval[]; onChanged: () => void };

const steps = (n: number): string => (n === 1 ? '1 step' : `${n} steps`);

export function TaskActions({ client, task, approvals, onChanged }: Props) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<GreenlightError | undefined>(undefined);
  const [cancelling, setCancelling] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const [reason, setReason] = useState('');
  const store = useHoldStore();
  const holds = useHolds();
  // Questions need an answer each, and what this reviewer created or already approved is
  // not theirs to approve: "approve all" sends only what the core says they may approve,
  // and nothing that is already held.
  const held = (id: string) => holds.some((h) => h.state !== 'failed' && h.approvalIds.includes(id));
  // A step that needs a passkey is decided on its own (its assertion is bound to it): left out, and named.
  const mayApprove = approvableBy(useContext(ViewerContext), approvals).filter((a) => !held(a.approvalId));
  const stepUp = mayApprove.filter(needsPasskey);
  const approvable = mayApprove.filter((a) => !needsPasskey(a));
  const flagged = approvable.filter((a) => confirmReasons(a).length > 0);
  const routine = approvable.filter((a) => confirmReasons(a).length === 0);

  /** Holds one decideMany over `batch`; `confirmed` are the flagged ones the reviewer named. */
  const approveBatch = (batch: Approval[], confirmed: Approval[]) => {
    setConfirming(false);
    if (batch.length === 0) return;
    const items = batch.map((a) => ({ approvalId: a.approvalId, decision: 'approve' as const, paramsHash: a.paramsHash }));
    store.hold({
      decision: 'approve',
      subject: batch.length === 1 ? `“${revealHidden(batch[0]!.title)}”` : steps(batch.length),
      approvalIds: batch.map((a) => a.approvalId),
      // The server refuses a batch holding a flagged step that is not in `confirm` (h/review).
      send: async (idempotencyKey) => (await client.approvals.decideMany.mutate({ items, idempotencyKey, ...(confirmed.length > 0 ? { confirm: confirmed.map((a) => a.approvalId) } : {}) })).items,
    });
  };
  const approveAll = () => (flagged.length > 0 ? setConfirming(true) : approveBatch(routine, []));

  const close = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await client.tasks.close.mutate({ taskId: task.id });
      onChanged();
    } catch (err) {
      setError(asError(err));
    } finally {
      setBusy(false);
    }
  };
  const cancel = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await client.tasks.cancel.mutate({ taskId: task.id, ...(reason.trim() ? { reason: reason.trim() } : {}) });
      setCancelling(false);
      onChanged();
    } catch (err) {
      setError(asError(err));
    } finally {
      setBusy(false);
    }
  };

  if (task.status !== 'active') return null;
  return (
    <div class="task-actions">
      <div class="buttons">
        <button type="button" class="tone-go" disabled={busy || approvable.length === 0 || confirming} onClick={approveAll} aria-expanded={flagged.length > 0 ? confirming : undefined}>
          Approve all ({approvable.length}){flagged.length > 0 ? '…' : ''}
        </button>
        {task.open && (
          // Ends the session: steps already there run their course; the agent can append no more.
          <button type="button" class="end-session" disabled={busy} onClick={() => void close()}>
            End session
          </button>
        )}
        {!cancelling && (
          <button type="button" class="tone-stop" disabled={busy} onClick={() => setCancelling(true)}>
            Cancel task
          </button>
        )}
      </div>
      {stepUp.length > 0 && <p class="small muted stepup-left-out">Left out of “approve all”, each needs your passkey on its own: {stepUp.map((a) => a.stepKey).join(', ')}.</p>}
      {confirming && flagged.length > 0 && (
        <div class="confirm-all" role="group" aria-labelledby="confirm-all-title">
          <p id="confirm-all-title">
            <strong>
              {flagged.length === 1 ? '1 step needs' : `${flagged.length} steps need`} your explicit confirmation before “approve all” may include {flagged.length === 1 ? 'it' : 'them'}:
            </strong>
          </p>
          <ul>
            {flagged.map((a) => (
              <li key={a.approvalId} data-approval-id={a.approvalId}>
                <code>{a.stepKey}</code> {revealHidden(a.title)} <span class="muted">({confirmReasons(a).join(', ')})</span>
              </li>
            ))}
          </ul>
          <div class="buttons">
            <button type="button" class="tone-stop confirm-flagged" onClick={() => approveBatch(approvable, flagged)}>
              Approve all {approvable.length}, including {flagged.length === 1 ? 'this one' : `these ${flagged.length}`}
            </button>
            {routine.length > 0 && (
              <button type="button" class="tone-go" onClick={() => approveBatch(routine, [])}>
                Approve only the other {steps(routine.length)}
              </button>
            )}
            <button type="button" onClick={() => setConfirming(false)}>
              Back
            </button>
          </div>
        </div>
      )}
      {cancelling && (
        <form
          class="cancel-form"
          onSubmit={(e) => {
            e.preventDefault();
            void cancel();
          }}
        >
          <input aria-label="Reason" placeholder="Reason (optional)" value={reason} onInput={(e) => setReason(e.currentTarget.value)} />
          <button type="submit" class="tone-stop" disabled={busy}>
            Confirm cancel
          </button>
          <button type="button" disabled={busy} onClick={() => setCancelling(false)}>
            Keep running
          </button>
        </form>
      )}
      <ErrorBox error={error} onReload={onChanged} onDismiss={() => setError(undefined)} />
    </div>
  );
}
