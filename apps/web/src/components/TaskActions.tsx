/** Task-wide actions: approve every open approval at once (all or nothing), and cancel the task. */
import { useContext, useState } from 'preact/hooks';
import type { Approval, TaskView } from '@greenlight/core';
import type { GreenlightError } from '@greenlight/sdk';
import { asError, type Client } from '../client.ts';
import { approvableBy } from '../facts.ts';
import { ViewerContext } from '../viewer.ts';
import { ErrorBox } from './ErrorBox.tsx';

type Props = { client: Client; task: TaskView; approvals: Approval[]; onChanged: () => void };

export function TaskActions({ client, task, approvals, onChanged }: Props) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<GreenlightError | undefined>(undefined);
  const [cancelling, setCancelling] = useState(false);
  const [reason, setReason] = useState('');
  // Questions need an answer each, and what this reviewer created or already approved is
  // not theirs to approve: "approve all" sends only what the core says they may approve.
  const approvable = approvableBy(useContext(ViewerContext), approvals);

  const run = async (action: () => Promise<unknown>) => {
    setBusy(true);
    setError(undefined);
    try {
      await action();
      setCancelling(false);
      onChanged();
    } catch (err) {
      setError(asError(err));
    } finally {
      setBusy(false);
    }
  };
  const approveAll = () =>
    run(() => client.approvals.decideMany.mutate({ items: approvable.map((a) => ({ approvalId: a.approvalId, decision: 'approve', paramsHash: a.paramsHash })) }));
  const cancel = () => run(() => client.tasks.cancel.mutate({ taskId: task.id, ...(reason.trim() ? { reason: reason.trim() } : {}) }));

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
