/**
 * "Approve for this session": approve the step and give a `task` grant (h/sessions), so
 * later steps of this task that the matcher covers are approved without asking. The
 * suggested matcher (the server's, from the step) is shown before anything is sent, and
 * the reviewer may narrow or widen it: the exact command or the words it starts with, a
 * path's glob, a tool's name (grants.ts). The decision is held like any other.
 */
import { useState } from 'preact/hooks';
import type { GrantMatcher } from '@greenlight/core';
import { draftOf, matcherOf, matcherText, type GrantDraft } from '../grants.ts';

type Props = { suggested: GrantMatcher; disabled: boolean; onApprove: (grant: GrantMatcher) => void; onCancel: () => void; id: string };

export function SessionGrantForm({ suggested, disabled, onApprove, onCancel, id }: Props) {
  const [draft, setDraft] = useState<GrantDraft>(() => draftOf(suggested));
  const [error, setError] = useState<string | undefined>(undefined);
  const built = matcherOf(draft);
  return (
    <form
      class="grant-form"
      aria-labelledby={`${id}-title`}
      onSubmit={(e) => {
        e.preventDefault();
        if (!built.ok) return setError(built.error);
        setError(undefined);
        onApprove(built.matcher);
      }}
    >
      <p id={`${id}-title`} class="small">
        <strong>Approve this step, and for the rest of this session approve without asking:</strong>
      </p>
      {draft.kind === 'command' && (
        <fieldset>
          <legend class="sr-only">Which commands</legend>
          <label class="choice">
            <input type="radio" name={`${id}-reach`} checked={draft.reach === 'exact'} onChange={() => setDraft({ ...draft, reach: 'exact' })} />
            exactly <code>{draft.exact}</code>
          </label>
          <label class="choice">
            <input type="radio" name={`${id}-reach`} checked={draft.reach === 'prefix'} onChange={() => setDraft({ ...draft, reach: 'prefix' })} />
            any command starting with
          </label>
          <input
            aria-label="The words the commands start with"
            class="code"
            value={draft.prefix}
            disabled={draft.reach !== 'prefix'}
            onInput={(e) => setDraft({ ...draft, prefix: e.currentTarget.value })}
          />
        </fieldset>
      )}
      {draft.kind === 'path' && (
        <label class="small">
          paths matching (a glob: <code>src/**</code> widens, an exact path narrows)
          <input class="code" value={draft.glob} onInput={(e) => setDraft({ ...draft, glob: e.currentTarget.value })} />
        </label>
      )}
      {draft.kind === 'tool' && (
        <label class="small">
          calls of the tool
          <input class="code" value={draft.tool} onInput={(e) => setDraft({ ...draft, tool: e.currentTarget.value })} />
        </label>
      )}
      <p class="muted small grant-preview">{built.ok ? `Grant: ${matcherText(built.matcher)}.` : built.error}</p>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <div class="buttons">
        <button type="submit" class="tone-go" disabled={disabled}>
          Approve for this session
        </button>
        <button type="button" onClick={onCancel}>
          Back
        </button>
      </div>
    </form>
  );
}
