/**
 * Typed events in workerd (issue 12, item 3): every event the workspace writes, through
 * every operation (admin, webhooks, decisions, revisions, the executor, modes, cancel, the
 * deny-rule sweep), leaves events.list valid against its type's schema, strictly, with
 * nothing changed by the output check; and an event that does not match never leaves.
 */
import { env } from 'cloudflare:workers';
import { runInDurableObject } from 'cloudflare:test';
import { canonicalJson, Event, EventType, slackSignature, strictEventData } from '@greenlight/core';
import { describe, expect, it } from 'vitest';
import { allEvents, BASE, errorOf, openApproval, team, workerFetch } from './harness.ts';

const stubOf = (id: string) => env.WORKSPACE.get(env.WORKSPACE.idFromName(id));
const command = (key: string, cmd: string, dependsOn: string[] = []) => ({ key, kind: 'run_command' as const, title: key, params: { command: cmd }, dependsOn });

describe('events.list output', () => {
  it("every event the workspace writes parses with its type's strict schema, and reading it changes nothing", async () => {
    const t = await team();
    // Admin: a key made and revoked, limits, a webhook made and deleted.
    const temp = await t.admin.keys.create.mutate({ principal: 'temp', role: 'viewer' });
    await t.admin.keys.revoke.mutate({ id: temp.id });
    await t.admin.workspaces.setLimits.mutate({ limits: { perKey: { ratePerSecond: 50, burst: 100 } } });
    const { webhook } = await t.admin.webhooks.create.mutate({ url: 'http://127.0.0.1:9/hook', events: ['approval.requested', 'approval.decided'] });
    await t.admin.webhooks.delete.mutate({ id: webhook.id });
    await t.admin.people.link.mutate({ principal: 'alice-laptop', person: 'alice' });
    await t.admin.people.unlink.mutate({ principal: 'alice-laptop' });
    await t.admin.groups.set.mutate({ name: 'security', members: ['alice'] });
    await t.admin.groups.delete.mutate({ name: 'security' });
    const delegation = await t.approver.delegations.set.mutate({ to: 'bob', until: Date.now() + 3_600_000 });
    await t.approver.delegations.revoke.mutate({ id: delegation.id });

    // Decisions, a revision, the executor.
    const task = await t.agent.plan({
      title: 'typed',
      steps: [
        { key: 'look', kind: 'read', title: 'look', params: { tool: 'read_file', paths: ['src/a.ts'] } },
        command('build', 'make build'),
        command('test', 'make test'),
        command('lint', 'make lint'),
        command('after-lint', 'make docs', ['lint']),
        command('deploy', 'make deploy'),
        command('optional', 'make extras'),
        { key: 'ask', kind: 'clarify', title: 'Which region?', params: { questions: ['Which region?'] } },
      ],
    });
    const decide = async (key: string, decision: 'approve' | 'reject' | 'request_changes' | 'answer' | 'skip', extra: { feedback?: string; answer?: string } = {}) => {
      const a = await openApproval(t.approver, task.id, key);
      return t.approver.approvals.decide.mutate({ approvalId: a.approvalId, decision, paramsHash: a.paramsHash, ...extra });
    };
    await decide('build', 'approve');
    await decide('test', 'request_changes', { feedback: 'run it verbose' });
    const testStep = (await t.viewer.tasks.get.query({ taskId: task.id })).steps.find((s) => s.key === 'test')!;
    await t.agent.tasks.revise.mutate({ taskId: task.id, stepId: testStep.id, params: { command: 'make test V=1' } });
    await decide('test', 'approve');
    await decide('lint', 'reject', { feedback: 'not now' });
    await decide('ask', 'answer', { answer: 'eu-west' });
    await decide('optional', 'skip');
    const deploy = await openApproval(t.approver2, task.id, 'deploy');
    await t.approver2.approvals.decide.mutate({ approvalId: deploy.approvalId, decision: 'modify', paramsHash: deploy.paramsHash, params: { command: 'make deploy DRY=1' } });
    const claimed = await t.agent.steps.claim.mutate({ taskId: task.id, max: 10 });
    const [first, second, ...rest] = claimed.steps;
    await t.agent.steps.complete.mutate({ stepId: first!.stepId, leaseId: first!.leaseId, output: { ok: true }, usage: { inputTokens: 10, outputTokens: 5, costUsd: 0.01 } });
    await t.agent.steps.fail.mutate({ stepId: second!.stepId, leaseId: second!.leaseId, error: { message: 'exit 2', code: 'exit', retryable: false } });
    for (const s of rest) await t.agent.steps.complete.mutate({ stepId: s.stepId, leaseId: s.leaseId });

    // A raised mode, then a cancel; and the deny-rule sweep on policy.set.
    const other = await t.agent.plan({ title: 'other', steps: [command('one', 'make one'), command('two', 'make two')] });
    await t.approver.tasks.setMode.mutate({ taskId: other.id, mode: 'autopilot' });
    const third = await t.agent.plan({ title: 'third', steps: [command('publish', 'npm publish'), command('wait', 'sleep 1')] });
    await t.admin.policy.set.mutate({ policy: { rules: [{ name: 'no-publish', match: { kind: 'run_command', command: '^npm publish' }, action: 'deny', reason: 'frozen' }] } });
    await t.agent.tasks.cancel.mutate({ taskId: third.id, reason: 'enough' });

    // A session: an open task, a grant given with an approval, an append it answers, a revoke, the proposal confirmed, the close.
    const session = await t.agent.tasks.plan.mutate({ title: 'session', steps: [], open: true, session: 'typed-1' });
    await t.agent.tasks.append.mutate({ taskId: session.id, steps: [command('ls1', 'ls -la')] });
    const ls = await openApproval(t.approver, session.id, 'ls1');
    await t.approver.approvals.decide.mutate({ approvalId: ls.approvalId, decision: 'approve', paramsHash: ls.paramsHash, scope: 'always' });
    await t.agent.tasks.append.mutate({ taskId: session.id, steps: [command('ls2', 'ls -la')] });
    const granted = await t.approver.grants.list.query({ taskId: session.id });
    await t.approver.grants.revoke.mutate({ grantId: granted.items[0]!.id });
    const proposals = await t.admin.grants.proposals.query();
    await t.admin.grants.confirm.mutate({ proposalId: proposals.items[0]!.id });
    await t.agent.tasks.close.mutate({ taskId: session.id });

    // Slack: the settings, and a Slack user linked through a signed /greenlight link.
    await t.admin.slack.set.mutate({ signingSecret: 'typed-signing-secret', botToken: 'xoxb-typed', channel: 'C0TYPED', apiBase: 'http://127.0.0.1:9/api' });
    // Sign-in's settings (oidc.configured); a loopback issuer is allowed in local development.
    await t.admin.oidc.set.mutate({ issuer: 'http://127.0.0.1:9', clientId: 'typed', clientSecret: 'typed-client-secret', roleClaim: 'roles', roleMap: { reviewers: 'approver' } });
    const body = new URLSearchParams({ team_id: 'T1', user_id: 'U1', command: '/greenlight', text: 'link' }).toString();
    const at = String(Math.floor(Date.now() / 1000));
    const res = await workerFetch(`${BASE}/slack/commands/${t.id}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': at, 'x-slack-signature': await slackSignature('typed-signing-secret', at, body) },
      body,
    });
    const token = /#\/slack-link\/([A-Za-z0-9_-]+)/.exec(((await res.json()) as { text: string }).text)![1]!;
    await t.approver.slack.link.mutate({ token });

    const events = await allEvents(t.viewer);
    const seen = new Set(events.map((e) => e.type));
    for (const e of events) {
      const raw = JSON.parse(JSON.stringify(e)) as unknown;
      expect(Event.safeParse(raw).success, JSON.stringify(e)).toBe(true);
      expect(strictEventData(e.type).safeParse(e.data).error?.message, JSON.stringify(e)).toBeUndefined();
    }
    // What the server sent is what it stored: the output check adds, drops and reorders nothing the chain covers.
    const exported = await t.admin.audit.export.query({ format: 'ndjson', limit: 1000 });
    const stored = exported.text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string })
      .filter((r) => !r.type.startsWith('audit.'));
    expect(stored.map((r) => canonicalJson(r))).toEqual(events.map((e) => canonicalJson(e)));
    // Reminders and escalations come from the alarm under a rule that sets them: nudges.test.ts.
    // Passkey events need a WebAuthn ceremony, which only a browser makes: tests/browser/stepup.test.ts checks them.
    expect(EventType.options.filter((type) => !seen.has(type))).toEqual(['passkey.registered', 'passkey.deleted', 'approval.voted', 'approval.expired', 'approval.reminded', 'approval.escalated']);
  });

  it("an event that does not match its type's schema never leaves the server: events.list answers INTERNAL_SERVER_ERROR", async () => {
    const t = await team();
    const before = await allEvents(t.viewer);
    await runInDurableObject(stubOf(t.id), (_instance, state) => {
      const last = before.at(-1)!;
      state.storage.sql.exec(
        `INSERT INTO events (seq, at, type, actor, task_id, step_id, data, hash) VALUES (?, ?, ?, ?, NULL, NULL, ?, ?)`,
        last.seq + 1,
        last.at,
        'task.finished',
        'x',
        JSON.stringify({ status: 'exploded' }),
        '0'.repeat(64),
      );
    });
    const err = await errorOf(t.viewer.events.list.query({ after: 0, limit: 200 }));
    expect(err.code).toBe('INTERNAL_SERVER_ERROR');
    // The details stay on the server (no schema text, no stack in the answer).
    const res = await workerFetch(`${BASE}/trpc/events.list?input=${encodeURIComponent(JSON.stringify({ after: 0 }))}`, { headers: { authorization: `Bearer ${t.keys.viewer}` } });
    expect(res.status).toBe(500);
    expect(await res.text()).not.toContain('exploded');
  });
});
