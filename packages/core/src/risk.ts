/**
 * A step's risk as the policy assigns it (issue 16, item 2; SPEC section 11):
 * 1. the server's default, by kind and by what the step touches (risk-defaults.ts);
 * 2. replaced by the first workspace rule with a `risk` that matches the step (for a
 *    command line: each simple command gets its first matching rule's risk or its own
 *    default, a rule may also match the whole line, and the line takes the highest);
 * 3. raised, never lowered, by the risk the agent declared.
 * Rules that match on `risk` (match.risk) see the result, so a rule can say "high risk
 * needs two people". In step 2, a rule's match.risk is compared with the server's
 * default (the only level known before the rules run), never with the agent's word, so
 * that a declaration can only ever raise the result (test/risk.test.ts checks it).
 * Pure and deterministic: the same policy and subject give the same assessment.
 */
import type { Risk } from './enums.ts';
import { matchRule, ruleName, type PolicySubject } from './policy-rules.ts';
import { defaultRisk, lineRisk, partRisk, riskAbove, type RiskFinding } from './risk-defaults.ts';
import type { Policy } from './schemas/policy.ts';
import type { RiskAssessment } from './schemas/policy-shape.ts';
import { analysed } from './shell/analysed.ts';

export { commandRisk, defaultRisk, maxRisk, pathRisk, riskAbove, type RiskFinding } from './risk-defaults.ts';

type Found = RiskFinding & { rule?: string };

/** The first rule with a `risk` that matches `s` (seeing `level` for match.risk), if any. */
function ruleRisk(policy: Policy, s: PolicySubject, level: Risk): Found | undefined {
  for (const [index, rule] of policy.rules.entries()) {
    if (rule.risk === undefined) continue;
    const hit = matchRule(rule, { ...s, risk: level });
    // A match that holds only because something could not be judged never sets a risk.
    if (!hit.matched || hit.failClosed !== undefined) continue;
    const name = ruleName(rule, index);
    return { level: rule.risk, reason: rule.reason ?? `rule ${name} sets it`, rule: name };
  }
  return undefined;
}

/** The highest finding; on a tie the first, so the reason is stable. */
function highest(found: readonly Found[]): Found {
  let out = found[0]!;
  for (const f of found) if (riskAbove(f.level, out.level)) out = f;
  return out;
}

/** The policy's own risk for `s` (steps 1 and 2 above), before the agent's declaration. */
function policyRisk(policy: Policy, s: PolicySubject): Found {
  const command = s.params.command;
  if (s.kind === 'run_command' && typeof command === 'string') {
    const analysis = analysed(command);
    const found: Found[] = [];
    const line = lineRisk(analysis);
    const wholeRule = ruleRisk(policy, s, line?.level ?? 'low');
    if (wholeRule) found.push(wholeRule);
    else if (line) found.push(line);
    for (const part of analysis.ok ? analysis.parts : []) {
      const d = partRisk(part);
      found.push(ruleRisk(policy, { ...s, params: { ...s.params, command: part.text } }, d.level) ?? d);
    }
    return found.length === 0 ? { level: 'low', reason: 'runs nothing' } : highest(found);
  }
  const d = defaultRisk(s.kind, s.params);
  return ruleRisk(policy, s, d.level) ?? d;
}

/**
 * The risk of a step under `policy`: `{level, reason, source, rule?}`. `s.risk` is the
 * agent's declared level: it raises the result (source `agent`) and never lowers it.
 */
export function assessRisk(policy: Policy, s: PolicySubject): RiskAssessment {
  const own = policyRisk(policy, s);
  if (s.risk !== undefined && riskAbove(s.risk, own.level)) {
    return { level: s.risk, source: 'agent', reason: `the agent declared ${s.risk} risk (the policy alone says ${own.level}: ${own.reason})` };
  }
  return { level: own.level, reason: own.reason, source: own.rule !== undefined ? 'rule' : 'default', ...(own.rule !== undefined ? { rule: own.rule } : {}) };
}
