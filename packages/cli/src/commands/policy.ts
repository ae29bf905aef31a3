/**
 * `greenlight policy get | set <file> | simulate <file>`: the workspace policy as a JSON
 * file. `get` prints the policy alone (so `policy get > policy.json`, edit, `policy set
 * policy.json` round-trips); `simulate` replays recent tasks through a candidate and says
 * what it would decide differently, without setting it; `set` replaces the policy (admin
 * key). A file may hold the policy itself or `{ "policy": ... }` as `get --json` prints it;
 * `-` reads stdin. The server checks it (the same schema as the page): a bad rule is a
 * usage-style error listing each problem, and nothing changes.
 */
import { readFileSync } from 'node:fs';
import type { PolicyInput } from '@greenlight/core';
import { UsageError } from '../errors.ts';
import { table } from '../output.ts';
import { str, type Command } from './spec.ts';

const SHOWN_CHANGES = 20;

/** The policy in `file` (or stdin for `-`): parsed JSON, unwrapped from `{ policy }` when it has that shape. */
export function readPolicyFile(file: string): PolicyInput {
  let text: string;
  try {
    text = readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read ${file}: ${err instanceof Error ? err.message : String(err)}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`${file} is not JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new UsageError(`${file} must hold a JSON object (the policy)`);
  const o = json as Record<string, unknown>;
  const wrapped = typeof o.policy === 'object' && o.policy !== null && !('rules' in o) && !('mode' in o);
  return (wrapped ? o.policy : o) as PolicyInput;
}

function positiveInt(flag: string, v: string | boolean | undefined): number | undefined {
  const s = str(v);
  if (s === undefined) return undefined;
  if (!/^[1-9]\d*$/.test(s)) throw new UsageError(`--${flag} is a whole number above 0, not ${JSON.stringify(s)}`);
  return Number(s);
}

export const policy: Command = {
  usage: 'policy get | policy set <file|-> | policy simulate <file|-> [--limit <tasks>]',
  summary: 'print the workspace policy as JSON, replay recent tasks through a candidate, or set it from a file',
  options: { limit: { type: 'string' } },
  async run(ctx, args, values) {
    const [sub, file, ...rest] = args;
    if (rest.length > 0) throw new UsageError('policy takes one file');
    const client = ctx.client();
    if (sub === 'get') {
      if (file !== undefined) throw new UsageError('policy get takes no file (redirect its output: greenlight policy get > policy.json)');
      const state = await client.policy.get.query();
      ctx.out.line(JSON.stringify(ctx.out.json ? state : state.policy, null, 2));
      return 0;
    }
    if (sub !== 'set' && sub !== 'simulate') throw new UsageError('usage: greenlight policy get | set <file> | simulate <file>');
    if (file === undefined) throw new UsageError(`policy ${sub} needs a file with the policy as JSON (- for stdin)`);
    const candidate = readPolicyFile(file);
    if (sub === 'set') {
      const state = await client.policy.set.mutate({ policy: candidate });
      if (ctx.out.json) ctx.out.line(JSON.stringify(state));
      else ctx.out.line(`policy set: version ${state.version}, ${state.policy.rules.length} rule${state.policy.rules.length === 1 ? '' : 's'}, mode ${state.policy.mode}`);
      return 0;
    }
    const limit = positiveInt('limit', values.limit);
    const report = await client.policy.simulate.query({ policy: candidate, ...(limit ? { limit } : {}) });
    if (ctx.out.json) {
      ctx.out.line(JSON.stringify(report));
      return 0;
    }
    ctx.out.line(
      `replayed ${report.steps} step${report.steps === 1 ? '' : 's'} of ${report.tasks} task${report.tasks === 1 ? '' : 's'}: ${report.changed} would be decided differently${report.truncated ? ` (only the first ${report.maxSteps} steps)` : ''}`,
    );
    for (const [move, n] of Object.entries(report.transitions)) ctx.out.line(`  ${move}: ${n}`);
    if (report.changes.length > 0) {
      ctx.out.line('');
      const rows = report.changes.slice(0, SHOWN_CHANGES).map((c) => [c.kind, c.title, `${c.from.action} -> ${c.to.action}`, c.to.rule ?? '']);
      for (const line of table([['kind', 'step', 'change', 'rule'], ...rows])) ctx.out.line(line);
      if (report.changes.length > SHOWN_CHANGES) ctx.out.line(`... and ${report.changes.length - SHOWN_CHANGES} more (--json for all)`);
    }
    return 0;
  },
};
