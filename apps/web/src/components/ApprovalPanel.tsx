/**
 * The decision controls of one open approval: a button per option, feedback, the
 * answer box of a question, and a JSON editor for modify. Every decision carries the
 * paramsHash the reviewer was shown, so a plan that changed meanwhile is refused
 * (CONFLICT) instead of approved blind. A decision is held for the undo window before it
 * is sent (holds.ts), shown here with Undo. When selected, its keys are live.
 */
import { useContext, useRef, useState } from 'preact/hooks';
import { revealHidden, type Approval, type ApprovalOption, type GrantMatcher } from '@greenlight/core';
import type { GreenlightError } from '@greenlight/sdk';
import { asError, localError, type Client } from '../client.ts';
import { needsPasskey, passkeyAssertion, registerPasskey } from '../passkey.ts';
import { quoted } from '../decision-words.ts';
import { OPTION_UI } from '../decisions.ts';
import { refusalText, votesText } from '../facts.ts';
import { ViewerContext } from '../viewer.ts';
import { label, relative } from '../format.ts';
import { useHoldStore, useHolds } from '../hooks/useHolds.ts';
import { CharacterKeys, useShortcuts } from '../hooks/useShortcuts.ts';
import { ErrorBox } from './ErrorBox.tsx';
import { HeldNote } from './HeldNote.tsx';
import { SessionGrantForm } from './SessionGrant.tsx';

/** onReload reads everything again (after a CONFLICT); what a sent decision changed reaches the views through the hold store. */
type Props = { client: Client; approval: Approval; selected: boolean; onReload: () => void };

/** Ctrl/Cmd+Enter sends what is typed; Escape leaves the field so the page keys work again. */
const fieldKeys = (send: () => void) => (e: KeyboardEvent) => {
  if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
    e.preventDefault();
    send();
  } else if (e.key === 'Escape') (e.currentTarget as HTMLElement).blur();
};

export function ApprovalPanel({ client, approval, selected, onReload }: Props) {
  const [feedback, setFeedback] = useState('');
  const [answer, setAnswer] = useState('');
  const [editing, setEditing] = useState<string | undefined>(undefined);
  const [error, setError] = useState<GreenlightError | undefined>(undefined);
  const [granting, setGranting] = useState(false);
  const [passkeyNote, setPasskeyNote] = useState<string | undefined>(undefined);
  const store = useHoldStore();
  const hold = useHolds().find((h) => h.approvalIds.includes(approval.approvalId));
  // Held or on its way: the buttons wait (a failed send leaves them free again).
  const busy = hold !== undefined && hold.state !== 'failed';
  const feedbackRef = useRef<HTMLTextAreaElement>(null);
  const answerRef = useRef<HTMLTextAreaElement>(null);
  const paramsRef = useRef<HTMLTextAreaElement>(null);
  const clarify = approval.requiresTextInput;
  const characterKeys = useContext(CharacterKeys);

  const fail = (message: string, field: HTMLTextAreaElement | null) => {
    setError(localError(message));
    field?.focus();
  };

  async function choose(option: ApprovalOption) {
    if (busy) return;
    const { decision } = OPTION_UI[option];
    const extra: { feedback?: string; answer?: string; params?: Record<string, unknown> } = {};
    if (feedback.trim() && decision !== 'approve' && decision !== 'answer') extra.feedback = feedback.trim();
    if (decision === 'request_changes' && !extra.feedback) {
      return fail('Request changes needs feedback: tell the agent what to change.', feedbackRef.current);
    }
    if (decision === 'answer') {
      if (!answer.trim()) return fail('Type an answer first.', answerRef.current);
      extra.answer = answer.trim();
    }
    if (decision === 'modify') {
      if (editing === undefined) {
        setEditing(JSON.stringify(approval.params, null, 2));
        setError(undefined);
        requestAnimationFrame(() => paramsRef.current?.focus());
        return;
      }
      try {
        const parsed: unknown = JSON.parse(editing);
        if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return fail('The params must be a JSON object.', paramsRef.current);
        extra.params = parsed as Record<string, unknown>;
      } catch (err) {
        return fail(`The params are not valid JSON: ${err instanceof Error ? err.message : String(err)}`, paramsRef.current);
      }
    }
    setError(undefined);
    const input = { approvalId: approval.approvalId, decision, paramsHash: approval.paramsHash, ...extra };
    // Step-up: a decision that lets the step go on carries a passkey assertion over this approval's paramsHash.
    const stepUp = needsPasskey(approval) && decision !== 'reject' && decision !== 'request_changes';
    store.hold({
      decision,
      subject: quoted(revealHidden(approval.title)),
      approvalIds: [approval.approvalId],
      send: async (idempotencyKey) => {
        const passkey = stepUp ? { passkey: await passkeyAssertion(client, approval.approvalId, approval.paramsHash) } : {};
        return [await client.approvals.decide.mutate({ ...input, ...passkey, idempotencyKey })];
      },
    });
  }

  async function addPasskey() {
    setError(undefined);
    setPasskeyNote(undefined);
    try {
      await registerPasskey(client, 'passkey');
      setPasskeyNote('Passkey added.');
    } catch (err) {
      setError(asError(err));
    }
  }

  /** Approve, and give a `task` grant with this matcher (held like any decision). */
  function approveForSession(grant: GrantMatcher) {
    if (busy) return;
    setError(undefined);
    setGranting(false);
    const input = { approvalId: approval.approvalId, decision: 'approve' as const, paramsHash: approval.paramsHash, scope: 'task' as const, grant };
    store.hold({
      decision: 'approve_session',
      subject: quoted(revealHidden(approval.title)),
      approvalIds: [approval.approvalId],
      send: async (idempotencyKey) => [await client.approvals.decide.mutate({ ...input, idempotencyKey })],
    });
  }

  const keys: Record<string, () => void> = {};
  for (const option of approval.options) {
    const key = OPTION_UI[option].key;
    if (key) keys[key] = () => void choose(option);
  }
  useShortcuts(keys, selected);

  // Counts and authority are the core's facts (votes toward N, who may decide), never recounted here.
  const votes = votesText(approval);
  const refused = refusalText(useContext(ViewerContext), approval);
  return (
    <div class="decide" aria-busy={hold?.state === 'sending'}>
      {refused && <div class="small refused">{refused}.</div>}
      {needsPasskey(approval) && (
        <div class="small stepup" data-min-auth={approval.minAuth}>
          <strong>Needs a passkey</strong> (this rule asks for {approval.minAuth}): approving asks your passkey to sign this approval and these exact params.{' '}
          <button type="button" class="add-passkey" onClick={() => void addPasskey()}>
            Add a passkey
          </button>
          {passkeyNote && <span role="status"> {passkeyNote}</span>}
        </div>
      )}
      {(votes !== undefined || approval.expiresAt !== undefined) && (
        <div class="muted small">
          {votes !== undefined && <span>{votes} </span>}
          {approval.expiresAt !== undefined && (
            <span>
              Expires {relative(approval.expiresAt)}, then {label(approval.defaultOnTimeout)}.
            </span>
          )}
        </div>
      )}
      {clarify ? (
        <textarea
          ref={answerRef}
          class="answer"
          rows={3}
          aria-label="Answer"
          placeholder={approval.inputPlaceholder ?? 'Your answer'}
          value={answer}
          onInput={(e) => setAnswer(e.currentTarget.value)}
          onKeyDown={fieldKeys(() => void choose('submit'))}
        />
      ) : (
        <textarea
          ref={feedbackRef}
          class="feedback"
          rows={2}
          aria-label="Feedback"
          placeholder="Feedback for the agent (required to request changes)"
          value={feedback}
          onInput={(e) => setFeedback(e.currentTarget.value)}
          onKeyDown={fieldKeys(() => void choose('request_changes'))}
        />
      )}
      {editing !== undefined && (
        <div class="modify">
          <label class="small muted" for={`params-${approval.approvalId}`}>
            Modified params (JSON), sent instead of the agent’s
          </label>
          <textarea
            id={`params-${approval.approvalId}`}
            ref={paramsRef}
            class="code"
            rows={Math.min(16, editing.split('\n').length + 1)}
            value={editing}
            onInput={(e) => setEditing(e.currentTarget.value)}
            onKeyDown={fieldKeys(() => void choose('modify'))}
          />
          <div class="buttons">
            <button type="button" class="primary" disabled={busy} onClick={() => void choose('modify')}>
              Send modified params
            </button>
            <button type="button" disabled={busy} onClick={() => setEditing(undefined)}>
              Discard
            </button>
          </div>
        </div>
      )}
      <div class="buttons">
        {approval.options.map((option) => {
          const ui = OPTION_UI[option];
          const key = characterKeys ? ui.key : undefined;
          if (option === 'modify' && editing !== undefined) return null;
          const button = (
            // The key is announced by aria-keyshortcuts; its visible hint is hidden from
            // the accessible name, which is the label alone ("Approve", not "Approvea").
            <button type="button" key={option} class={`tone-${ui.tone}`} disabled={busy} onClick={() => void choose(option)} data-option={option} aria-keyshortcuts={key}>
              {ui.label}
              {key && <kbd aria-hidden="true">{key}</kbd>}
            </button>
          );
          // Beside Approve, when the server suggests a grant for this step (h/sessions).
          if (option !== 'approve' || !approval.suggestedGrant) return button;
          return [
            button,
            <button type="button" key="session" class="session-approve" disabled={busy} aria-expanded={granting} onClick={() => setGranting((g) => !g)}>
              Approve for this session…
            </button>,
          ];
        })}
      </div>
      {granting && approval.suggestedGrant && (
        <SessionGrantForm id={`grant-${approval.approvalId}`} suggested={approval.suggestedGrant} disabled={busy} onApprove={approveForSession} onCancel={() => setGranting(false)} />
      )}
      {hold && <HeldNote hold={hold} onReload={onReload} />}
      <ErrorBox
        error={error}
        onReload={() => {
          setError(undefined);
          onReload();
        }}
        onDismiss={() => setError(undefined)}
      />
    </div>
  );
}
