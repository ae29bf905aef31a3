/** Task-wide actions: approve every open approval at once (all or nothing), and cancel the task. */
import { useContext, useState } from 'preact/hooks';
import type { Approval, DecideResult, TaskView } from '@greenlight/core';
import type { GreenlightError } from '@greenlight/sdk';
import { asError, type Client } from '../client.ts';
import { approvableBy } from '../facts.ts';
import { ViewerContext } from '../viewer.ts';
import { ErrorBox } from './ErrorBox.tsx';

/** onDecided gets the answers of "approve all" (each with its step after); onChanged reads the task again after a cancel. */
type Props = { client: Client; task: TaskView; approvals: Approval[]; onDecided: (answers: DecideResult[]) => void; onChanged: () => void };

export function TaskActions({ client, task, approvals, onDecided, onChanged }: Props) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<GreenlightError | undefined>(undefined);
  const [cancelling, setCancelling] = useState(false);
  const [reason, setReason] = useState('');
  // Questions need an answer each, and what this reviewer created or already approved is
  // not theirs to approve: "approve all" sends only what the core says they may approve.
  const approvable = approvableBy(useContext(ViewerContext), approvals);

  /** Run `action`, then hand its answer to `done`; a failure shows in the error box. */
  const run = async <T,>(action: () => Promise<T>, done: (answer: T) => void) => {
    setBusy(true);
    setError(undefined);
    try {
      const answer = await action();
      setCancelling(false);
      done(answer);
    } catch (err) {
      setError(asError(err));
    } finally {
      setBusy(false);
    }
  };
  const approveAll = () =>
    run(
      () => client.approvals.decideMany.mutate({ items: approvable.map((a) => ({ approvalId: a.approvalId, decision: 'approve', paramsHash: a.paramsHash })) }),
      (answer) => onDecided(answer.items),
    );
  const cancel = () => run(() => client.tasks.cancel.mutate({ taskId: task.id, ...(reason.trim() ? { reason: reason.trim() } : {}) }), () => onChanged());

  if (task.status !== 'active') return null;
  return (
    <div class="task-actions">
      <div class="buttons">
        <button type="button" class="tone-go" disabled={busy || approvable.length === 0} onClick={() => void approveAll()}>
          Approve all ({approvable.length})
        </button>
        {!cancelling && (
          <button type="button" class="tone-stop" disabled={busy} onClick={() => setCancelling(true)}>
            Cancel task
          </button>
        )}
      </div>
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
