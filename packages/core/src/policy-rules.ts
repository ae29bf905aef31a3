/**
 * Rules against one subject (SPEC sections 4 and 11): first matching rule wins, else the
 * mode decides. Paths are compared in canonical form (paths.ts), every pattern runs in
 * linear time (patterns.ts). Pure.
 */
import type { CommandConstruct, Mode, Risk, StepKind } from './enums.ts';
import { effectiveAnnotations, mcpServerOf, McpAnnotations } from './mcp.ts';
import { canonicalPath, pathPatternProblem } from './paths.ts';
import { compileGlob, compileRegex, regexFinds } from './patterns.ts';
import type { Policy, PolicyRule, PolicyVerdict } from './schemas/policy.ts';

/** A verdict before the step's risk is added (policy.ts adds it). */
export type Judgement = Omit<PolicyVerdict, 'risk'>;

/** What the policy looks at in a step. */
export type PolicySubject = { kind: StepKind; params: Record<string, unknown>; risk?: Risk | undefined };

const MODE_RANK: Record<Mode, number> = { manual: 0, copilot: 1, autopilot: 2 };
export const higherMode = (a: Mode, b: Mode): Mode => (MODE_RANK[a] >= MODE_RANK[b] ? a : b);

export const ruleName = (rule: PolicyRule, index: number): string => rule.name ?? `rules[${index}]`;

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** The paths a step touches, for `path` rules, as the step gives them. */
export function subjectPaths(s: PolicySubject): string[] {
  if (s.kind === 'edit_file' || s.kind === 'delete_file') {
    const p = str(s.params.path);
    return p ? [p] : [];
  }
  if (s.kind === 'read' && Array.isArray(s.params.paths)) return s.params.paths.filter((p): p is string => typeof p === 'string');
  return [];
}

export const subjectTool = (s: PolicySubject): string | undefined => (s.kind === 'read' || s.kind === 'custom' ? str(s.params.tool) : undefined);

/**
 * The MCP hints of a custom step, the spec's defaults filled in: those its params carry
 * (the gateway copies them from the server's tool list), or none declared for an
 * `mcp__` tool that carries none (a host hook sees no annotations), so it counts as
 * destructive. Undefined for a step that is not an MCP tool call.
 */
function subjectAnnotations(s: PolicySubject): Required<McpAnnotations> | undefined {
  if (s.kind !== 'custom') return undefined;
  const declared = McpAnnotations.safeParse(s.params.annotations);
  if (s.params.annotations !== undefined && declared.success) return effectiveAnnotations(declared.data);
  const tool = subjectTool(s);
  return tool !== undefined && mcpServerOf(tool) !== undefined ? effectiveAnnotations({}) : undefined;
}

/** Does the rule's `annotations` agree with the step's (every hint it names)? */
function annotationsMatch(want: McpAnnotations, s: PolicySubject): boolean {
  const have = subjectAnnotations(s);
  if (have === undefined) return false;
  return (Object.keys(want) as (keyof McpAnnotations)[]).every((k) => want[k] === have[k]);
}

/**
 * Whether a rule matched, and when it matched only because something could not be judged
 * (an ambiguous path, a pattern stored before it was checked), why: a deny or ask rule
 * fails closed on those, an allow rule never matches them.
 */
export type RuleMatch = { matched: boolean; failClosed?: string };
const NO: RuleMatch = { matched: false };
const YES: RuleMatch = { matched: true };
const unsure = (rule: PolicyRule, why: string): RuleMatch => (rule.action === 'allow' ? NO : { matched: true, failClosed: why });

/**
 * The `path` field. An absolute glob (`/etc/**`) matches only absolute paths, a relative
 * one (`src/**`) only relative paths. Deny and ask rules also match regardless of case
 * (`.GIT/config` is `.git/config` on macOS and Windows). With several paths, `allow`
 * needs all of them inside its glob, `ask`/`deny` fire on any one.
 */
function pathMatch(rule: PolicyRule, glob: string, s: PolicySubject): RuleMatch {
  const raw = subjectPaths(s);
  if (raw.length === 0) return NO;
  const problem = pathPatternProblem(glob);
  const exact = compileGlob(glob);
  const loose = compileGlob(glob, true);
  if (problem !== undefined) return unsure(rule, problem);
  if (!exact.ok) return unsure(rule, `its path pattern is ${exact.error}`);
  if (!loose.ok) return unsure(rule, `its path pattern is ${loose.error}`);
  const absoluteGlob = glob.startsWith('/');
  const paths = raw.map((p) => canonicalPath(p));
  const inside = (c: (typeof paths)[number]): boolean => c.ok && c.absolute === absoluteGlob && (exact.value(c.path) || (rule.action !== 'allow' && loose.value(c.path)));
  if (rule.action === 'allow') return paths.every(inside) ? YES : NO;
  if (paths.some(inside)) return YES;
  const ambiguous = paths.find((c) => !c.ok);
  return ambiguous && !ambiguous.ok ? { matched: true, failClosed: ambiguous.reason } : NO;
}

/**
 * Does `rule` match `s`? Every field it names must match. For a run_command step,
 * `command` is the text of one simple command (or the whole line), with `constructs`
 * the constructs around it: a deny or ask rule naming `constructs` matches only a
 * command that has one of them.
 */
export function matchRule(rule: PolicyRule, s: PolicySubject, constructs: readonly CommandConstruct[] = []): RuleMatch {
  const m = rule.match;
  if (m.kind !== undefined && m.kind !== s.kind) return NO;
  if (m.risk !== undefined && m.risk !== s.risk) return NO;
  if (m.tool !== undefined && m.tool !== subjectTool(s)) return NO;
  if (m.server !== undefined && (s.kind !== 'custom' || mcpServerOf(subjectTool(s) ?? '') !== m.server)) return NO;
  // An allow rule matching on hints without trusting them is refused by Policy; one stored otherwise never matches.
  if (m.annotations !== undefined && ((rule.action === 'allow' && rule.trustAnnotations !== true) || !annotationsMatch(m.annotations, s))) return NO;
  if (m.constructs !== undefined && rule.action !== 'allow' && !constructs.some((c) => m.constructs!.includes(c))) return NO;
  let result = YES;
  if (m.command !== undefined) {
    const command = s.kind === 'run_command' ? str(s.params.command) : undefined;
    if (command === undefined) return NO;
    const re = compileRegex(m.command);
    if (!re.ok) result = unsure(rule, `its command pattern is ${re.error}`);
    else if (!regexFinds(re.value, command)) return NO;
    if (!result.matched) return NO;
  }
  if (m.path !== undefined) {
    const p = pathMatch(rule, m.path, s);
    if (!p.matched) return NO;
    if (p.failClosed !== undefined) result = p;
  }
  return result;
}

/** Whether `rule` matches `s` as a whole (a command line as one string). */
export const ruleMatches = (rule: PolicyRule, s: PolicySubject): boolean => matchRule(rule, s).matched;

function modeAction(mode: Mode, policy: Policy, s: PolicySubject): 'allow' | 'ask' {
  if (mode === 'autopilot') return 'allow';
  if (mode === 'manual') return s.kind === 'read' ? 'allow' : 'ask';
  const tool = subjectTool(s);
  return s.kind === 'read' || (s.kind === 'custom' && tool !== undefined && policy.autoApprove.includes(tool)) ? 'allow' : 'ask';
}

/** A rule's reminder and escalation (issue 15 item 6), as its verdict carries them. */
const nudgesOf = (rule: Pick<PolicyRule, 'remindAfterSeconds' | 'escalateAfterSeconds' | 'escalateTo'>) => ({
  ...(rule.remindAfterSeconds !== undefined ? { remindAfterSeconds: rule.remindAfterSeconds } : {}),
  ...(rule.escalateAfterSeconds !== undefined && rule.escalateTo !== undefined ? { escalateAfterSeconds: rule.escalateAfterSeconds, escalateTo: rule.escalateTo } : {}),
});

/**
 * The verdict for one subject under the rules, first match wins. `needs` are the
 * constructs around a simple command: an allow rule that does not list each of them in
 * `match.constructs` asks instead. Exported for policy-command.ts.
 */
export function judge(policy: Policy, s: PolicySubject, taskMode: Mode | undefined, needs: readonly CommandConstruct[] = []): Judgement {
  const mode = taskMode ?? policy.mode;
  const base = { requiredApprovals: policy.requiredApprovals, defaultOnTimeout: policy.defaultOnTimeout };
  const withTimeout = (t: number | undefined) => (t === undefined ? {} : { timeoutSeconds: t });
  let verdict: Judgement | undefined;
  for (const [index, rule] of policy.rules.entries()) {
    const hit = matchRule(rule, s, needs);
    if (!hit.matched) continue;
    const name = ruleName(rule, index);
    const reason = hit.failClosed !== undefined ? `${hit.failClosed}; rule ${name} fails closed` : rule.reason;
    const quorum = typeof rule.requiredApprovals === 'object' ? rule.requiredApprovals : undefined;
    verdict = {
      action: rule.action,
      rule: name,
      ...(reason !== undefined ? { reason } : {}),
      requiredApprovals: quorum?.count ?? (typeof rule.requiredApprovals === 'number' ? rule.requiredApprovals : base.requiredApprovals),
      ...(quorum ? { group: quorum.group } : {}),
      ...nudgesOf(rule),
      defaultOnTimeout: rule.defaultOnTimeout ?? base.defaultOnTimeout,
      ...withTimeout(rule.timeoutSeconds ?? policy.timeoutSeconds),
      ...(rule.minAuth !== undefined ? { minAuth: rule.minAuth } : {}),
      ...(rule.oneClick === true ? { oneClick: true } : {}),
    };
    const missing = verdict.action === 'allow' ? needs.filter((c) => !(rule.match.constructs ?? []).includes(c)) : [];
    if (missing.length > 0) verdict = { ...verdict, action: 'ask', reason: `needs a person: ${missing.join(', ')} (not listed in the match.constructs of rule ${name})` };
    if (verdict.action === 'ask' && taskMode === 'autopilot') verdict = { ...verdict, action: 'allow', rule: `mode:autopilot` };
    break;
  }
  verdict ??= { action: modeAction(mode, policy, s), rule: `mode:${mode}`, ...base, ...withTimeout(policy.timeoutSeconds) };
  // A question is never answered by the policy; a deny rule still holds.
  if (s.kind === 'clarify' && verdict.action === 'allow') return { ...verdict, action: 'ask' };
  return verdict;
}
