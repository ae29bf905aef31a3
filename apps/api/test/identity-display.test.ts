/**
 * Identity on every vote and decision (issue 15 item 2): approval.voted and the decision
 * events carry identitySource, authStrength and person; the step's decision, the history,
 * approvals.get, the audit export and the webhook delivery's event say who decided and how.
 */
import { describe, expect, it } from 'vitest';
import { clientFor, allEvents, openApproval, team } from './harness.ts';

const TWO = { rules: [{ name: 'two-eyes', match: { kind: 'run_command' as const }, action: 'ask' as const, requiredApprovals: 2 }] };
const deploy = { key: 'deploy', kind: 'run_command' as const, title: 'deploy', params: { command: 'make deploy' } };
const keyOf = (person: string) => ({ identitySource: 'key', authStrength: 'key', person });

describe('who decided and how', () => {
  it('N-of-M through a linked key: the vote, the approval, the history, approvals.get, audit.export and the webhook event all carry the identity', async () => {
    const t = await team();
    await t.admin.policy.set.mutate({ policy: TWO });
    const { webhook } = await t.admin.webhooks.create.mutate({ url: 'http://127.0.0.1:9/hook', events: ['approval.decided'] });
    const laptop = (await t.admin.keys.create.mutate({ principal: 'alice-laptop', role: 'approver' })).key;
    await t.admin.people.link.mutate({ principal: 'alice-laptop', person: 'alice' });
    const task = await t.agent.tasks.plan.mutate({ title: 'ship', steps: [deploy] });
    const a = await openApproval(t.viewer, task.id, 'deploy');

    await clientFor(laptop).approvals.decide.mutate({ approvalId: a.approvalId, decision: 'approve', paramsHash: a.paramsHash });
    await t.approver2.approvals.decide.mutate({ approvalId: a.approvalId, decision: 'approve', paramsHash: a.paramsHash });

    const events = await allEvents(t.viewer, task.id);
    const voted = events.find((e) => e.type === 'approval.voted')!;
    expect(voted.data).toMatchObject({ principal: 'alice-laptop', ...keyOf('alice') });
    const approved = events.find((e) => e.type === 'step.approved')!;
    const deciders = [
      { principal: 'alice-laptop', ...keyOf('alice') },
      { principal: 'bob', ...keyOf('bob') },
    ];
    expect(approved.data).toMatchObject({ by: ['alice-laptop', 'bob'], ...keyOf('bob'), deciders });

    const step = (await t.viewer.tasks.get.query({ taskId: task.id })).steps[0]!;
    expect(step.decision).toMatchObject({ decision: 'approve', by: ['alice-laptop', 'bob'], deciders });
    const record = await t.viewer.approvals.get.query({ approvalId: a.approvalId });
    expect(record.decision).toMatchObject({ deciders });

    const [entry] = (await t.viewer.history.list.query({ taskId: task.id })).items;
    expect(entry).toMatchObject({ decision: 'approve', deciders });

    const exported = await t.admin.audit.export.query({ format: 'ndjson', limit: 1000 });
    const rows = exported.text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; seq: number; data: Record<string, unknown> });
    expect(rows.find((r) => r.seq === voted.seq)?.data).toMatchObject(keyOf('alice'));
    expect(rows.find((r) => r.seq === approved.seq)?.data).toMatchObject({ deciders });

    // The delivery's event is the decision above: its JSON body's data carries the identity (core webhookBody).
    const [delivery] = (await t.admin.webhooks.deliveries.query({ webhookId: webhook.id, limit: 10 })).items;
    expect(delivery).toMatchObject({ event: 'approval.decided', eventSeq: approved.seq });
  });

  it("reject, request_changes, skip and answer carry the acting reviewer's identity", async () => {
    const t = await team();
    const task = await t.agent.tasks.plan.mutate({
      title: 'four',
      steps: [
        { ...deploy, key: 'r' },
        { ...deploy, key: 'c' },
        { ...deploy, key: 's' },
        { key: 'q', kind: 'clarify', title: 'q?', params: { questions: ['which?'] } },
      ],
    });
    const decide = async (key: string, decision: 'reject' | 'request_changes' | 'skip' | 'answer', extra: { feedback?: string; answer?: string } = {}) => {
      const a = await openApproval(t.viewer, task.id, key);
      await t.approver.approvals.decide.mutate({ approvalId: a.approvalId, decision, paramsHash: a.paramsHash, ...extra });
    };
    await decide('r', 'reject');
    await decide('c', 'request_changes', { feedback: 'smaller' });
    await decide('s', 'skip');
    await decide('q', 'answer', { answer: 'eu' });
    const events = await allEvents(t.viewer, task.id);
    for (const type of ['step.rejected', 'step.changes_requested', 'step.skipped', 'step.completed'] as const) {
      expect(events.find((e) => e.type === type)?.data, type).toMatchObject({ by: 'alice', ...keyOf('alice') });
    }
    const history = (await t.viewer.history.list.query({ taskId: task.id })).items;
    expect(history.map((h) => h.deciders)).toEqual(history.map(() => [{ principal: 'alice', ...keyOf('alice') }]));
  });
});
