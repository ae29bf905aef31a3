/**
 * A reviewer acting elsewhere, through the API with its own key: finds the open
 * approval of a tool call (by the tool's name) and decides it, as the page would.
 */
import type { GreenlightClient } from '@greenlight/sdk';

export type ReviewerDecision = { decision: 'approve' | 'reject' | 'request_changes' | 'skip'; feedback?: string } | { decision: 'modify'; input: unknown } | { decision: 'answer'; answer: string };

/** The open approvals for tool `tool` (of task `taskId`, when given), waited for (up to `ms`): an agent may still be planning the step. */
export async function openApprovalsFor(reviewer: GreenlightClient, tool: string, count = 1, ms = 20_000, taskId?: string) {
  const until = Date.now() + ms;
  for (;;) {
    const { items } = await reviewer.approvals.list.query({ limit: 200, ...(taskId ? { taskId } : {}) });
    const mine = items.filter((a) => (a.params as { tool?: unknown }).tool === tool);
    if (mine.length >= count) return mine;
    if (Date.now() > until) throw new Error(`no open approval for ${tool} within ${ms} ms (open: ${items.map((a) => JSON.stringify(a.params)).join(', ')})`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Decide the open approval of the call to `tool` (the first one, when there are several). */
export async function decideCall(reviewer: GreenlightClient, tool: string, d: ReviewerDecision): Promise<void> {
  const [a] = await openApprovalsFor(reviewer, tool);
  const base = { approvalId: a!.approvalId, paramsHash: a!.paramsHash };
  if (d.decision === 'modify') await reviewer.approvals.decide.mutate({ ...base, decision: 'modify', params: { tool, input: d.input } });
  else if (d.decision === 'answer') await reviewer.approvals.decide.mutate({ ...base, decision: 'answer', answer: d.answer });
  else await reviewer.approvals.decide.mutate({ ...base, decision: d.decision, ...(d.feedback ? { feedback: d.feedback } : {}) });
}
