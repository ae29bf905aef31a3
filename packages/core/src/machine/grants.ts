/**
 * Remembered grants (SPEC section 11; docs/sessions.md): which later steps a reviewer's
 * "for this session" approval reaches, derived from the step they approved. Commands are
 * compared on the parsed command line (shell/parse.ts via the policy's cache), never as
 * strings; paths in canonical form (paths.ts) under picomatch globs (patterns.ts).
 *
 * A grant never beats a deny (only a verdict that asks is open to it), never stands in
 * for N-of-M (a verdict needing more than one approval is not), never answers a
 * question (clarify), and never counts when its author created the task while
 * preventSelfApproval holds.
 */
import { needsStepUp } from '../stepup.ts';
import { canonicalPath, pathPatternProblem } from '../paths.ts';
import { compileGlob } from '../patterns.ts';
import { analysed } from '../policy-command.ts';
import { subjectPaths, subjectTool, type PolicySubject } from '../policy-rules.ts';
import { renderWord, type ShellPart } from '../shell/parse.ts';
import type { Approval } from '../schemas/approval.ts';
import type { Grant, GrantMatcher } from '../schemas/grant.ts';
import type { Policy, PolicyRule, PolicyVerdict } from '../schemas/policy.ts';
import type { TaskRecord } from '../schemas/task.ts';
import { selfApprovalRefusal, verdictForTask } from './authority.ts';

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
/** Characters a glob gives meaning to: a path holding one cannot be its own glob. */
const GLOB_SPECIAL = /[*?[\]{}()!+@|\\,]/;

/** The step's `cwd` in canonical form (paths.ts), undefined when it has none. */
function stepCwd(step: PolicySubject): ReturnType<typeof canonicalPath> | undefined {
  const cwd = str(step.params.cwd);
  return cwd === undefined ? undefined : canonicalPath(cwd);
}

/**
 * Whether a command grant's directory admits the step: the grant names one (canonical)
 * and the step's cwd has exactly that canonical form, or neither has one. A cwd changes
 * what a command does (`npm test` in another package, `rm -rf build` elsewhere), so a
 * grant approved in one directory never approves the command in another; a cwd with no
 * single meaning matches nothing (fail closed).
 */
function cwdAdmits(grantCwd: string | undefined, step: PolicySubject): boolean {
  const c = stepCwd(step);
  if (grantCwd === undefined || c === undefined) return grantCwd === undefined && c === undefined;
  const g = canonicalPath(grantCwd);
  return g.ok && c.ok && g.path === c.path;
}

const samePart = (a: ShellPart, b: ShellPart): boolean => a.text === b.text && a.constructs.join() === b.constructs.join();
const startsWith = (argv: readonly string[], prefix: readonly string[]): boolean => prefix.length <= argv.length && prefix.every((w, i) => argv[i] === w);

/**
 * The matcher an approval "for this session" gives by default, from the approved step:
 * the exact command line for run_command, in the step's canonical cwd when it has one (a
 * reviewer may widen the line to an argv prefix; the directory stays),
 * the exact canonical path for a file step (widen it to a glob), the tool for a read or
 * custom step without a single path. Undefined when none fits (another kind, a command
 * the parser cannot read, a path with no single meaning or with glob characters).
 */
export function deriveGrant(step: PolicySubject): GrantMatcher | undefined {
  if (step.kind === 'run_command') {
    const command = str(step.params.command);
    if (command === undefined || !analysed(command).ok) return undefined;
    const cwd = stepCwd(step);
    // A cwd with no single meaning binds to nothing: no grant (the reviewer approves each call).
    if (cwd !== undefined && !cwd.ok) return undefined;
    return { kind: 'command', exact: command, ...(cwd ? { cwd: cwd.path } : {}) };
  }
  if (step.kind === 'edit_file' || step.kind === 'delete_file' || step.kind === 'read') {
    const paths = subjectPaths(step);
    const c = paths.length === 1 ? canonicalPath(paths[0]!) : undefined;
    if (c?.ok && !GLOB_SPECIAL.test(c.path)) return { kind: 'path', stepKind: step.kind, glob: c.path };
  }
  const tool = subjectTool(step);
  return tool !== undefined ? { kind: 'tool', tool } : undefined;
}

/**
 * The approval with the grant "approve for this session" would give (`suggestedGrant`),
 * when one can be derived. Added by the object when it serves approvals, not by the
 * view itself (machine/approval.ts), so a reader of views (the page) does not load the
 * command parser.
 */
export function withSuggestedGrant<A extends Pick<Approval, 'kind' | 'params' | 'declaredRisk'> & { suggestedGrant?: GrantMatcher | undefined }>(a: A): A {
  if (a.kind === 'clarify') return a;
  const suggestedGrant = deriveGrant({ kind: a.kind, params: a.params, ...(a.declaredRisk !== undefined ? { risk: a.declaredRisk } : {}) });
  return suggestedGrant ? { ...a, suggestedGrant } : a;
}

/** Why a matcher cannot be used (a glob that can never match or is not linear, a command the parser cannot read), if so. */
export function grantMatcherProblem(m: GrantMatcher): string | undefined {
  if (m.kind === 'path') {
    const glob = compileGlob(m.glob);
    return pathPatternProblem(m.glob) ?? (glob.ok ? undefined : `path glob ${JSON.stringify(m.glob)} is ${glob.error}`);
  }
  if (m.kind === 'command' && m.cwd !== undefined) {
    const c = canonicalPath(m.cwd);
    if (!c.ok) return `cwd: ${c.reason}`;
  }
  if (m.kind === 'command' && 'exact' in m) {
    const a = analysed(m.exact);
    return a.ok ? undefined : `the command ${a.reason}`;
  }
  return undefined;
}

/** Whether the matcher matches the step (its current params). A matcher with a problem matches nothing. */
export function grantMatches(m: GrantMatcher, step: PolicySubject): boolean {
  if (grantMatcherProblem(m) !== undefined) return false;
  switch (m.kind) {
    case 'command': {
      const command = step.kind === 'run_command' ? str(step.params.command) : undefined;
      // The parser reads a carriage return as a blank, bash keeps it in the word (`npm test\r`
      // runs `npm 'test\r'`): a line holding one is not the command the grant names. Fail closed.
      const a = command !== undefined && !command.includes('\r') ? analysed(command) : undefined;
      if (!a?.ok || !cwdAdmits(m.cwd, step)) return false;
      if ('exact' in m) {
        const b = analysed(m.exact);
        return b.ok && a.parts.length === b.parts.length && a.parts.every((p, i) => samePart(p, b.parts[i]!));
      }
      // Every simple command plain and under the prefix: `npm test && rm -rf /` is not `npm test`.
      return a.parts.every((p) => p.constructs.length === 0 && p.argv !== undefined && startsWith(p.argv, m.argvPrefix));
    }
    case 'path': {
      if (step.kind !== m.stepKind) return false;
      const paths = subjectPaths(step);
      const glob = compileGlob(m.glob);
      if (paths.length === 0 || !glob.ok) return false;
      const absolute = m.glob.startsWith('/');
      return paths.every((raw) => {
        const c = canonicalPath(raw);
        return c.ok && c.absolute === absolute && glob.value(c.path);
      });
    }
    case 'tool':
      return subjectTool(step) === m.tool;
  }
}

/**
 * Whether a verdict is one a grant may answer: it asks, for one approval, about a step
 * that is not a question, under a rule that needs no step-up (a grant was given once; a
 * `minAuth` rule wants that proof for every decision).
 */
export const grantable = (step: PolicySubject, verdict: PolicyVerdict): boolean => verdict.action === 'ask' && verdict.requiredApprovals <= 1 && step.kind !== 'clarify' && !needsStepUp(verdict);

/**
 * The live grant of `task` that approves `step` under `verdict`, if any: not revoked,
 * matching, and given by someone other than the task's creator while preventSelfApproval
 * holds (checked again here, not only when the grant was made: the policy may have changed).
 */
export function grantFor<G extends Grant>(
  task: Pick<TaskRecord, 'id' | 'createdBy'> & { grants?: G[] | undefined },
  step: PolicySubject,
  verdict: PolicyVerdict,
  policy: Pick<Policy, 'preventSelfApproval'>,
): G | undefined {
  if (!grantable(step, verdict)) return undefined;
  return (task.grants ?? []).find((g) => g.revokedAt === undefined && !selfApprovalRefusal(task, g.by, policy) && grantMatches(g.matcher, step));
}

const escapeRe2 = (s: string): string => s.replace(/[\\^$.|?*+()[\]{}]/g, '\\$&');

/**
 * The allow rule an `always` grant proposes: the same steps, as a policy rule. A command
 * rule is an RE2 pattern over each simple command's rendered text (policy-command.ts):
 * an exact line allows each of its simple commands exactly, an argv prefix allows
 * commands that start with those words.
 */
export function grantRule(m: GrantMatcher, name: string): PolicyRule {
  const rule = (match: PolicyRule['match']): PolicyRule => ({ name, match, action: 'allow', reason: 'a remembered approval (grants.confirm)' });
  switch (m.kind) {
    case 'command': {
      if ('argvPrefix' in m) {
        const words = m.argvPrefix.map((w) => renderWord({ literal: w, source: w, constructs: new Set() }));
        return rule({ kind: 'run_command', command: `^${escapeRe2(words.join(' '))}(?: |$)` });
      }
      const a = analysed(m.exact);
      const texts = a.ok ? [...new Set(a.parts.map((p) => p.text))] : [m.exact];
      return rule({ kind: 'run_command', command: `^(?:${texts.map(escapeRe2).join('|')})$` });
    }
    case 'path':
      return rule({ kind: m.stepKind, path: m.glob });
    case 'tool':
      return rule({ tool: m.tool });
  }
}

/**
 * Where a confirmed rule goes in the policy's list (first match wins): after every deny
 * rule, so a deny still wins, and after every rule that asks for more than one approval,
 * so N-of-M still holds; before the rest.
 */
export function grantRuleIndex(policy: Pick<Policy, 'rules'>): number {
  let at = 0;
  policy.rules.forEach((r, i) => {
    if (r.action === 'deny' || typeof r.requiredApprovals === 'object' || (r.requiredApprovals ?? 1) > 1) at = i + 1;
  });
  return at;
}

/**
 * The verdict on a step arriving in (or revised within) a task, and what answers it: the
 * policy under the task's mode (verdictForTask, with the person behind a raised mode),
 * then a live grant when the verdict asks. applyVerdict acts on all three.
 */
export function judgeStep(
  task: Pick<TaskRecord, 'id' | 'createdBy' | 'mode' | 'modeSetBy' | 'grants'>,
  step: PolicySubject,
  policy: Policy,
): { verdict: PolicyVerdict; backer?: string | undefined; grant?: Grant | undefined } {
  const { verdict, backer } = verdictForTask(task, step, policy);
  return { verdict, backer, grant: grantFor(task, step, verdict, policy) };
}
