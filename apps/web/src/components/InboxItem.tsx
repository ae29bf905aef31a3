/** One open approval in the inbox: which task and step, what it would do, and the decision controls. */
import { revealHidden, type Approval } from '@greenlight/core';
import type { Client } from '../client.ts';
import { label, time } from '../format.ts';
import { useScrollIntoView } from '../hooks/useSelection.ts';
import { taskHref } from '../route.ts';
import { AgentContextLine, WaitingLine } from './AgentContext.tsx';
import { ApprovalPanel } from './ApprovalPanel.tsx';
import { StepPreview } from './StepPreview.tsx';

type Props = { client: Client; approval: Approval; selected: boolean; onSelect: () => void; onReload: () => void };

export function InboxItem({ client, approval: a, selected, onSelect, onReload }: Props) {
  const ref = useScrollIntoView<HTMLElement>(selected);
  return (
    <article
      ref={ref}
      class={`card approval${selected ? ' selected' : ''}`}
      aria-current={selected ? 'true' : undefined}
      data-approval-id={a.approvalId}
      data-kind={a.kind}
      onFocusIn={onSelect}
      onClick={onSelect}
    >
      <header class="card-head">
        <a class="task-link" href={taskHref(a.taskId)}>
          {a.taskTitle}
        </a>
        <span class="muted small">
          {a.stepKey} · {label(a.kind)} · by {a.createdBy} · {time(a.requestedAt)}
        </span>
        <span class={`badge risk-${a.risk.level}`} title={a.risk.reason}>
          {a.risk.level} risk
        </span>
      </header>
      <h2 class="approval-title">{revealHidden(a.title)}</h2>
      <AgentContextLine context={a.context} />
      {a.explanation && <p class="explanation">{a.explanation}</p>}
      <WaitingLine waitUntil={a.waitUntil} requestedAt={a.requestedAt} context={a.context} />
      <StepPreview kind={a.kind} params={a.params} />
      <ApprovalPanel client={client} approval={a} selected={selected} onReload={onReload} />
    </article>
  );
}
