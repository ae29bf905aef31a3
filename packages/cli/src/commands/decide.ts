/**
 * `greenlight approve|reject|request-changes|skip|answer <approvalId>`: read the
 * approval (approvals.get), show what is being decided (its risk and paramsHash), then
 * decide bound to that hash, so a change made meanwhile is a CONFLICT rather than a
 * blind approval. `approve` asks y/N in a terminal first (issue 16): `--yes` skips the
 * question, and without a terminal it refuses unless --yes is given. A `--hash` that is
 * not the approval's is refused before anything is sent, showing both. An approval that is no longer open is a CONFLICT (exit 4) that says
 * who closed it and when; an unknown id is the API's NOT_FOUND (exit 3).
 */
import {
  approvalProgress,
  approverNames,
  decidersText,
  GrantMatcher,
  GrantScope,
  matcherText,
  revealHiddenDeep,
  type Approval,
  type ApprovalRecord,
  type Decision,
  type DecideResult,
} from '@greenlight/core';
import { GreenlightError, type GreenlightClient } from '@greenlight/sdk';
import { isYes } from '../confirm.ts';
import { EXIT, UsageError } from '../errors.ts';
import { age, oneLine, paintStatus, type Out } from '../output.ts';
import { previewLines } from '../preview.ts';
import { str, type Command } from './spec.ts';

const when = (at: number | undefined): string => (at === undefined ? '' : ` at ${new Date(at).toISOString()}`);

/** Who decided, in words: the people (core's decisionPeople), else the rule or the clock. */
function decidedBy(r: ApprovalRecord): string {
  const d = r.decision;
  // How each person proved who they are, when recorded (issue 15): "alice · SSO via Slack".
  if (d?.deciders && d.deciders.length > 0) return decidersText(d);
  if (r.decidedBy.length > 0) return r.decidedBy.join(', ');
  if (d?.decision === 'policy') return `the policy${d.rule ? ` (rule ${d.rule})` : ''}`;
  return r.closedBy ?? 'someone';
}

/**
 * What the decision did, from its answer alone (it carries the step after it: no second
 * read): the step's and task's status, and while the step awaits more approvals, the
 * core's count of them.
 */
export function decidedLine(r: DecideResult, status: (s: string) => string = (s) => s): string {
  const open = r.step.approval;
  const waiting = r.stepStatus === 'awaiting_approval' && open !== undefined && open.id === r.approvalId;
  const p = waiting ? approvalProgress(r.step.approvals, open.requiredApprovals) : undefined;
  return `step ${status(r.stepStatus)}${p ? ` (${p.count} of ${p.required} approvals: ${approverNames(r.step.approvals).join(', ')})` : ''}; task ${status(r.taskStatus)}`;
}

/** Why an approval is not open, in one sentence, from approvals.get. */
export function closedMessage(r: ApprovalRecord): string {
  const id = `approval ${r.approvalId}`;
  const now = `; the step is ${r.stepStatus} now`;
  switch (r.status) {
    case 'open':
      return `${id} is open`;
    case 'expired':
      return `${id} expired${when(r.closedAt)} with no decision (${r.decision?.reason ?? 'deadline passed'})${now}`;
    case 'cancelled':
      return `${id} was closed${when(r.closedAt)} when its task was cancelled by ${r.closedBy ?? 'someone'}${r.reason ? `: ${r.reason}` : ''}`;
    case 'superseded':
      return `${id} was replaced${when(r.closedAt)}${r.replacedBy ? ` by approval ${r.replacedBy}` : ''} (${r.decision?.decision === 'modify' ? `modified by ${decidedBy(r)}` : `the step was revised by ${r.closedBy ?? 'someone'}`})${now}`;
    case 'blocked':
      return `${id} was closed${when(r.closedAt)}: ${r.reason ?? 'a dependency did not succeed'}${now}`;
    default:
      return `${id} was already decided by ${decidedBy(r)} (${r.decision?.decision ?? r.status})${when(r.closedAt)}${r.decision?.feedback ? `: ${r.decision.feedback}` : ''}${now}`;
  }
}

/**
 * The approval, when it is open; otherwise the CONFLICT that says who closed it and
 * when (reason `cancelled` when its task was cancelled, else `not_open`; exit 4). An
 * id the workspace never opened is approvals.get's NOT_FOUND (exit 3).
 */
export async function openApproval(client: GreenlightClient, approvalId: string): Promise<Approval> {
  const record = await client.approvals.get.query({ approvalId });
  if (record.status === 'open' && record.approval) return record.approval;
  throw new GreenlightError(closedMessage(record), { code: 'CONFLICT', reason: record.status === 'cancelled' ? 'cancelled' : 'not_open', httpStatus: 409 });
}

const VERB: Record<Exclude<Decision, 'modify'>, string> = {
  approve: 'Approving',
  reject: 'Rejecting',
  request_changes: 'Requesting changes on',
  skip: 'Skipping',
  answer: 'Answering',
};

/** The grant options of `approve` (docs/sessions.md): how far the approval reaches, and the matcher to remember. */
const GRANT_OPTIONS = {
  scope: { type: 'string' },
  'for-session': { type: 'boolean' },
  grant: { type: 'string' },
} as const;

/**
 * `--scope once|task|always`, `--for-session` (= `--scope task`), `--grant '<matcher JSON>'`:
 * the decision's scope and grant, checked here so a typo is a usage error before any request.
 */
export function grantOptions(values: Record<string, string | boolean | undefined>): { scope?: GrantScope; grant?: GrantMatcher } {
  const forSession = values['for-session'] === true;
  const rawScope = str(values.scope);
  if (forSession && rawScope !== undefined && rawScope !== 'task') throw new UsageError(`--for-session is --scope task; it cannot go with --scope ${rawScope}`);
  const scope = forSession ? 'task' : rawScope;
  const parsedScope = scope === undefined ? undefined : GrantScope.safeParse(scope);
  if (parsedScope && !parsedScope.success) throw new UsageError(`--scope must be once, task or always (not ${JSON.stringify(scope)})`);
  const rawGrant = str(values.grant);
  let grant: GrantMatcher | undefined;
  if (rawGrant !== undefined) {
    let json: unknown;
    try {
      json = JSON.parse(rawGrant);
    } catch {
      throw new UsageError('--grant takes a matcher as JSON, e.g. \'{"kind":"command","argvPrefix":["npm","test"]}\'');
    }
    const m = GrantMatcher.safeParse(json);
    if (!m.success) throw new UsageError(`--grant is not a matcher: ${m.error.issues[0]?.message ?? 'invalid'} (see docs/sessions.md)`);
    grant = m.data;
  }
  if (grant && (parsedScope?.data ?? 'once') === 'once') throw new UsageError('--grant goes with --for-session, --scope task or --scope always');
  return { ...(parsedScope?.data !== undefined ? { scope: parsedScope.data } : {}), ...(grant ? { grant } : {}) };
}

/**
 * A --hash that is not the approval's paramsHash, refused before anything is sent: it
 * says that the hash differs and shows both, and whether the step was revised since
 * revision 1 (a hash from an earlier look is then the likely cause).
 */
export function hashMismatch(approval: Pick<Approval, 'approvalId' | 'paramsHash' | 'revision' | 'stepKey'>, given: string): GreenlightError {
  const revised = approval.revision > 1 ? ` Step ${approval.stepKey} is at revision ${approval.revision} now: if your hash is from an earlier look, review it again.` : '';
  return new GreenlightError(
    `The --hash you gave differs from the paramsHash of approval ${approval.approvalId}: you gave ${given}, the step has ${approval.paramsHash}.${revised} Nothing was decided.`,
    { code: 'CONFLICT', reason: 'stale_params_hash', httpStatus: 409 },
  );
}

/** The lines that show what a decision is about: task, step, risk, votes, deadline, preview, hash. */
export function approvalLines(approval: Approval, out: Out, opts: { full?: boolean; now?: number } = {}): string[] {
  // What the reviewer sees, with escape sequences and bidi overrides made visible (core's revealHidden).
  const shown = revealHiddenDeep(approval);
  const now = opts.now ?? Date.now();
  const riskStyle = shown.risk.level === 'high' ? 'red' : shown.risk.level === 'medium' ? 'yellow' : 'green';
  const lines = [
    `  task: ${shown.taskTitle} ${out.paint('gray', shown.taskId)}`,
    `  step: ${shown.stepKey} [${shown.kind}] ${oneLine(shown.title, 80)}${shown.revision > 1 ? ` (revision ${shown.revision})` : ''}`,
    `  risk: ${out.paint(riskStyle, shown.risk.level)}: ${oneLine(shown.risk.reason, 100)}${shown.risk.source === 'rule' && shown.risk.rule ? ` (rule ${shown.risk.rule})` : shown.risk.source === 'agent' ? ' (raised by the agent)' : ''}`,
  ];
  if (shown.context?.cwd || shown.context?.gitRemote) {
    lines.push(`  where: ${[shown.context.gitRemote, shown.context.gitBranch && `branch ${shown.context.gitBranch}`, shown.context.cwd].filter(Boolean).join(' · ')}`);
  }
  if (shown.explanation) lines.push(`  why: ${oneLine(shown.explanation, 100)}`);
  if (shown.requiredApprovals > 1) {
    const p = approvalProgress(shown.votes, shown.requiredApprovals);
    lines.push(`  approvals: ${p.count} of ${p.required}${p.approvers.length > 0 ? ` (${approverNames(shown.votes).join(', ')})` : ''}`);
  }
  if (shown.expiresAt !== undefined) lines.push(`  expires: in ${age(now, shown.expiresAt)} (then ${shown.defaultOnTimeout})`);
  for (const l of previewLines(shown.kind, shown.params, out, opts.full ? Infinity : 40)) lines.push(`  │ ${l}`);
  lines.push(`  paramsHash: ${shown.paramsHash}`);
  return lines;
}

function decideCommand(decision: Exclude<Decision, 'modify'>, usage: string, summary: string): Command {
  // Approving lets a step run: in a terminal it asks y/N first; scripts say --yes.
  const asks = decision === 'approve';
  return {
    usage,
    summary,
    options: {
      feedback: { type: 'string', short: 'm' },
      hash: { type: 'string' },
      full: { type: 'boolean' },
      ...(decision === 'approve' ? GRANT_OPTIONS : {}),
      ...(asks ? { yes: { type: 'boolean', short: 'y' } } : {}),
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
      const ask = asks && values.yes !== true;
      if (ask && !ctx.asker.interactive) {
        throw new UsageError('approve asks y/N before it approves, and stdin is not a terminal, so nobody can answer: add --yes to approve without asking (check the step first with greenlight show)');
      }

      const granting = decision === 'approve' ? grantOptions(values) : {};
      const client = ctx.client();
      const request = { approvalId, decision, ...(feedback ? { feedback } : {}), ...(answer !== undefined ? { answer } : {}), ...granting };
      const approval = await openApproval(client, approvalId);
      // --hash binds the decision to what was reviewed earlier (e.g. from `inbox --json`).
      const given = str(values.hash);
      if (given !== undefined && given !== approval.paramsHash) throw hashMismatch(approval, given);
      const paramsHash = approval.paramsHash;
      const { out } = ctx;
      const showText = !out.json || ask;
      if (showText) {
        const write = out.json ? out.err : out.line;
        write(`${out.paint('bold', VERB[decision])} ${out.paint('cyan', approval.approvalId)}`);
        for (const l of approvalLines(approval, out, { full: values.full === true })) write(l);
        if (granting.scope !== undefined && granting.scope !== 'once') {
          const matcher = granting.grant ?? revealHiddenDeep(approval).suggestedGrant;
          const reach = granting.scope === 'task' ? 'later matching steps of this task' : 'later matching steps of this task, and a rule proposed to the admins';
          write(`  grant (${reach}): ${matcher ? matcherText(matcher) : 'none can be derived from this step: pass --grant'}`);
        }
      }
      if (ask) {
        const reply = await ctx.asker.ask(`Approve this step? [y/N] `);
        if (!isYes(reply)) {
          (out.json ? out.err : out.line)('Not approved: nothing was sent.');
          return EXIT.declined;
        }
      }
      const result = await client.approvals.decide.mutate({ ...request, paramsHash });
      if (out.json) out.line(JSON.stringify({ approval, result }));
      else out.line(`→ ${decidedLine(result, (status) => paintStatus(out, status))}`);
      return 0;
    },
  };
}

export const approve = decideCommand(
  'approve',
  'approve <approvalId> [--hash <paramsHash>] [--yes] [--for-session | --scope once|task|always] [--grant <matcher JSON>]',
  'approve a step (shows it, asks y/N; --yes for scripts; --for-session: also later matching steps of its task)',
);
export const reject = decideCommand('reject', 'reject <approvalId> [-m <reason>]', 'reject a step (vetoes it)');
export const requestChanges = decideCommand('request_changes', 'request-changes <approvalId> -m <feedback>', 'send a step back with feedback');
export const skip = decideCommand('skip', 'skip <approvalId> [-m <reason>]', 'skip a step');
export const answer = decideCommand('answer', 'answer <approvalId> <text>', 'answer a clarify step');
