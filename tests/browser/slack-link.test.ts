/**
 * Linking a Slack account in a real Chromium (issue 15 item 3): `/greenlight link`, signed
 * as Slack signs it, answers a single-use URL; opened by a signed-in reviewer, the page
 * asks for a confirming click and only then links. Opening alone (an unfurler's prefetch)
 * changes nothing; a used URL is refused with the page's error box.
 */
import { describe, expect, it } from 'vitest';
import { createClient } from '@greenlight/sdk';
import { slackSender } from '../support/slack.ts';
import { liveFile } from './fixture.ts';

const live = liveFile('slack-link');
const SECRET = 'browser-signing-secret';

describe('linking a Slack account', () => {
  it('the link URL links only after the signed-in reviewer confirms, once', async () => {
    const ws = await live.workspace({ name: 'Slack link' });
    const admin = createClient({ url: live.url, key: ws.adminKey });
    await admin.slack.set.mutate({ signingSecret: SECRET, botToken: 'xoxb-browser', channel: 'C0BROWSER', apiBase: 'https://slack.com/api' });
    const res = await slackSender(() => live.url, ws.id, SECRET).command({ team: 'T0B', id: 'U0REVIEWER' }, 'link');
    const { text } = (await res.json()) as { text: string };
    const url = /(https?:\/\/\S+#\/slack-link\/[A-Za-z0-9_-]+)/.exec(text)![1]!;
    const hash = url.slice(url.indexOf('#'));

    const page = await live.open({ key: ws.reviewerKey, path: hash });
    const confirm = page.getByRole('button', { name: 'Link my Slack account' });
    await confirm.waitFor();
    // Opening the page linked nothing.
    expect((await admin.slack.get.query()).links).toEqual([]);
    await confirm.click();
    const linked = page.getByTestId('slack-linked');
    await linked.waitFor();
    expect(await linked.innerText()).toContain('slack:T0B:U0REVIEWER');
    // The used token leaves the address bar.
    expect(new URL(page.url()).hash).toBe('#/slack-link');
    const { links } = await admin.slack.get.query();
    expect(links.map((l) => ({ principal: l.principal, person: l.person }))).toEqual([{ principal: 'slack:T0B:U0REVIEWER', person: 'reviewer' }]);

    // The same URL again: refused, shown in the error box.
    const again = await live.open({ key: ws.reviewerKey, path: hash });
    await again.getByRole('button', { name: 'Link my Slack account' }).click();
    const error = again.locator('.error[data-code="NOT_FOUND"]');
    await error.waitFor();
    expect(await error.innerText()).toMatch(/unknown, already used or expired/);
  });
});
