/**
 * One step of a plan: its state, what it waits for, what it would do, how it was
 * decided and what came of it; the decision controls while its approval is open.
 */
import { decidersText, isTerminalStep, revealHidden, type Approval, type Step, type StepStatus } from '@greenlight/core';
import type { Client } from '../client.ts';
import { peopleText } from '../facts.ts';
import { label, time, usageText } from '../format.ts';
import { useScrollIntoView } from '../hooks/useSelection.ts';
import { WaitingLine } from './AgentContext.tsx';
import { ApprovalPanel } from './ApprovalPanel.tsx';
import { Output } from './Output.tsx';
import { StatusBadge } from './StatusBadge.tsx';
import { StepPreview } from './StepPreview.tsx';

type Props = {
  client: Client;
  step: Step;
  stage: number;
  statusOf: (key: string) => StepStatus | undefined;
  approval: Approval | undefined;
  /** The task's metadata: the host and how long its agent waits. */
  taskMetadata?: Record<string, unknown> | undefined;
  selected: boolean;
  onSelect: () => void;
  onReload: () => void;
};

function Outcome({ step }: { step: Step }) {
  const d = step.decision;
  const r = step.result;
  return (
    <>
      {d && (
        <div class="outcome small">
          {d.decision === 'policy' ? (
            <>
              {step.status === 'rejected' ? 'Denied' : 'Allowed'} by policy
              {d.rule && (
                <>
                  {' '}
                  (rule <code>{d.rule}</code>)
                </>
              )}
              {peopleText(d)}
            </>
          ) : (
            <>
              <strong>{label(d.decision)}</strong> by {decidersText(d)}
              {d.rule && (
                <>
                  {' '}
                  · rule <code>{d.rule}</code>
                </>
              )}
            </>
          )}{' '}
          · {time(d.at)}
          {d.reason && <div>Reason: {d.reason}</div>}
          {d.feedback && <div>Feedback: {d.feedback}</div>}
          {d.answer && <div>Answer: {d.answer}</div>}
        </div>
      )}
      {r?.error && (
        <div class="outcome failed small">
          Error{r.error.code ? ` (${r.error.code})` : ''}: {r.error.message}
        </div>
      )}
      {r?.output !== undefined && step.kind !== 'clarify' && <Output output={r.output} stepKey={step.key} />}
      {r?.usage && <div class="muted small">Usage: {usageText(r.usage)}</div>}
    </>
  );
}

export function StepItem({ client, step, stage, statusOf, approval, taskMetadata, selected, onSelect, onReload }: Props) {
  const ref = useScrollIntoView<HTMLElement>(selected);
  const done = isTerminalStep(step.status);
  return (
    <article
      ref={ref}
      class={`card step${approval ? ' approval' : ''}${selected ? ' selected' : ''}`}
      aria-current={selected ? 'true' : undefined}
      data-step-key={step.key}
      data-status={step.status}
      data-kind={step.kind}
      {...(approval ? { 'data-approval-id': approval.approvalId, onFocusIn: onSelect, onClick: onSelect } : {})}
    >
      <header class="card-head">
        <span class="stage" title="Steps in the same stage may run in parallel">
          <span class="sr-only">Stage </span>
          {stage}
        </span>
        <strong class="step-title">{revealHidden(step.title)}</strong>
        <StatusBadge status={step.status} />
        <span class="muted small">
          <code>{step.key}</code> · {label(step.kind)}
          {step.revision > 1 && ` · rev ${step.revision}`}
          {step.attempt > 1 && ` · attempt ${step.attempt}`}
        </span>
        {/* The server's risk (the policy's, which the agent's declared risk can only raise), with its reason. */}
        <span class={`badge risk-${step.policy.risk.level}`} title={step.policy.risk.reason}>
          {step.policy.risk.level} risk
        </span>
      </header>
      {step.dependsOn.length > 0 && (
        <div class="deps small">
          after{' '}
          {step.dependsOn.map((k) => (
            <span key={k} class={`dep status-${statusOf(k) ?? 'unknown'}`}>
              {k} <span class="dep-status">{label(statusOf(k) ?? 'unknown')}</span>
            </span>
          ))}
        </div>
      )}
      {step.explanation && <p class="explanation">{step.explanation}</p>}
      {step.status === 'awaiting_approval' && step.approval && (
        <WaitingLine waitUntil={step.waitUntil} requestedAt={step.approval.requestedAt} context={step.context} metadata={taskMetadata} stepMetadata={step.metadata} />
      )}
      <details class="what" open={!done || step.kind === 'edit_file'}>
        <summary class="small muted">
          {done ? 'what it did' : 'what it does'}
          {step.startedAt !== undefined && ` · started ${time(step.startedAt)}`}
          {step.completedAt !== undefined && ` · finished ${time(step.completedAt)}`}
        </summary>
        <StepPreview kind={step.kind} params={step.params} />
      </details>
      <Outcome step={step} />
      {approval && <ApprovalPanel client={client} approval={approval} selected={selected} onReload={onReload} />}
    </article>
  );
}
