/**
 * `greenlight approve|reject|request-changes|skip|answer <approvalId>`: find the open
 * approval, show what is being decided (with its paramsHash), then decide bound to
 * that hash, so a change made meanwhile is a CONFLICT rather than a blind approval.
 */
import type { Approval, Decision } from '@greenlight/core';
import { GreenlightError, type GreenlightClient } from '@greenlight/sdk';
import { UsageError } from '../errors.ts';
import { oneLine, paintStatus } from '../output.ts';
import { previewLines } from '../preview.ts';
import { str, type Command } from './spec.ts';

/** approvals.list has no get-by-id: page the open ones until it turns up. */
export async function findOpenApproval(client: GreenlightClient, approvalId: string): Promise<Approval> {
  let cursor: string | undefined;
  do {
    const page = await client.approvals.list.query({ status: 'open', limit: 200, ...(cursor ? { cursor } : {}) });
    const found = page.items.find((a) => a.approvalId === approvalId);
    if (found) return found;
    cursor = page.nextCursor;
  } while (cursor);
  throw new GreenlightError(`no open approval ${approvalId}: it was decided, expired, or never existed`, { code: 'NOT_FOUND' });
}

const VERB: Record<Exclude<Decision, 'modify'>, string> = {
  approve: 'Approving',
  reject: 'Rejecting',
  request_changes: 'Requesting changes on',
  skip: 'Skipping',
  answer: 'Answering',
};

function decideCommand(decision: Exclude<Decision, 'modify'>, usage: string, summary: string): Command {
  return {
    usage,
    summary,
    options: {
      feedback: { type: 'string', short: 'm' },
      hash: { type: 'string' },
      full: { type: 'boolean' },
    },
    async run(ctx, args, values) {
      const [approvalId, ...rest] = args;
      if (!approvalId) throw new UsageError(`${usage}: missing the approval id`);
      let feedback = str(values.feedback);
      let answer: string | undefined;
      if (decision === 'answer') {
        answer = rest.length > 0 ? rest.join(' ') : feedback;
        feedback = undefined;
        if (!answer) throw new UsageError('answer needs the text: greenlight answer <approvalId> "<text>"');
      } else if (rest.length > 0) {
        throw new UsageError(`unexpected argument ${JSON.stringify(rest[0])} (feedback goes in -m "<text>")`);
      }
      if (decision === 'request_changes' && !feedback) throw new UsageError('request-changes needs feedback: -m "<what to change>"');

      const client = ctx.client();
      const approval = await findOpenApproval(client, approvalId);
      // --hash binds the decision to what was reviewed earlier (e.g. from `inbox --json`).
      const paramsHash = str(values.hash) ?? approval.paramsHash;
      const { out } = ctx;
      if (!out.json) {
        out.line(`${out.paint('bold', VERB[decision])} ${out.paint('cyan', approval.approvalId)}`);
        out.line(`  task: ${approval.taskTitle} ${out.paint('gray', approval.taskId)}`);
        out.line(`  step: ${approval.stepKey} [${approval.kind}] ${oneLine(approval.title, 80)}${approval.revision > 1 ? ` (revision ${approval.revision})` : ''}`);
        if (approval.explanation) out.line(`  why: ${oneLine(approval.explanation, 100)}`);
        for (const l of previewLines(approval.kind, approval.params, out, values.full === true ? Infinity : 40)) out.line(`  │ ${l}`);
        out.line(`  paramsHash: ${paramsHash}`);
      }
      const result = await client.approvals.decide.mutate({
        approvalId,
        decision,
        paramsHash,
        ...(feedback ? { feedback } : {}),
        ...(answer !== undefined ? { answer } : {}),
      });
      if (out.json) out.line(JSON.stringify({ approval, result }));
      else out.line(`→ step ${paintStatus(out, result.stepStatus)}; task ${paintStatus(out, result.taskStatus)}`);
      return 0;
    },
  };
}

export const approve = decideCommand('approve', 'approve <approvalId> [--hash <paramsHash>]', 'approve a step');
export const reject = decideCommand('reject', 'reject <approvalId> [-m <reason>]', 'reject a step (vetoes it)');
export const requestChanges = decideCommand('request_changes', 'request-changes <approvalId> -m <feedback>', 'send a step back with feedback');
export const skip = decideCommand('skip', 'skip <approvalId> [-m <reason>]', 'skip a step');
export const answer = decideCommand('answer', 'answer <approvalId> <text>', 'answer a clarify step');
