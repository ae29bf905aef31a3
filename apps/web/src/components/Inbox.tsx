/**
 * The inbox: every open approval of the workspace, oldest first. It follows the
 * live stream from the workspace's last event and reloads on any task, step or
 * approval event; nothing polls.
 */
import { LIMITS } from '@greenlight/core';
import { inboxAfter } from '../decided.ts';
import type { Client } from '../client.ts';
import { useDecided, useHolds } from '../hooks/useHolds.ts';
import { useLive } from '../hooks/useLive.ts';
import { useReload } from '../hooks/useReload.ts';
import { useSelection } from '../hooks/useSelection.ts';
import { useShortcuts } from '../hooks/useShortcuts.ts';
import { useTitle } from '../hooks/useTitle.ts';
import { taskHref } from '../route.ts';
import { ErrorBox } from './ErrorBox.tsx';
import { InboxItem } from './InboxItem.tsx';
import { LiveDot } from './LiveDot.tsx';

const RELEVANT = /^(approval|step|task)\./;

export function Inbox({ client }: { client: Client }) {
  const { data, error, reload, patch } = useReload(() => client.approvals.list.query({ limit: LIMITS.pageSize }));
  const live = useLive(client, {
    // Resume after the newest event: the list just loaded already reflects the past.
    start: async () => ({ after: (await client.workspaces.get.query()).counts.events }),
    onEvent: (e) => {
      if (RELEVANT.test(e.type)) reload();
    },
    onReady: reload,
  });
  // A sent decision's answer updates the list at once (the live stream brings the rest).
  useDecided((answers) => patch((page) => answers.reduce(inboxAfter, page)));
  const items = data?.items ?? [];
  useTitle(data ? `Inbox (${items.length})` : 'Inbox');
  // Held decisions leave the keyboard's order, so j/k and the next key act on the next approval.
  const holds = useHolds();
  const { selected, select, move } = useSelection(items.flatMap((a) => (holds.some((h) => h.state !== 'failed' && h.approvalIds.includes(a.approvalId)) ? [] : [a.approvalId])));
  useShortcuts({
    j: () => move(1),
    k: () => move(-1),
    o: () => {
      const a = items.find((i) => i.approvalId === selected);
      if (a) window.location.hash = taskHref(a.taskId);
    },
  });

  return (
    <section class="inbox">
      <div class="page-head">
        <h1>
          Open approvals <span class="count">{data ? items.length : '…'}</span>
        </h1>
        <LiveDot state={live} />
      </div>
      <ErrorBox error={error ?? live.error} onReload={reload} />
      {data && items.length === 0 && <p class="empty">Nothing to review. New requests appear here as agents ask.</p>}
      {data?.nextCursor && <p class="muted small">Showing the oldest {items.length}; decide these to see more.</p>}
      {items.map((a) => (
        <InboxItem key={a.approvalId} client={client} approval={a} selected={a.approvalId === selected} onSelect={() => select(a.approvalId)} onReload={reload} />
      ))}
    </section>
  );
}
