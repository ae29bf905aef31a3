/**
 * The policy engine (SPEC section 4): first matching rule wins, else the mode decides.
 * Pure: the same policy and step always give the same verdict.
 */
import picomatch from 'picomatch';
import type { Mode, Risk, StepKind } from './enums.ts';
import type { Policy, PolicyRule, PolicyVerdict } from './schemas/policy.ts';

/** What the policy looks at in a step. */
export type PolicySubject = { kind: StepKind; params: Record<string, unknown>; risk?: Risk | undefined };

const MODE_RANK: Record<Mode, number> = { manual: 0, copilot: 1, autopilot: 2 };
export const higherMode = (a: Mode, b: Mode): Mode => (MODE_RANK[a] >= MODE_RANK[b] ? a : b);

export const ruleName = (rule: PolicyRule, index: number): string => rule.name ?? `rules[${index}]`;

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
/**
 * Paths are matched in normal form: `apps/../memory/x` is `memory/x`, so dot segments
 * can never slip a write past a deny rule. A path that climbs above the root keeps
 * its leading `..`, which no allow glob matches.
 */
export function normalizePath(p: string): string {
  const out: string[] = [];
  for (const seg of p.replace(/\\/g, '/').split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..' && out.length > 0 && out[out.length - 1] !== '..') out.pop();
    else out.push(seg);
  }
  return out.join('/');
}

/** The paths a step touches, for `path` rules. */
export function subjectPaths(s: PolicySubject): string[] {
  if (s.kind === 'edit_file' || s.kind === 'delete_file') {
    const p = str(s.params.path);
    return p ? [p] : [];
  }
  if (s.kind === 'read' && Array.isArray(s.params.paths)) return s.params.paths.filter((p): p is string => typeof p === 'string');
  return [];
}

export const subjectTool = (s: PolicySubject): string | undefined =>
  s.kind === 'read' || s.kind === 'custom' ? str(s.params.tool) : undefined;

// Compiled globs are cached per pattern: rules are few, steps are many.
const globCache = new Map<string, picomatch.Matcher>();
function glob(pattern: string): picomatch.Matcher {
  let m = globCache.get(pattern);
  if (!m) {
    m = picomatch(pattern, { dot: true });
    globCache.set(pattern, m);
  }
  return m;
}

/**
 * A rule matches when every field it names matches. With several paths, an `allow`
 * rule needs all of them inside its glob, while `ask`/`deny` fire on any one: a read
 * of `apps/x` and `.git/config` is never allowed by a rule for `apps/**`.
 */
export function ruleMatches(rule: PolicyRule, s: PolicySubject): boolean {
  const m = rule.match;
  if (m.kind !== undefined && m.kind !== s.kind) return false;
  if (m.risk !== undefined && m.risk !== s.risk) return false;
  if (m.tool !== undefined && m.tool !== subjectTool(s)) return false;
  if (m.command !== undefined) {
    const command = s.kind === 'run_command' ? str(s.params.command) : undefined;
    if (command === undefined || !new RegExp(m.command).test(command)) return false;
  }
  if (m.path !== undefined) {
    const paths = subjectPaths(s).map(normalizePath);
    if (paths.length === 0) return false;
    const isMatch = glob(m.path);
    if (rule.action === 'allow' ? !paths.every((p) => isMatch(p)) : !paths.some((p) => isMatch(p))) return false;
  }
  return true;
}

function modeAction(mode: Mode, policy: Policy, s: PolicySubject): 'allow' | 'ask' {
  if (mode === 'autopilot') return 'allow';
  if (mode === 'manual') return s.kind === 'read' ? 'allow' : 'ask';
  const tool = subjectTool(s);
  return s.kind === 'read' || (s.kind === 'custom' && tool !== undefined && policy.autoApprove.includes(tool)) ? 'allow' : 'ask';
}

/**
 * The verdict for one step. `taskMode` is the task's own mode when an approver raised
 * it ("approve the rest"): it replaces the fallback mode, and autopilot also turns
 * `ask` rules into allow. Deny rules always hold, and clarify steps always ask.
 */
export function evaluatePolicy(policy: Policy, s: PolicySubject, taskMode?: Mode): PolicyVerdict {
  const mode = taskMode ?? policy.mode;
  const base = { requiredApprovals: policy.requiredApprovals, defaultOnTimeout: policy.defaultOnTimeout };
  const withTimeout = (t: number | undefined) => (t === undefined ? {} : { timeoutSeconds: t });
  const index = policy.rules.findIndex((r) => ruleMatches(r, s));
  let verdict: PolicyVerdict;
  if (index >= 0) {
    const rule = policy.rules[index]!;
    verdict = {
      action: rule.action,
      rule: ruleName(rule, index),
      ...(rule.reason !== undefined ? { reason: rule.reason } : {}),
      requiredApprovals: rule.requiredApprovals ?? base.requiredApprovals,
      defaultOnTimeout: rule.defaultOnTimeout ?? base.defaultOnTimeout,
      ...withTimeout(rule.timeoutSeconds ?? policy.timeoutSeconds),
    };
    if (verdict.action === 'ask' && taskMode === 'autopilot') verdict = { ...verdict, action: 'allow', rule: `mode:autopilot` };
  } else {
    verdict = { action: modeAction(mode, policy, s), rule: `mode:${mode}`, ...base, ...withTimeout(policy.timeoutSeconds) };
  }
  // A question is never answered by the policy; a deny rule still holds.
  if (s.kind === 'clarify' && verdict.action === 'allow') return { ...verdict, action: 'ask' };
  return verdict;
}
