/**
 * Slack against a real `wrangler dev`: a local Web API server in place of slack.com/api
 * and a sender that signs requests exactly as Slack does (and one that signs wrong,
 * replays an old timestamp, or clicks a stale button). A signed click decides and the
 * message is updated; a forged or replayed one changes nothing (the audit log says so).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, type GreenlightClient } from '@greenlight/sdk';
import { createWorkspace, startTestServer, type TestServer } from '../support/live-server.ts';
import { fakeSlackApi, slackSender, until, type FakeSlackApi, type SlackApiCall, type SlackSender } from '../support/slack.ts';

const SIGNING_SECRET = 'slack-signing-secret-for-tests';
const TEAM = 'T0TEAM';
const ALICE = { team: TEAM, id: 'U0ALICE' };
const MALLORY = { team: TEAM, id: 'U0MALLORY' };

let server: TestServer;
let api: FakeSlackApi;
let admin: GreenlightClient;
let agent: GreenlightClient;
let alice: GreenlightClient;
let slack: SlackSender;
/** Every link token Slack was shown in this file: none may be readable on disk. */
const tokens: string[] = [];

type Button = { action_id: string; value: string };

/** The buttons of a posted or updated message. */
const buttonsOf = (call: SlackApiCall): Button[] => ((call.body.blocks as { type: string; elements?: Button[] }[]) ?? []).filter((b) => b.type === 'actions').flatMap((b) => b.elements ?? []);

const textOf = (call: SlackApiCall): string => JSON.stringify(call.body.blocks);

/** Plan one step that needs a person; wait for its Slack message; answer its approval and the message. */
async function askForApproval(title: string) {
  const task = await agent.plan({ title, steps: [{ key: 'x', kind: 'run_command', title, params: { command: `make ${title}` } }] });
  const [approval] = (await alice.approvals.list.query({ taskId: task.id })).items;
  const posted = await until(() => api.calls.find((c) => c.method === 'chat.postMessage' && textOf(c).includes(approval!.approvalId)));
  return { task, approval: approval!, posted };
}

const updatesFor = (approvalId: string) => api.calls.filter((c) => c.method === 'chat.update' && textOf(c).includes(approvalId));

beforeAll(async () => {
  server = await startTestServer({ WEBHOOK_RETRY_BASE_MS: '200', WEBHOOK_ALLOW_PRIVATE: 'true', GREENLIGHT_DATA_KEY: 'e2e-data-key' });
  api = await fakeSlackApi();
  const keys = await createWorkspace(server, 'slack-ws', { agent: 'agent', alice: 'approver', bob: 'approver' });
  admin = createClient({ url: server.url, key: keys.admin });
  agent = createClient({ url: server.url, key: keys.agent });
  alice = createClient({ url: server.url, key: keys.alice });
  slack = slackSender(() => server.url, 'slack-ws', SIGNING_SECRET);
  const set = await admin.slack.set.mutate({ signingSecret: SIGNING_SECRET, botToken: 'xoxb-test-token', channel: 'C0APPROVALS', apiBase: api.url });
  expect(set).toMatchObject({ configured: true, channel: 'C0APPROVALS', apiBase: api.url });
  // Alice links her Slack account: /greenlight link answers a single-use URL, which she opens signed in as herself.
  const res = await slack.command(ALICE, 'link');
  expect(res.status).toBe(200);
  const answer = (await res.json()) as { response_type: string; text: string };
  expect(answer.response_type).toBe('ephemeral');
  const token = /#\/slack-link\/([A-Za-z0-9_-]+)/.exec(answer.text)![1]!;
  tokens.push(token);
  expect(await alice.slack.link.mutate({ token })).toEqual({ principal: `slack:${TEAM}:${ALICE.id}`, person: 'alice' });
});

afterAll(async () => {
  api?.close();
  await server?.stop();
});

/** Where a message was posted: the fake answered ts `1700000000.<n>`; read it back from the message's own post call order. */
async function messageOf(approvalId: string): Promise<{ channel: string; ts: string }> {
  const posts = api.calls.filter((c) => c.method === 'chat.postMessage');
  const i = posts.findIndex((c) => textOf(c).includes(approvalId));
  expect(i).toBeGreaterThanOrEqual(0);
  // The fake numbers every call it answers; find this post's number among all calls.
  const n = api.calls.indexOf(posts[i]!) + 1;
  return { channel: 'C0APPROVALS', ts: `1700000000.${String(n).padStart(6, '0')}` };
}

describe('slack', () => {
  it('posts an approval with buttons bound to approvalId and paramsHash, with the bot token', async () => {
    const { approval, posted } = await askForApproval('post');
    expect(posted.auth).toBe('Bearer xoxb-test-token');
    expect(posted.body.channel).toBe('C0APPROVALS');
    const buttons = buttonsOf(posted);
    expect(buttons.map((b) => b.action_id)).toEqual(['gl_approve', 'gl_reject', 'gl_request_changes']);
    for (const b of buttons) expect(JSON.parse(b.value)).toEqual({ approvalId: approval.approvalId, paramsHash: approval.paramsHash });
  });

  it('a signed click decides as the linked person, and the message is updated with who and where', async () => {
    const { approval, posted } = await askForApproval('signed');
    const message = await messageOf(approval.approvalId);
    const res = await slack.click(ALICE, buttonsOf(posted).find((b) => b.action_id === 'gl_approve')!, message);
    expect(res.status).toBe(200);
    const record = await alice.approvals.get.query({ approvalId: approval.approvalId });
    expect(record.status).toBe('approved');
    expect(record.decidedBy).toEqual([`slack:${TEAM}:${ALICE.id}`]);
    // The audit log names the Slack user as the actor of the decision.
    const events = (await admin.events.list.query({ taskId: approval.taskId, limit: 50 })).items;
    expect(events.find((e) => e.type === 'step.approved')).toMatchObject({ actor: `slack:${TEAM}:${ALICE.id}`, data: { by: [`slack:${TEAM}:${ALICE.id}`] } });
    const update = await until(() => updatesFor(approval.approvalId).find((c) => textOf(c).includes('Approved by')));
    expect(update.body).toMatchObject({ channel: message.channel, ts: message.ts });
    expect(textOf(update)).toContain(`slack:${TEAM}:${ALICE.id} (via Slack)`);
    expect(buttonsOf(update)).toEqual([]);
  });

  it('a decision made elsewhere updates the message too, naming the key that decided', async () => {
    const { approval } = await askForApproval('elsewhere');
    await alice.approvals.decide.mutate({ approvalId: approval.approvalId, decision: 'reject', paramsHash: approval.paramsHash, feedback: 'not today' });
    const update = await until(() => updatesFor(approval.approvalId).find((c) => textOf(c).includes('Rejected by')));
    expect(textOf(update)).toContain('alice (via an API key)');
    expect(textOf(update)).toContain('not today');
  });

  it('a forged signature and a replayed timestamp change nothing (no audit event)', async () => {
    const { approval, posted } = await askForApproval('forged');
    const message = await messageOf(approval.approvalId);
    const approve = buttonsOf(posted).find((b) => b.action_id === 'gl_approve')!;
    const before = (await admin.events.list.query({ limit: 200 })).items.length;
    const forged = await slack.click(ALICE, approve, message, { secret: 'not-the-secret' });
    expect(forged.status).toBe(401);
    expect(await forged.text()).toContain('bad_signature');
    // Signed correctly, but six minutes old: a replay.
    const replayed = await slack.click(ALICE, approve, message, { timestamp: Math.floor(Date.now() / 1000) - 360 });
    expect(replayed.status).toBe(401);
    expect(await replayed.text()).toContain('stale_timestamp');
    const unsigned = await slack.send('interactions', 'payload=%7B%7D', { signature: '' });
    expect(unsigned.status).toBe(401);
    expect((await admin.events.list.query({ limit: 200 })).items.length).toBe(before);
    expect((await alice.approvals.get.query({ approvalId: approval.approvalId })).status).toBe('open');
  });

  it('an unlinked Slack user is refused with an ephemeral message telling them how to link', async () => {
    const { approval, posted } = await askForApproval('unlinked');
    const message = await messageOf(approval.approvalId);
    const res = await slack.click(MALLORY, buttonsOf(posted).find((b) => b.action_id === 'gl_approve')!, message);
    expect(res.status).toBe(200);
    const told = await until(() => api.calls.find((c) => c.method === 'chat.postEphemeral' && c.body.user === MALLORY.id));
    expect(told.body.channel).toBe(message.channel);
    expect(String(told.body.text)).toMatch(/not linked.*#\/slack-link\/[A-Za-z0-9_-]{40,}/);
    expect((await alice.approvals.get.query({ approvalId: approval.approvalId })).status).toBe('open');
  });

  it('a stale button (the step was revised) is refused and its message updated to say so', async () => {
    const { task, approval, posted } = await askForApproval('stale');
    const message = await messageOf(approval.approvalId);
    await agent.tasks.revise.mutate({ taskId: task.id, stepId: approval.stepId, params: { command: 'make stale --force' } });
    const res = await slack.click(ALICE, buttonsOf(posted).find((b) => b.action_id === 'gl_approve')!, message);
    expect(res.status).toBe(200);
    const refused = await until(() => updatesFor(approval.approvalId).find((c) => textOf(c).includes('was refused')));
    expect(refused.body).toMatchObject({ channel: message.channel, ts: message.ts });
    expect(textOf(refused)).toContain('Superseded');
    // The revision is still waiting: nothing was decided by the stale click.
    const [open] = (await alice.approvals.list.query({ taskId: task.id })).items;
    expect(open!.votes).toEqual([]);
    expect(open!.approvalId).not.toBe(approval.approvalId);
  });

  it('request changes opens a modal; its submission decides with the text', async () => {
    const { approval, posted } = await askForApproval('modal');
    const message = await messageOf(approval.approvalId);
    const res = await slack.click(ALICE, buttonsOf(posted).find((b) => b.action_id === 'gl_request_changes')!, message);
    expect(res.status).toBe(200);
    const opened = await until(() => api.calls.find((c) => c.method === 'views.open' && JSON.stringify(c.body).includes(approval.approvalId)));
    const view = opened.body.view as { callback_id: string; private_metadata: string };
    expect(JSON.parse(view.private_metadata)).toMatchObject({ approvalId: approval.approvalId, paramsHash: approval.paramsHash, decision: 'request_changes' });
    const empty = await slack.submit(ALICE, view, '  ');
    expect(await empty.json()).toMatchObject({ response_action: 'errors' });
    const sent = await slack.submit(ALICE, view, 'use the staging target');
    expect(sent.status).toBe(200);
    const record = await alice.approvals.get.query({ approvalId: approval.approvalId });
    expect(record.status).toBe('changes_requested');
    expect(record.decision?.feedback).toBe('use the staging target');
    // Submitting the same modal again is refused: the approval is closed.
    const again = await slack.submit(ALICE, view, 'twice');
    expect(await again.json()).toMatchObject({ response_action: 'errors' });
  });

  it('a link token works once; people.unlink ends the link', async () => {
    const res = await slack.command(MALLORY, 'link');
    const token = /#\/slack-link\/([A-Za-z0-9_-]+)/.exec(((await res.json()) as { text: string }).text)![1]!;
    tokens.push(token);
    await alice.slack.link.mutate({ token });
    await expect(alice.slack.link.mutate({ token })).rejects.toMatchObject({ code: 'NOT_FOUND', reason: 'slack_link_invalid' });
    expect((await admin.slack.get.query()).links.map((l) => l.principal)).toContain(`slack:${TEAM}:${MALLORY.id}`);
    // people.unlink ends the Slack link too: the Slack user never votes as itself.
    await admin.people.unlink.mutate({ principal: `slack:${TEAM}:${MALLORY.id}` });
    expect((await admin.slack.get.query()).links.map((l) => l.principal)).not.toContain(`slack:${TEAM}:${MALLORY.id}`);
    const { approval, posted } = await askForApproval('unlinked-again');
    const before = api.calls.filter((c) => c.method === 'chat.postEphemeral' && c.body.user === MALLORY.id).length;
    await slack.click(MALLORY, buttonsOf(posted).find((b) => b.action_id === 'gl_approve')!, await messageOf(approval.approvalId));
    await until(() => (api.calls.filter((c) => c.method === 'chat.postEphemeral' && c.body.user === MALLORY.id).length > before ? true : undefined));
    expect((await alice.approvals.get.query({ approvalId: approval.approvalId })).status).toBe('open');
  });

  it('a double click and a click racing a key decision decide once; the loser is refused', async () => {
    const { approval, posted } = await askForApproval('race');
    const message = await messageOf(approval.approvalId);
    const approve = buttonsOf(posted).find((b) => b.action_id === 'gl_approve')!;
    const [a, b] = await Promise.all([slack.click(ALICE, approve, message), slack.click(ALICE, approve, message)]);
    expect([a.status, b.status]).toEqual([200, 200]);
    const events = (await admin.events.list.query({ taskId: approval.taskId, limit: 50 })).items;
    expect(events.filter((e) => e.type === 'step.approved')).toHaveLength(1);
    await until(() => updatesFor(approval.approvalId).find((c) => textOf(c).includes('was refused')));

    const second = await askForApproval('race-key');
    const m2 = await messageOf(second.approval.approvalId);
    const [click, key] = await Promise.allSettled([
      slack.click(ALICE, buttonsOf(second.posted).find((x) => x.action_id === 'gl_reject')!, m2),
      alice.approvals.decide.mutate({ approvalId: second.approval.approvalId, decision: 'approve', paramsHash: second.approval.paramsHash }),
    ]);
    expect(click.status).toBe('fulfilled');
    const decided = (await admin.events.list.query({ taskId: second.approval.taskId, limit: 50 })).items.filter((e) => e.type === 'step.approved' || e.type === 'step.rejected');
    expect(decided).toHaveLength(1);
    // Whichever came first decided; the key's call either decided or was refused as already closed.
    if (key.status === 'rejected') expect(decided[0]!.type).toBe('step.rejected');
    else expect(decided[0]!.type).toBe('step.approved');
  });

  it('slack.set is admin only, checks its input, and slack.get never shows a secret', async () => {
    await expect(alice.slack.set.mutate({ signingSecret: 'x'.repeat(20), botToken: 'xoxb-1', channel: 'C1' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(admin.slack.set.mutate({ signingSecret: 'short', botToken: 'not-a-token', channel: '#general' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(admin.slack.set.mutate({ signingSecret: SIGNING_SECRET, botToken: 'xoxb-1', channel: 'C1', apiBase: 'ftp://slack.example' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    const got = await admin.slack.get.query();
    expect(got.outbox).toMatchObject({ failed: 0 });
    expect(JSON.stringify(got)).not.toContain(SIGNING_SECRET);
    expect(JSON.stringify(got)).not.toContain('xoxb-test-token');
    const events = (await admin.events.list.query({ limit: 200 })).items.filter((e) => e.type === 'slack.configured');
    expect(events[0]!.data).toEqual({ channel: 'C0APPROVALS', apiBase: new URL(api.url).origin });
  });

  it('keeps the signing secret, the bot token and link tokens unreadable in the SQLite files on disk', () => {
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        if (e.isDirectory()) walk(join(dir, e.name));
        else files.push(join(dir, e.name));
      }
    };
    walk(server.stateDir);
    const disk = files.map((f) => readFileSync(f).toString('latin1')).join('\n');
    expect(disk).toContain('slack:T0TEAM:U0ALICE');
    expect(disk).not.toContain(SIGNING_SECRET);
    expect(disk).not.toContain('xoxb-test-token');
    expect(tokens.length).toBeGreaterThanOrEqual(2);
    for (const t of tokens) expect(disk).not.toContain(t);
  });

  it('requests for a workspace without Slack, or an unknown one, are refused', async () => {
    expect((await slackSender(() => server.url, 'no-such-ws', SIGNING_SECRET).command(ALICE, 'link')).status).toBe(404);
    expect((await slackSender(() => server.url, 'Bad_Id', SIGNING_SECRET).command(ALICE, 'link')).status).toBe(404);
  });
});

describe('slack delivery', () => {
  it('retries a failing Slack API from the alarm until the message is posted', async () => {
    const flaky = await fakeSlackApi(2);
    const keys = await createWorkspace(server, 'slack-retry', { agent: 'agent' });
    await createClient({ url: server.url, key: keys.admin }).slack.set.mutate({ signingSecret: SIGNING_SECRET, botToken: 'xoxb-retry', channel: 'C0RETRY', apiBase: flaky.url });
    await createClient({ url: server.url, key: keys.agent }).plan({ title: 'retry', steps: [{ key: 'x', kind: 'run_command', title: 'retry', params: { command: 'make retry' } }] });
    const owner = createClient({ url: server.url, key: keys.admin });
    await until(() => (flaky.calls.filter((c) => c.method === 'chat.postMessage').length >= 3 ? true : undefined));
    expect(flaky.calls.slice(0, 3).map((c) => c.method)).toEqual(['chat.postMessage', 'chat.postMessage', 'chat.postMessage']);
    // slack.get says how the outbox is doing: nothing left pending, nothing given up on.
    const health = await until(async () => {
      const { outbox } = await owner.slack.get.query();
      return outbox.pending === 0 ? outbox : undefined;
    });
    expect(health).toEqual({ pending: 0, failed: 0 });
    flaky.close();
  });

  it('N-of-M: one person voting with a key and through Slack counts once; another person completes it', async () => {
    const keys = await createWorkspace(server, 'slack-quorum', { agent: 'agent', dana: 'approver', erin: 'approver' });
    const owner = createClient({ url: server.url, key: keys.admin });
    const dana = createClient({ url: server.url, key: keys.dana });
    const erin = createClient({ url: server.url, key: keys.erin });
    const local = await fakeSlackApi();
    await owner.policy.set.mutate({ policy: { requiredApprovals: 2 } });
    await owner.slack.set.mutate({ signingSecret: SIGNING_SECRET, botToken: 'xoxb-quorum', channel: 'C0QUORUM', apiBase: local.url });
    const sender = slackSender(() => server.url, 'slack-quorum', SIGNING_SECRET);
    const danaInSlack = { team: TEAM, id: 'U0DANA' };
    const token = /#\/slack-link\/([A-Za-z0-9_-]+)/.exec(((await (await sender.command(danaInSlack, 'link')).json()) as { text: string }).text)![1]!;
    await dana.slack.link.mutate({ token });
    const task = await createClient({ url: server.url, key: keys.agent }).plan({ title: 'quorum', steps: [{ key: 'x', kind: 'run_command', title: 'quorum', params: { command: 'make quorum' } }] });
    const [approval] = (await dana.approvals.list.query({ taskId: task.id })).items;
    const posted = await until(() => local.calls.find((c) => c.method === 'chat.postMessage'));
    // Dana votes with her key, then again through Slack: the second vote is hers too, refused, and the step still waits.
    await dana.approvals.decide.mutate({ approvalId: approval!.approvalId, decision: 'approve', paramsHash: approval!.paramsHash });
    await sender.click(danaInSlack, buttonsOf(posted).find((b) => b.action_id === 'gl_approve')!, { channel: 'C0QUORUM', ts: '1700000000.000001' });
    const waiting = await owner.approvals.get.query({ approvalId: approval!.approvalId });
    expect(waiting.status).toBe('open');
    expect(waiting.votes.map((v) => v.person ?? v.principal)).toEqual(['dana']);
    await until(() => local.calls.find((c) => c.method === 'chat.postEphemeral' && c.body.user === 'U0DANA'));
    // Erin is another person: her vote completes the quorum, and the message says who decided.
    await erin.approvals.decide.mutate({ approvalId: approval!.approvalId, decision: 'approve', paramsHash: approval!.paramsHash });
    expect((await owner.approvals.get.query({ approvalId: approval!.approvalId })).status).toBe('approved');
    const update = await until(() => local.calls.find((c) => c.method === 'chat.update' && textOf(c).includes('Approved by')));
    expect(textOf(update)).toContain('dana');
    expect(textOf(update)).toContain('erin');
    local.close();
  });

  it('a Slack vote counts for its person toward N-of-M, with a key vote of another person', async () => {
    const keys = await createWorkspace(server, 'slack-quorum2', { agent: 'agent', fay: 'approver', gus: 'approver' });
    const owner = createClient({ url: server.url, key: keys.admin });
    const fay = createClient({ url: server.url, key: keys.fay });
    const gus = createClient({ url: server.url, key: keys.gus });
    const local = await fakeSlackApi();
    await owner.policy.set.mutate({ policy: { requiredApprovals: 2 } });
    await owner.slack.set.mutate({ signingSecret: SIGNING_SECRET, botToken: 'xoxb-quorum', channel: 'C0QUORUM', apiBase: local.url });
    const sender = slackSender(() => server.url, 'slack-quorum2', SIGNING_SECRET);
    const fayInSlack = { team: TEAM, id: 'U0FAY' };
    const token = /#\/slack-link\/([A-Za-z0-9_-]+)/.exec(((await (await sender.command(fayInSlack, 'link')).json()) as { text: string }).text)![1]!;
    await fay.slack.link.mutate({ token });
    const task = await createClient({ url: server.url, key: keys.agent }).plan({ title: 'q2', steps: [{ key: 'x', kind: 'run_command', title: 'q2', params: { command: 'make q2' } }] });
    const [approval] = (await fay.approvals.list.query({ taskId: task.id })).items;
    const posted = await until(() => local.calls.find((c) => c.method === 'chat.postMessage'));
    await sender.click(fayInSlack, buttonsOf(posted).find((b) => b.action_id === 'gl_approve')!, { channel: 'C0QUORUM', ts: '1700000000.000001' });
    const half = await owner.approvals.get.query({ approvalId: approval!.approvalId });
    expect(half.status).toBe('open');
    expect(half.votes).toMatchObject([{ principal: `slack:${TEAM}:U0FAY`, identitySource: 'slack', authStrength: 'sso', person: 'fay' }]);
    // The message shows the vote so far, with where it came from.
    const progress = await until(() => local.calls.find((c) => c.method === 'chat.update' && textOf(c).includes('1 of 2 approvals')));
    expect(textOf(progress)).toContain(`fay as slack:${TEAM}:U0FAY (via Slack)`);
    await gus.approvals.decide.mutate({ approvalId: approval!.approvalId, decision: 'approve', paramsHash: approval!.paramsHash });
    expect((await owner.approvals.get.query({ approvalId: approval!.approvalId })).status).toBe('approved');
    local.close();
  });

  it('a revoked linking key ends the link: the next click is refused as unlinked', async () => {
    const keys = await createWorkspace(server, 'slack-revoke', { agent: 'agent', carol: 'approver' });
    const owner = createClient({ url: server.url, key: keys.admin });
    const carol = createClient({ url: server.url, key: keys.carol });
    const local = await fakeSlackApi();
    await owner.slack.set.mutate({ signingSecret: SIGNING_SECRET, botToken: 'xoxb-revoke', channel: 'C0REVOKE', apiBase: local.url });
    const sender = slackSender(() => server.url, 'slack-revoke', SIGNING_SECRET);
    const carolInSlack = { team: TEAM, id: 'U0CAROL' };
    const token = /#\/slack-link\/([A-Za-z0-9_-]+)/.exec(((await (await sender.command(carolInSlack, 'link')).json()) as { text: string }).text)![1]!;
    await carol.slack.link.mutate({ token });
    const task = await createClient({ url: server.url, key: keys.agent }).plan({ title: 'revoke', steps: [{ key: 'x', kind: 'run_command', title: 'revoke', params: { command: 'make revoke' } }] });
    const [approval] = (await carol.approvals.list.query({ taskId: task.id })).items;
    const posted = await until(() => local.calls.find((c) => c.method === 'chat.postMessage'));
    const carolKey = (await owner.keys.list.query()).items.find((k) => k.principal === 'carol')!;
    await owner.keys.revoke.mutate({ id: carolKey.id });
    await sender.click(carolInSlack, buttonsOf(posted).find((b) => b.action_id === 'gl_approve')!, { channel: 'C0REVOKE', ts: '1700000000.000001' });
    await until(() => local.calls.find((c) => c.method === 'chat.postEphemeral' && c.body.user === 'U0CAROL'));
    expect((await owner.approvals.get.query({ approvalId: approval!.approvalId })).status).toBe('open');
    local.close();
  });

  // Last: it restarts the file's server (a new port), which the clients made in beforeAll do not follow.
  it('an unsent message survives a restart of the server and is posted after it', async () => {
    const down = await fakeSlackApi();
    down.down = true;
    const keys = await createWorkspace(server, 'slack-restart', { agent: 'agent' });
    await createClient({ url: server.url, key: keys.admin }).slack.set.mutate({ signingSecret: SIGNING_SECRET, botToken: 'xoxb-restart', channel: 'C0RESTART', apiBase: down.url });
    await createClient({ url: server.url, key: keys.agent }).plan({ title: 'restart', steps: [{ key: 'x', kind: 'run_command', title: 'restart', params: { command: 'make restart' } }] });
    // The first attempt failed; the row waits in the object's SQLite while the server is down.
    await until(() => (down.calls.length >= 1 ? true : undefined));
    await server.restart();
    const tried = down.calls.length;
    down.down = false;
    const posted = await until(() => down.calls.find((c, i) => i >= tried && c.method === 'chat.postMessage'), 30_000);
    expect(posted.body.channel).toBe('C0RESTART');
    const { outbox } = await createClient({ url: server.url, key: keys.admin }).slack.get.query();
    expect(outbox.failed).toBe(0);
    down.close();
  });
});
