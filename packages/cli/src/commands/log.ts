/**
 * `greenlight log`: the decision history (history.list, issue 16), newest first, as a
 * table or --json: who decided what, when, and why, across tasks. Filters map one to one
 * onto history.list's; --since/--until take an ISO time or an age (`30m`, `2h`, `7d`).
 */
import { decidersText, HistoryDecision, Risk, revealHiddenDeep, StepStatus, type HistoryEntry } from '@greenlight/core';
import { UsageError } from '../errors.ts';
import { collectPages } from '../pages.ts';
import { age, oneLine, paintStatus, table } from '../output.ts';
import { str, type Command } from './spec.ts';

const AGE = /^(\d+)(s|m|h|d)$/;
const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * A time flag in epoch ms: an age before `now` (`90m`, `2h`, `7d`) or anything Date.parse
 * reads (ISO 8601). @throws UsageError naming the flag when it is neither.
 */
export function parseWhen(raw: string, flag: string, now = Date.now()): number {
  const rel = AGE.exec(raw.trim());
  if (rel) return now - Number(rel[1]) * UNIT_MS[rel[2]!]!;
  const at = Date.parse(raw);
  if (Number.isNaN(at) || at < 0) throw new UsageError(`${flag} takes an ISO time (2026-11-30T12:00Z) or an age such as 30m, 2h or 7d (got ${JSON.stringify(raw)})`);
  return at;
}

/** An enum flag, checked here so a typo is a usage error that lists the choices. */
function oneOf<T extends string>(raw: string | undefined, choices: readonly T[], flag: string): T | undefined {
  if (raw === undefined) return undefined;
  if (!(choices as readonly string[]).includes(raw)) throw new UsageError(`${flag} is one of ${choices.join(', ')} (got ${JSON.stringify(raw)})`);
  return raw as T;
}

export const log: Command = {
  usage: 'log [--task|--agent|--by|--decision|--status|--risk <v>] [--since|--until <t>] [--limit <n>] [--cursor <c>]',
  summary: 'decision history, newest first: who decided what, when, why',
  options: {
    task: { type: 'string' },
    agent: { type: 'string' },
    by: { type: 'string' },
    decision: { type: 'string' },
    status: { type: 'string' },
    risk: { type: 'string' },
    since: { type: 'string' },
    until: { type: 'string' },
    limit: { type: 'string' },
    cursor: { type: 'string' },
  },
  async run(ctx, args, values) {
    if (args.length > 0) throw new UsageError(`log takes no arguments (got ${args.join(' ')}); filter with --task, --agent, --by, ...`);
    const limit = Number(str(values.limit) ?? 50);
    if (!Number.isInteger(limit) || limit < 1) throw new UsageError('--limit must be a positive integer');
    const now = Date.now();
    const since = str(values.since);
    const until = str(values.until);
    const filters = {
      ...(str(values.task) ? { taskId: str(values.task)! } : {}),
      ...(str(values.agent) ? { agent: str(values.agent)! } : {}),
      ...(str(values.by) ? { decider: str(values.by)! } : {}),
      ...(values.decision !== undefined ? { decision: oneOf(str(values.decision), HistoryDecision.options, '--decision')! } : {}),
      ...(values.status !== undefined ? { status: oneOf(str(values.status), StepStatus.options, '--status')! } : {}),
      ...(values.risk !== undefined ? { risk: oneOf(str(values.risk), Risk.options, '--risk')! } : {}),
      ...(since !== undefined ? { since: parseWhen(since, '--since', now) } : {}),
      ...(until !== undefined ? { until: parseWhen(until, '--until', now) } : {}),
    };
    const { items, nextCursor } = await collectPages<HistoryEntry>(limit, str(values.cursor), (size, cursor) =>
      ctx.client().history.list.query({ ...filters, limit: size, ...(cursor ? { cursor } : {}) }),
    );

    const { out } = ctx;
    if (out.json) {
      out.line(JSON.stringify({ items, ...(nextCursor ? { nextCursor } : {}) }));
      return 0;
    }
    if (items.length === 0) {
      out.line('No decisions match.');
      return 0;
    }
    const rows = [['WHEN', 'DECISION', 'STATUS', 'RISK', 'BY', 'AGENT', 'TASK', 'STEP'].map((h) => out.paint('bold', h))];
    // Titles and names come from agents: escape sequences and bidi overrides are shown, not obeyed.
    for (const e of revealHiddenDeep(items)) {
      rows.push([
        `${age(e.at, now)} ago`,
        e.decision,
        paintStatus(out, e.status),
        out.paint(e.risk.level === 'high' ? 'red' : e.risk.level === 'medium' ? 'yellow' : 'green', e.risk.level),
        // Who, and how they proved it when recorded (issue 15): "alice · SSO+MFA via sign-in".
        oneLine(decidersText(e), 60),
        oneLine(e.agent, 20),
        `${oneLine(e.taskTitle, 28)} ${out.paint('gray', e.taskId)}`,
        `${e.stepKey}: ${oneLine(e.title, 40)}${e.feedback ? ` — ${oneLine(e.feedback, 40)}` : e.reason ? ` — ${oneLine(e.reason, 40)}` : ''}`,
      ]);
    }
    for (const line of table(rows)) out.line(line);
    if (nextCursor) out.line(out.paint('gray', `… more: greenlight log --cursor ${nextCursor} (or raise --limit; showing ${items.length})`));
    return 0;
  },
};
