/**
 * `greenlight approve|reject|request-changes|skip|answer <approvalId>`: find the open
 * approval, show what is being decided (with its paramsHash), then decide bound to
 * that hash, so a change made meanwhile is a CONFLICT rather than a blind approval. An
 * approval that is no longer open is the API's CONFLICT (exit 4), an unknown id its
 * NOT_FOUND (exit 3).
 */
import { revealHiddenDeep, type Approval, type Decision, type DecideInput } from '@greenlight/core';
import { GreenlightError, type GreenlightClient } from '@greenlight/sdk';
import { UsageError } from '../errors.ts';
import { oneLine, paintStatus } from '../output.ts';
import { previewLines } from '../preview.ts';
import { str, type Command } from './spec.ts';

/** The open approval with this id, or undefined (approvals.list has no get-by-id: page the open ones). */
export async function findOpenApproval(client: GreenlightClient, approvalId: string): Promise<Approval | undefined> {
  let cursor: string | undefined;
  do {
    const page = await client.approvals.list.query({ status: 'open', limit: 200, ...(cursor ? { cursor } : {}) });
    const found = page.items.find((a) => a.approvalId === approvalId);
    if (found) return found;
    cursor = page.nextCursor;
  } while (cursor);
  return undefined;
}

/** A paramsHash no params can have (it would take a SHA-256 preimage): a decision bound to it can never apply. */
const NO_PARAMS_HASH = '0'.repeat(64);

/**
 * The approval is not open: let the API say what it is, so the CLI and the API agree.
 * The decision is sent bound to NO_PARAMS_HASH, so it cannot change anything; the server
 * checks that the approval exists (NOT_FOUND, exit 3: a typo, or another workspace's id)
 * and is open (CONFLICT, reason not_open or cancelled, exit 4: already decided, expired,
 * or its task cancelled) before it looks at the hash. Its error is what the user gets.
 */
async function explainClosed(client: GreenlightClient, input: DecideInput): Promise<never> {
  try {
    await client.approvals.decide.mutate({ ...input, paramsHash: NO_PARAMS_HASH });
  } catch (err) {
    const e = GreenlightError.from(err);
    if (e.code !== 'CONFLICT' || e.reason === 'stale_params_hash') throw e;
    const why = e.reason === 'cancelled' ? 'the approval was closed when its task was cancelled' : 'it was already decided, or it expired';
    throw new GreenlightError(`${e.message}: ${why} (greenlight show <taskId> shows who decided)`, {
      code: 'CONFLICT',
      ...(e.reason !== undefined ? { reason: e.reason } : {}),
      ...(e.httpStatus !== undefined ? { httpStatus: e.httpStatus } : {}),
      cause: e,
    });
  }
  // Unreachable: the hash cannot match. Say so rather than pretend it was decided.
  throw new GreenlightError(`approval ${input.approvalId} was not in the open inbox, yet the server accepted a decision on it`, { code: 'INTERNAL_SERVER_ERROR' });
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
      const request = { approvalId, decision, ...(feedback ? { feedback } : {}), ...(answer !== undefined ? { answer } : {}) };
      const approval = (await findOpenApproval(client, approvalId)) ?? (await explainClosed(client, { ...request, paramsHash: NO_PARAMS_HASH }));
      // --hash binds the decision to what was reviewed earlier (e.g. from `inbox --json`).
      const paramsHash = str(values.hash) ?? approval.paramsHash;
      const { out } = ctx;
      if (!out.json) {
        // What the reviewer sees, with escape sequences and bidi overrides made visible (core's revealHidden).
        const shown = revealHiddenDeep(approval);
        out.line(`${out.paint('bold', VERB[decision])} ${out.paint('cyan', shown.approvalId)}`);
        out.line(`  task: ${shown.taskTitle} ${out.paint('gray', shown.taskId)}`);
        out.line(`  step: ${shown.stepKey} [${shown.kind}] ${oneLine(shown.title, 80)}${shown.revision > 1 ? ` (revision ${shown.revision})` : ''}`);
        if (shown.explanation) out.line(`  why: ${oneLine(shown.explanation, 100)}`);
        for (const l of previewLines(shown.kind, shown.params, out, values.full === true ? Infinity : 40)) out.line(`  │ ${l}`);
        out.line(`  paramsHash: ${paramsHash}`);
      }
      const result = await client.approvals.decide.mutate({ ...request, paramsHash });
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
