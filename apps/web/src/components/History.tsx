/**
 * The decision history (issue 16 item 3): who decided what, when and why, across tasks,
 * newest first, from h/review's `history.list` (people's decisions, the policy's, the
 * clock's). Filters by task, agent, decider, decision, status, risk and time live in the
 * URL (route.ts), so a filtered view can be linked; pages come a cursor at a time
 * ("Show older"), each O(page) on the server.
 */
import { useEffect, useState } from 'preact/hooks';
import { Decision, identityHow, revealHidden, StepStatus, type HistoryEntry } from '@greenlight/core';
import type { GreenlightError } from '@greenlight/sdk';
import { asError, type Client } from '../client.ts';
import { label, time } from '../format.ts';
import { useTitle } from '../hooks/useTitle.ts';
import { historyHref, taskHref, type HistoryQuery } from '../route.ts';
import { historyInput, toLocalInput, fromLocalInput } from '../history.ts';
import { ErrorBox } from './ErrorBox.tsx';

const PAGE = 50;
const DECISIONS = [...Decision.options, 'policy', 'timeout'];

/** " · SSO+MFA via Slack" after a decider's name, from the entry's recorded identities (issue 15); "" for older entries. */
function howText(e: HistoryEntry, principal: string): string {
  const d = e.deciders?.find((x) => x.principal === principal);
  if (!d) return '';
  const person = d.person !== undefined && d.person !== principal ? ` (${d.person})` : '';
  const how = identityHow(d);
  return `${person}${d.onBehalfOf !== undefined ? ` for ${d.onBehalfOf}` : ''}${how !== undefined ? ` · ${how}` : ''}`;
}

/** "approved by alice", "allowed by policy (rule reads)", "expired". */
function Decided({ e }: { e: HistoryEntry }) {
  const people = e.by.filter((b) => !b.startsWith('policy:') && b !== 'system' && b !== 'timeout');
  const what = e.decision === 'policy' ? (e.status === 'rejected' ? 'denied by policy' : 'allowed by policy') : e.decision === 'timeout' ? 'decided by its deadline' : label(e.decision);
  return (
    <span>
      <strong class={`decision decision-${e.decision}`}>{what}</strong>
      {people.length > 0 && (
        <>
          {' '}
          by{' '}
          {people.map((p, i) => (
            <span key={p}>
              {i > 0 && ', '}
              <a href={historyHref({ decider: p })}>{p}</a>
              {howText(e, p)}
            </span>
          ))}
        </>
      )}
      {e.rule && (
        <>
          {' '}
          · rule <code>{e.rule}</code>
        </>
      )}
    </span>
  );
}

function Entry({ e }: { e: HistoryEntry }) {
  return (
    <li class="card history-entry" data-seq={e.seq} data-decision={e.decision}>
      <div class="card-head">
        <time dateTime={new Date(e.at).toISOString()}>{time(e.at)}</time>
        <Decided e={e} />
        <span class={`badge status-${e.status}`}>{label(e.status)}</span>
        <span class={`badge risk-${e.risk.level}`} title={e.risk.reason}>
          {e.risk.level} risk
        </span>
      </div>
      <div>
        <strong>{revealHidden(e.title)}</strong> <code>{e.stepKey}</code>{' '}
        <span class="muted small">
          · {label(e.kind)}
          {e.revision > 1 ? ` · rev ${e.revision}` : ''}
        </span>
      </div>
      <div class="small muted">
        in <a href={taskHref(e.taskId)}>{revealHidden(e.taskTitle)}</a> · agent <a href={historyHref({ agent: e.agent })}>{e.agent}</a> · risk: {e.risk.reason}
      </div>
      {(e.feedback || e.reason) && <div class="small">{e.feedback ? `Feedback: ${e.feedback}` : `Reason: ${e.reason}`}</div>}
    </li>
  );
}

function Filters({ query }: { query: HistoryQuery }) {
  const [draft, setDraft] = useState<HistoryQuery>(query);
  useEffect(() => setDraft(query), [query]);
  const field = (name: keyof HistoryQuery, text: string, placeholder: string) => (
    <label>
      {text}
      <input value={draft[name] ?? ''} placeholder={placeholder} onInput={(ev) => setDraft({ ...draft, [name]: ev.currentTarget.value.trim() })} />
    </label>
  );
  const select = (name: keyof HistoryQuery, text: string, options: readonly string[]) => (
    <label>
      {text}
      <select value={draft[name] ?? ''} onChange={(ev) => setDraft({ ...draft, [name]: ev.currentTarget.value })}>
        <option value="">any</option>
        {options.map((o) => (
          <option key={o} value={o}>
            {label(o)}
          </option>
        ))}
      </select>
    </label>
  );
  const when = (name: 'since' | 'until', text: string) => (
    <label>
      {text}
      <input type="datetime-local" value={toLocalInput(draft[name])} onInput={(ev) => setDraft({ ...draft, [name]: fromLocalInput(ev.currentTarget.value) })} />
    </label>
  );
  return (
    <form
      class="card history-filters"
      aria-label="Filter the history"
      onSubmit={(ev) => {
        ev.preventDefault();
        window.location.hash = historyHref(draft);
      }}
    >
      {field('task', 'Task id', 'any task')}
      {field('agent', 'Agent', 'any agent')}
      {field('decider', 'Decided by', 'a person or policy:<rule>')}
      {select('decision', 'Decision', DECISIONS)}
      {select('status', 'Step status', StepStatus.options)}
      {select('risk', 'Risk', ['low', 'medium', 'high'])}
      {when('since', 'From')}
      {when('until', 'Until')}
      <div class="buttons">
        <button type="submit" class="primary">
          Filter
        </button>
        <a class="clear" href={historyHref()}>
          Clear filters
        </a>
      </div>
    </form>
  );
}

export function History({ client, query }: { client: Client; query: HistoryQuery }) {
  useTitle('History');
  const [items, setItems] = useState<HistoryEntry[] | undefined>(undefined);
  const [cursor, setCursor] = useState<string | undefined>(undefined);
  const [error, setError] = useState<GreenlightError | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const input = historyInput(query);

  const load = async (after: string | undefined, into: HistoryEntry[]) => {
    if (!input.ok) return;
    setBusy(true);
    setError(undefined);
    try {
      const page = await client.history.list.query({ ...input.value, limit: PAGE, ...(after ? { cursor: after } : {}) });
      setItems([...into, ...page.items]);
      setCursor(page.nextCursor);
    } catch (err) {
      setError(asError(err));
    } finally {
      setBusy(false);
    }
  };
  const key = JSON.stringify(query);
  useEffect(() => {
    setItems(undefined);
    setCursor(undefined);
    void load(undefined, []);
  }, [key]);

  return (
    <section class="history">
      <div class="page-head">
        <h1>History</h1>
      </div>
      <p class="muted small">Every decision on a step, newest first: people’s, the policy’s and deadlines’.</p>
      <Filters query={query} />
      {!input.ok && <ErrorBox error={input.error} />}
      <ErrorBox error={error} />
      {items && items.length === 0 && <p class="empty">No decisions match these filters.</p>}
      {items && items.length > 0 && (
        <ol class="history-list" aria-label="Decisions">
          {items.map((e) => (
            <Entry key={e.seq} e={e} />
          ))}
        </ol>
      )}
      {items === undefined && !error && <p class="muted">Loading…</p>}
      {cursor && items && (
        <button type="button" class="more" disabled={busy} onClick={() => void load(cursor, items)}>
          {busy ? 'Reading…' : 'Show older decisions'}
        </button>
      )}
      {items && items.length > 0 && !cursor && <p class="muted small end">That is the whole history{Object.keys(query).length > 0 ? ' for these filters' : ''}.</p>}
    </section>
  );
}
