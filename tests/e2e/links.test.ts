/**
 * One-click links against a live server (issue 15, item 4; docs/step-up.md): the
 * `approval.requested` webhook of a step whose rule says `oneClick` carries single-use
 * approve/reject links (otherwise only `links.review`); a GET only shows, a POST decides
 * once, as `link:<id>`. Reused, expired, revised-since and no-longer-allowed links are
 * refused and change nothing: checked on the audit log, not only on the answer.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Event, PolicyRule } from '@greenlight/core';
import { createClient, type GreenlightClient } from '@greenlight/sdk';
import { createWorkspace, startTestServer, type TestServer } from '../support/live-server.ts';

/** Links in webhooks point at the configured public address; the test reaches the same server locally. */
const PUBLIC_URL = 'https://greenlight.example';

const RULES: PolicyRule[] = [
  { name: 'tests', match: { kind: 'run_command', command: '^npm test' }, action: 'ask', oneClick: true },
  { name: 'short', match: { kind: 'run_command', command: '^npm run lint' }, action: 'ask', oneClick: true, timeoutSeconds: 2 },
];
const POLICY = { rules: RULES };

type Payload = { event: string; data: { taskId: string; stepId: string; data: { approvalId?: string } }; links?: { review?: string; approve?: string; reject?: string } };

let server: TestServer;
let admin: GreenlightClient;
let agent: GreenlightClient;
let reviewer: GreenlightClient;
const received: Payload[] = [];
let close: () => void;

beforeAll(async () => {
  server = await startTestServer({ PUBLIC_URL, WEBHOOK_ALLOW_PRIVATE: 'true', GREENLIGHT_DATA_KEY: 'links-data-key' });
  const keys = await createWorkspace(server, 'links', { agent: 'agent', reviewer: 'approver' });
  admin = createClient({ url: server.url, key: keys.admin });
  agent = createClient({ url: server.url, key: keys.agent });
  reviewer = createClient({ url: server.url, key: keys.reviewer });
  await admin.policy.set.mutate({ policy: POLICY });
  const hook = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      received.push(JSON.parse(body) as Payload);
      res.end();
    });
  });
  await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
  close = () => hook.close();
  await admin.webhooks.create.mutate({ url: `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook`, events: ['approval.requested'] });
}, 90_000);

afterAll(async () => {
  close?.();
  await server?.stop();
});

async function until<T>(probe: () => T | undefined, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The links of the approval.requested webhook for this approval. */
const linksFor = (approvalId: string) => until(() => received.find((p) => p.data.data.approvalId === approvalId)?.links);

/** A link as this test reaches it: the configured public address swapped for the local server's. */
const local = (link: string): string => link.replace(PUBLIC_URL, server.url);

const open = async (link: string, method: 'GET' | 'POST') => {
  const res = await fetch(local(link), { method, redirect: 'manual' });
  return { status: res.status, html: await res.text() };
};

const plan = (command: string) => agent.plan({ title: command, steps: [{ key: 's', kind: 'run_command', title: command, params: { command } }] });

const eventsOf = async (taskId: string): Promise<Event[]> => (await reviewer.events.list.query({ taskId, limit: 200 })).items;

describe('one-click links', () => {
  it('a valid link: GET only shows it, POST decides once as link:<id>, and every link of the approval is used up', async () => {
    const task = await plan('npm test');
    const approvalId = task.steps[0]!.approval!.id;
    const links = await linksFor(approvalId);
    expect(links.review).toBe(`${PUBLIC_URL}/#/tasks/${task.id}`);
    expect(links.approve).toMatch(new RegExp(`^${PUBLIC_URL}/l/gll_links_[A-Za-z0-9_-]{43}$`));
    expect(links.reject).toMatch(/\/l\/gll_links_/);

    const before = await eventsOf(task.id);
    const shown = await open(links.approve!, 'GET');
    expect(shown.status).toBe(200);
    expect(shown.html).toContain('<form method="post">');
    expect(await eventsOf(task.id)).toEqual(before);

    const used = await open(links.approve!, 'POST');
    expect(used.status).toBe(200);
    const step = (await reviewer.tasks.get.query({ taskId: task.id })).steps[0]!;
    expect(step.status).toBe('approved');
    expect(step.approvals).toEqual([expect.objectContaining({ decision: 'approve', identitySource: 'link', authStrength: 'key', principal: expect.stringMatching(/^link:/) })]);
    const after = await eventsOf(task.id);
    expect(after.filter((e) => e.type === 'step.approved')).toHaveLength(1);

    // Reused, and its sibling reject link: both used up, nothing changes.
    for (const link of [links.approve!, links.reject!]) {
      const again = await open(link, 'POST');
      expect(again.status).toBe(404);
      expect(again.html).toContain('data-reason="link_unknown"');
    }
    expect(await eventsOf(task.id)).toEqual(after);
  });

  it('a link for a step revised since it was sent is refused; the new links work', async () => {
    const task = await plan('npm test -- --run');
    const first = await linksFor(task.steps[0]!.approval!.id);
    await agent.tasks.revise.mutate({ taskId: task.id, stepId: task.steps[0]!.id, params: { command: 'npm test -- --run --bail' } });
    const before = await eventsOf(task.id);
    const stale = await open(first.approve!, 'POST');
    expect(stale.status).toBe(409);
    expect(await eventsOf(task.id)).toEqual(before);
    expect((await reviewer.tasks.get.query({ taskId: task.id })).steps[0]!.status).toBe('awaiting_approval');

    const revised = (await reviewer.tasks.get.query({ taskId: task.id })).steps[0]!;
    const fresh = await linksFor(revised.approval!.id);
    expect((await open(fresh.reject!, 'POST')).status).toBe(200);
    expect((await reviewer.tasks.get.query({ taskId: task.id })).steps[0]!.status).toBe('rejected');
  });

  it('a link past its time (never past its approval’s deadline) is refused and decides nothing', async () => {
    const task = await plan('npm run lint');
    const links = await linksFor(task.steps[0]!.approval!.id);
    await new Promise((r) => setTimeout(r, 2_100));
    const late = await open(links.approve!, 'POST');
    expect(late.status).toBe(403);
    expect(late.html).toContain('data-reason="link_expired"');
    const byLink = (await eventsOf(task.id)).filter((e) => e.actor.startsWith('link:'));
    expect(byLink).toEqual([]);
  });

  it('a rule without oneClick gets only links.review; a rule that drops oneClick stops the links already sent', async () => {
    const plain = await plan('make deploy');
    const review = await linksFor(plain.steps[0]!.approval!.id);
    expect(review).toEqual({ review: `${PUBLIC_URL}/#/tasks/${plain.id}` });

    const task = await plan('npm test -- --watch=false');
    const links = await linksFor(task.steps[0]!.approval!.id);
    await admin.policy.set.mutate({ policy: { rules: [{ ...RULES[0]!, oneClick: false }, RULES[1]!] } });
    try {
      const before = await eventsOf(task.id);
      const refused = await open(links.approve!, 'POST');
      expect(refused.status).toBe(403);
      expect(refused.html).toContain('data-reason="one_click_not_allowed"');
      expect(await eventsOf(task.id)).toEqual(before);
    } finally {
      await admin.policy.set.mutate({ policy: POLICY });
    }
  });

  it('approve and reject links used at the same moment: exactly one decides, the other is refused', async () => {
    const task = await plan('npm test -- --race');
    const links = await linksFor(task.steps[0]!.approval!.id);
    const answers = await Promise.all([open(links.approve!, 'POST'), open(links.reject!, 'POST'), open(links.approve!, 'POST')]);
    expect(answers.map((a) => a.status).sort()).toEqual([200, 404, 404]);
    const decided = (await eventsOf(task.id)).filter((e) => e.type === 'step.approved' || e.type === 'step.rejected');
    expect(decided).toHaveLength(1);
  });

  it('a token that is not a link, or one never issued, is refused', async () => {
    expect((await open(`${server.url}/l/not-a-link`, 'POST')).status).toBe(404);
    expect((await open(`${server.url}/l/gll_links_${'A'.repeat(43)}`, 'POST')).status).toBe(404);
  });
});
