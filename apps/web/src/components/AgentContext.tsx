/** The host, repository and working directory of an agent's step, and how long a waiting agent still waits (context.ts). */
import { revealHidden, type StepContext } from '@greenlight/core';
import { agentContext, agentWaiting, type AgentContext as Ctx } from '../context.ts';
import { relative } from '../format.ts';
import { useNow } from '../hooks/useHolds.ts';

type Meta = Record<string, unknown> | undefined;

/** "Claude Code · repository github.com/me/app (main) · in /home/me/app · session 1234", or nothing when nothing is known. */
export function AgentContextLine({ context, metadata, stepMetadata }: { context?: StepContext | undefined; metadata?: Meta; stepMetadata?: Meta }) {
  const c: Ctx = agentContext(context, stepMetadata, metadata);
  if (!c.source && !c.cwd && !c.repository) return null;
  return (
    <div class="agent-context small">
      {c.source && <strong>{revealHidden(c.source)}</strong>}
      {c.repository && (
        <span>
          repository <code>{revealHidden(c.repository)}</code>
          {c.branch && <> ({revealHidden(c.branch)})</>}
        </span>
      )}
      {c.cwd && (
        <span>
          in <code>{revealHidden(c.cwd)}</code>
        </span>
      )}
      {c.sessionId && <span class="muted">session {revealHidden(c.sessionId)}</span>}
    </div>
  );
}

type WaitingProps = { waitUntil?: number | undefined; requestedAt: number; context?: StepContext | undefined; metadata?: Meta; stepMetadata?: Meta };

/** For a step awaiting approval whose agent said how long it waits: that it waits, and until when. */
export function WaitingLine({ waitUntil, requestedAt, context, metadata, stepMetadata }: WaitingProps) {
  const waiting = agentWaiting({ waitUntil }, requestedAt, stepMetadata, metadata);
  const now = useNow(waiting !== undefined);
  if (!waiting) return null;
  const source = agentContext(context, stepMetadata, metadata).source ?? 'The agent';
  const over = waiting.until <= now;
  return (
    <div class={`waiting small${over ? ' over' : ''}`}>
      {over
        ? `${source} stopped waiting ${relative(waiting.until, now)}${waiting.afterwards ? `: ${waiting.afterwards}` : ''}. A decision now is kept for its next try.`
        : `${source} is waiting for this decision; it gives up ${relative(waiting.until, now)}${waiting.afterwards ? `, then ${waiting.afterwards}` : ''}.`}
    </div>
  );
}
