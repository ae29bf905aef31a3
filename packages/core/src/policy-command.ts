/**
 * A run_command step under the policy (issue 11, item 3; SPEC section 11). The command
 * line is parsed (shell/parse.ts) and each simple command in it is judged through the
 * rules as its own subject, first match wins, with the constructs around it. Then:
 * - any simple command denied, or the whole line matched first by a deny rule: deny;
 * - else any simple command asks (no rule allows it, or it needs a person for a
 *   construct its allow rule does not list): ask;
 * - else (every simple command allowed): allow.
 * A line the parser cannot read is never allowed: a deny rule that matches the raw
 * line still denies, anything else asks.
 */
import type { Mode } from './enums.ts';
import { judge, type Judgement, type PolicySubject } from './policy-rules.ts';
import type { Policy } from './schemas/policy.ts';
import { analysed } from './shell/analysed.ts';
import { strongerOf, type AuthStrength } from './identity.ts';
import { oneClickProblem } from './stepup.ts';
/** Re-exported for grants (machine/grants.ts), which read the same cached analysis. */
export { analysed } from './shell/analysed.ts';

const clip = (s: string): string => (s.length > 120 ? `${s.slice(0, 119)}…` : s);

/**
 * Several asking parts ask once: the most approvals, the shortest deadline, reject on
 * timeout unless they agree, the strongest `minAuth`, and one-click links only when every
 * part allows them and the combination still can (stepup.ts oneClickProblem).
 */
function combineAsks(asks: Judgement[]): Judgement {
  const first = asks[0]!;
  const timeouts = asks.map((v) => v.timeoutSeconds).filter((t): t is number => t !== undefined);
  const agreed = asks.every((v) => v.defaultOnTimeout === first.defaultOnTimeout);
  const { timeoutSeconds: _t, group: _g, remindAfterSeconds: _r, escalateAfterSeconds: _e, escalateTo: _to, minAuth: _m, oneClick: _o, ...rest } = first;
  // A part that asks a group keeps its group (fail closed); the first part that sets a reminder or an escalation gives it.
  const grouped = asks.find((v) => v.group !== undefined);
  const reminded = asks.find((v) => v.remindAfterSeconds !== undefined);
  const escalated = asks.find((v) => v.escalateAfterSeconds !== undefined && v.escalateTo !== undefined);
  const requiredApprovals = Math.max(...asks.map((v) => v.requiredApprovals));
  // The strongest step-up any part asks for holds for the whole line; one click only when every part allows it.
  const minAuth = asks.map((v) => v.minAuth).reduce<AuthStrength | undefined>((a, b) => (a === undefined ? b : b === undefined ? a : strongerOf(a, b)), undefined);
  const oneClick = grouped === undefined && asks.every((v) => v.oneClick === true) && oneClickProblem({ oneClick: true, minAuth, action: 'ask' }, requiredApprovals) === undefined;
  return {
    ...rest,
    ...(grouped ? { group: grouped.group } : {}),
    ...(reminded ? { remindAfterSeconds: reminded.remindAfterSeconds } : {}),
    ...(escalated ? { escalateAfterSeconds: escalated.escalateAfterSeconds, escalateTo: escalated.escalateTo } : {}),
    requiredApprovals,
    defaultOnTimeout: agreed ? first.defaultOnTimeout : 'reject',
    ...(timeouts.length > 0 ? { timeoutSeconds: Math.min(...timeouts) } : {}),
    ...(minAuth !== undefined ? { minAuth } : {}),
    ...(oneClick ? { oneClick: true } : {}),
  };
}

/** The verdict for a run_command step whose `params.command` is `command`. */
export function evaluateCommand(policy: Policy, s: PolicySubject, command: string, taskMode: Mode | undefined): Judgement {
  const analysis = analysed(command);
  const all = analysis.ok ? [...new Set(analysis.parts.flatMap((p) => p.constructs))] : [];
  // The raw line is a subject too, for deny rules written against a whole line (`curl .*\| *sh`).
  const whole = judge(policy, s, taskMode, all);
  if (whole.action === 'deny') return whole;
  if (!analysis.ok) return { ...whole, action: 'ask', reason: `the command ${analysis.reason}; a person decides` };
  const verdicts = analysis.parts.map((p) => ({ part: p, verdict: judge(policy, { ...s, params: { ...s.params, command: p.text } }, taskMode, p.constructs) }));
  const several = verdicts.length > 1;
  const denied = verdicts.find((v) => v.verdict.action === 'deny');
  if (denied) {
    const { verdict, part } = denied;
    return several ? { ...verdict, reason: `${verdict.reason ?? `denied by ${verdict.rule}`} (in: ${clip(part.text)})` } : verdict;
  }
  const asks = verdicts.filter((v) => v.verdict.action === 'ask');
  if (asks.length > 0) {
    const ask = combineAsks(asks.map((v) => v.verdict));
    const why = asks[0]!.verdict.reason ?? `no rule allows it`;
    return several ? { ...ask, reason: `${clip(asks[0]!.part.text)}: ${why}` } : ask;
  }
  const rules = [...new Set(verdicts.map((v) => v.verdict.rule).filter((r): r is string => r !== undefined))];
  return { ...verdicts[0]!.verdict, rule: rules.join(' + ') };
}
