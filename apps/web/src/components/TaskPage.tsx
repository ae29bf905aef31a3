/**
 * A task: its plan as steps with states and dependencies, the open approvals with
 * their controls, task-wide actions, usage and the event timeline. The timeline's
 * first page is read, then the live stream for this task adds to it and reloads the
 * task; older pages come on request (timeline.ts).
 */
import { useContext, useState } from 'preact/hooks';
import { can, revealHidden, type Event, type Step } from '@greenlight/core';
import { GreenlightError } from '@greenlight/sdk';
import type { Client } from '../client.ts';
import { taskAfter, taskApprovalsAfter } from '../decided.ts';
import { label, time, usageText } from '../format.ts';
import { useDecided, useHolds } from '../hooks/useHolds.ts';
import { useLive } from '../hooks/useLive.ts';
import { useReload } from '../hooks/useReload.ts';
import { useSelection } from '../hooks/useSelection.ts';
import { useShortcuts } from '../hooks/useShortcuts.ts';
import { useTitle } from '../hooks/useTitle.ts';
import { INBOX_HREF } from '../route.ts';
import { ViewerContext } from '../viewer.ts';
import { stages } from '../stages.ts';
import { earlierCursor, hiddenSteps, mergeSteps, STEP_PAGE } from '../step-pages.ts';
import { addLive, addPage, emptyTimeline, nextAfter, shown, type TimelineState } from '../timeline.ts';
import { AgentContextLine } from './AgentContext.tsx';
import { ErrorBox } from './ErrorBox.tsx';
import { Grants } from './Grants.tsx';
import { LiveDot } from './LiveDot.tsx';
import { StatusBadge } from './StatusBadge.tsx';
import { StatusLegend } from './StatusLegend.tsx';
import { StepItem } from './StepItem.tsx';
import { TaskActions } from './TaskActions.tsx';
import { Timeline } from './Timeline.tsx';

const PAGE = 200;
/** Events read per "Show more": a long session opens as fast as a short one. */
const EVENTS_PAGE = 100;

export function TaskPage({ client, taskId }: { client: Client; taskId: string }) {
  // One batched request: the task with its newest steps and every waiting one (step-pages.ts), its open approvals (with their options), its grants.
  const { data, error, reload, patch } = useReload(() =>
    Promise.all([client.tasks.get.query({ taskId, steps: { newest: STEP_PAGE } }), client.approvals.list.query({ taskId, limit: PAGE }), client.grants.list.query({ taskId })]),
  );
  // A decision answers with its step: shown at once, no request (the live stream brings the rest).
  useDecided((answers) =>
    patch(([t, open, grants]) => {
      let next = t;
      let approvals = open;
      for (const a of answers) {
        next = taskAfter(next, a);
        approvals = taskApprovalsAfter(approvals, next, a);
      }
      return [next, approvals, grants];
    }),
  );
  const [events, setEvents] = useState<TimelineState<Event>>(() => emptyTimeline(0));
  const [loadingMore, setLoadingMore] = useState(false);
  /** Older steps read with "Show earlier steps" (steps.list, newest first), kept across reloads of the window. */
  const [earlier, setEarlier] = useState<Step[]>([]);
  const [loadingSteps, setLoadingSteps] = useState(false);
  const [stepsError, setStepsError] = useState<GreenlightError | undefined>(undefined);
  /** Reads the next page of the task's past events (up to the head the live stream started at). */
  const readPage = async (state: TimelineState<Event>): Promise<TimelineState<Event>> => {
    const page = await client.events.list.query({ taskId, after: nextAfter(state), limit: EVENTS_PAGE });
    return addPage(state, page.items, page.items.length === EVENTS_PAGE);
  };
  const live = useLive(client, {
    start: async () => {
      // The stream starts at the workspace's newest event; the past is read a page at a time.
      const head = (await client.workspaces.get.query()).counts.events;
      const first = await readPage(emptyTimeline<Event>(head));
      setEvents(first);
      return { after: head, taskId };
    },
    onEvent: (e) => {
      setEvents((prev) => addLive(prev, e));
      reload();
    },
    onReady: reload,
  });
  const more = async () => {
    setLoadingMore(true);
    try {
      const next = await readPage(events);
      setEvents(next);
    } finally {
      setLoadingMore(false);
    }
  };

  const [task, open, grants] = data ?? [undefined, undefined, undefined];
  const viewer = useContext(ViewerContext);
  useTitle(task ? task.title : 'Task');
  const approvals = open?.items ?? [];
  const approvalOf = new Map(approvals.map((a) => [a.stepId, a]));
  const steps = mergeSteps(task?.steps ?? [], earlier);
  /** Reads the page of steps just older than the ones held without a gap. */
  const showEarlier = async () => {
    const cursor = earlierCursor(steps);
    if (cursor === undefined) return;
    setLoadingSteps(true);
    try {
      const page = await client.steps.list.query({ taskId, cursor, order: 'desc', limit: STEP_PAGE });
      setEarlier((prev) => mergeSteps(page.items, prev));
      setStepsError(undefined);
    } catch (err) {
      setStepsError(GreenlightError.from(err));
    } finally {
      setLoadingSteps(false);
    }
  };
  // j/k walk the open approvals in plan order.
  // Held decisions leave the keyboard's order, so j/k and the next key act on the next approval.
  const holds = useHolds();
  const held = (id: string) => holds.some((h) => h.state !== 'failed' && h.approvalIds.includes(id));
  const order = steps.flatMap((s) => approvalOf.get(s.id)?.approvalId ?? []).filter((id) => !held(id));
  const { selected, select, move } = useSelection(order);
  useShortcuts({
    j: () => move(1),
    k: () => move(-1),
    i: () => {
      window.location.hash = INBOX_HREF;
    },
  });

  if (!task) {
    return (
      <section class="task">
        <a href={INBOX_HREF}>← Inbox</a>
        {/* Every view has a top heading, also while loading or when the task is not there. */}
        <h1 class="page-title">
          Task <code>{taskId}</code>
        </h1>
        <ErrorBox error={error} onReload={reload} />
        {!error && <p class="muted">Loading…</p>}
      </section>
    );
  }
  const stageOf = stages(steps);
  // A long session holds its newest steps and every waiting one; older pages come on request (step-pages.ts).
  const total = task.stepsTotal ?? steps.length;
  const hidden = hiddenSteps(task.stepsTotal, steps.length);
  const statusOf = new Map(steps.map((s) => [s.key, s.status]));
  const keyOf = new Map(steps.map((s) => [s.id, s.key]));
  return (
    <section class="task">
      <div class="page-head">
        <a href={INBOX_HREF}>← Inbox</a>
        <LiveDot state={live} />
      </div>
      <header class="card task-head">
        <h1>
          {revealHidden(task.title)} <StatusBadge status={task.status} />
        </h1>
        {task.goal && <p>{task.goal}</p>}
        <AgentContextLine context={steps.findLast((s) => s.context !== undefined)?.context} metadata={task.metadata} />
        {(task.open || task.closed) && (
          <div class="session-state muted">
            {task.open
              ? 'Session open: the agent adds steps as it goes, shown here as they arrive.'
              : task.closed
                ? `Session ended ${time(task.closed.at)} by ${task.closed.by}${task.closed.reason === 'idle' ? ' (idle)' : ''}.`
                : ''}
          </div>
        )}
        <div class="muted small">
          by {task.createdBy} · {label(task.mode)} mode · created {time(task.createdAt)} · updated {time(task.updatedAt)}
        </div>
        <div class="small usage">Usage: {usageText(task.usage)}</div>
        {task.cancel && (
          <div class="small">
            Cancelled by {task.cancel.by} at {time(task.cancel.at)}
            {task.cancel.reason && `: ${task.cancel.reason}`}
          </div>
        )}
        <TaskActions client={client} task={task} approvals={approvals} onChanged={reload} />
      </header>
      <ErrorBox error={error ?? live.error ?? stepsError} onReload={reload} />
      <Grants client={client} grants={grants?.items ?? []} mayRevoke={viewer !== undefined && can(viewer.role, 'decide')} onChanged={reload} />
      <div class="task-layout">
        <div class="steps">
          <h2>
            Plan <span class="muted small">{total === 1 ? '1 step' : `${total} steps`}</span>
          </h2>
          {hidden > 0 && (
            <button type="button" class="more-steps" disabled={loadingSteps} onClick={() => void showEarlier()}>
              Show {Math.min(STEP_PAGE, hidden)} earlier steps ({hidden} not shown)
            </button>
          )}
          {steps.map((s) => {
            const a = approvalOf.get(s.id);
            return (
              <StepItem
                key={s.id}
                client={client}
                step={s}
                stage={stageOf.get(s.key) ?? 0}
                statusOf={(k) => statusOf.get(k)}
                approval={a}
                taskMetadata={task.metadata}
                selected={a !== undefined && a.approvalId === selected}
                onSelect={() => a && select(a.approvalId)}
                onReload={reload}
              />
            );
          })}
          <StatusLegend />
        </div>
        {/* On wide screens the timeline scrolls beside the plan: focusable to scroll it by keyboard. */}
        <aside class="side" tabIndex={0} aria-labelledby="timeline-heading">
          <h2 id="timeline-heading">Timeline</h2>
          <Timeline {...shown(events)} keyOf={(id) => keyOf.get(id)} onMore={() => void more()} loadingMore={loadingMore} />
        </aside>
      </div>
    </section>
  );
}
