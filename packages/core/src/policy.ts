/**
 * The policy engine (SPEC sections 4 and 11): first matching rule wins, else the mode
 * decides; a command line is judged per simple command (policy-command.ts), paths in
 * canonical form (paths.ts), every pattern in linear time (patterns.ts).
 * Every verdict carries the step's risk (risk.ts), which rules matching `risk` see.
 * Pure: the same policy and step always give the same verdict.
 */
import type { Mode } from './enums.ts';
import { evaluateCommand } from './policy-command.ts';
import { judge, type PolicySubject } from './policy-rules.ts';
import { assessRisk } from './risk.ts';
import type { Policy, PolicyVerdict } from './schemas/policy.ts';

export { assessRisk, commandRisk, defaultRisk, maxRisk, pathRisk, riskAbove, type RiskFinding } from './risk.ts';
export { higherMode, matchRule, ruleMatches, ruleName, subjectPaths, subjectTool, type PolicySubject, type RuleMatch } from './policy-rules.ts';

/**
 * The verdict for one step. `taskMode` is the task's own mode when an approver raised
 * it ("approve the rest"): it replaces the fallback mode, and autopilot also turns
 * `ask` rules into allow. Deny rules always hold, and clarify steps always ask.
 */
export function evaluatePolicy(policy: Policy, s: PolicySubject, taskMode?: Mode): PolicyVerdict {
  // The risk first: rules that match on `risk` see the server's level, not the agent's word.
  const risk = assessRisk(policy, s);
  const subject = { ...s, risk: risk.level };
  const command = s.params.command;
  if (s.kind === 'run_command' && typeof command === 'string') return { ...evaluateCommand(policy, subject, command, taskMode), risk };
  return { ...judge(policy, subject, taskMode), risk };
}
