/**
 * `#/slack-link/<token>`: the page Slack's link URL opens. The reviewer, signed in as
 * themselves, confirms; slack.link redeems the single-use token, and from then on that
 * Slack user's clicks count as this reviewer. Nothing happens without the click: a link
 * prefetched by a chat unfurler or opened by someone else signed in changes nothing.
 */
import { useState } from 'preact/hooks';
import type { GreenlightError } from '@greenlight/sdk';
import { asError, type Client } from '../client.ts';
import { INBOX_HREF } from '../route.ts';
import { ErrorBox } from './ErrorBox.tsx';

export function SlackLink({ client, token }: { client: Client; token: string }) {
  const [linked, setLinked] = useState<{ principal: string; person: string }>();
  const [error, setError] = useState<GreenlightError>();
  const [busy, setBusy] = useState(false);
  const confirm = async () => {
    setBusy(true);
    setError(undefined);
    try {
      setLinked(await client.slack.link.mutate({ token }));
      // The token is used up: keep it out of the address bar and history.
      window.history.replaceState(null, '', '#/slack-link');
    } catch (e) {
      setError(asError(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <section class="slack-link" aria-labelledby="slack-link-title">
      <h2 id="slack-link-title">Link your Slack account</h2>
      {linked ? (
        <p data-testid="slack-linked">
          Linked: Slack user <code>{linked.principal}</code> now decides as <strong>{linked.person}</strong>. <a href={INBOX_HREF}>Back to the inbox</a>
        </p>
      ) : (
        <>
          <p>
            A Slack user asked to decide approvals as you. Confirm only if you just typed <code>/greenlight link</code> or clicked a Greenlight button in Slack yourself: their clicks will count as
            your votes.
          </p>
          <button type="button" class="primary" disabled={busy} onClick={() => void confirm()}>
            Link my Slack account
          </button>
        </>
      )}
      <ErrorBox error={error} />
    </section>
  );
}
