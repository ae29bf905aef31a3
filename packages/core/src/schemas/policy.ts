/**
 * The workspace policy (SPEC sections 4 and 11): its shape (policy-shape.ts) and the
 * checks of its patterns, so that a policy that cannot work is refused at `policy.set`.
 */
import { z } from 'zod';
import { pathPatternProblem } from '../paths.ts';
import { compileGlob, compileRegex } from '../patterns.ts';
import { PolicyShape, type PolicyRule } from './policy-shape.ts';
import { oneClickProblem } from '../stepup.ts';

export { PolicyMatch, PolicyRule, PolicyVerdict } from './policy-shape.ts';

/**
 * The patterns of a rule, checked before a policy is stored (issue 11, items 2 and 8): a
 * `command` RE2 accepts, a `path` that can match some canonical path and runs in linear
 * time. Each problem is an issue at the field, naming the rule.
 */
function checkPatterns(rules: PolicyRule[], ctx: z.RefinementCtx, requiredApprovals: number): void {
  for (const [i, rule] of rules.entries()) {
    const who = `rule ${rule.name ?? `rules[${i}]`}`;
    const at = (field: string) => ['rules', i, 'match', field];
    const { command, path, constructs, kind } = rule.match;
    if (command !== undefined) {
      const re = compileRegex(command);
      if (!re.ok) ctx.addIssue({ code: 'custom', path: at('command'), message: `${who}: command pattern ${JSON.stringify(command)} is ${re.error}` });
    }
    if (path !== undefined) {
      const glob = compileGlob(path);
      const problem = pathPatternProblem(path) ?? (glob.ok ? undefined : `path pattern ${JSON.stringify(path)} is ${glob.error}`);
      if (problem !== undefined) ctx.addIssue({ code: 'custom', path: at('path'), message: `${who}: ${problem}` });
    }
    if (constructs !== undefined && kind !== undefined && kind !== 'run_command') {
      ctx.addIssue({ code: 'custom', path: at('constructs'), message: `${who}: constructs apply to run_command steps only` });
    }
    checkMcpFields(rule, who, ctx, i);
    checkStepUpFields(rule, who, ctx, i, requiredApprovals);
  }
}

/**
 * MCP fields (issue 14): `server` and `annotations` match custom steps only; an MCP
 * server's hints are untrusted, so an allow rule may match on them only when it says
 * `trustAnnotations` and names whom it trusts (`server` or `tool`). A rule that could
 * never match or would trust every server is refused here, not ignored later.
 */
function checkMcpFields(rule: PolicyRule, who: string, ctx: z.RefinementCtx, i: number): void {
  const { kind, server, annotations, tool } = rule.match;
  const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path: ['rules', i, ...path], message: `${who}: ${message}` });
  if ((server !== undefined || annotations !== undefined) && kind !== undefined && kind !== 'custom') {
    issue(['match', server !== undefined ? 'server' : 'annotations'], 'server and annotations match MCP tools, which are custom steps (kind must be custom or left out)');
  }
  if (rule.trustAnnotations === true && server === undefined && tool === undefined) {
    issue(['trustAnnotations'], 'trustAnnotations must name whom it trusts: add match.server (or match.tool)');
  }
  if (rule.action === 'allow' && annotations !== undefined && rule.trustAnnotations !== true) {
    issue(['match', 'annotations'], "an MCP server's annotations are untrusted hints: an allow rule may match on them only with trustAnnotations: true and match.server");
  }
}

/**
 * Step-up fields (issue 15, items 4 and 5): they say how a person must decide, so they
 * belong on rules that ask one; a link (`oneClick`) is a bearer secret of one person, so
 * it cannot go with `minAuth` above key nor with N-of-M (the rule's or the workspace's).
 */
function checkStepUpFields(rule: PolicyRule, who: string, ctx: z.RefinementCtx, i: number, workspaceApprovals: number): void {
  const issue = (field: string, message: string) => ctx.addIssue({ code: 'custom', path: ['rules', i, field], message: `${who}: ${message}` });
  if (rule.action !== 'ask') {
    if (rule.minAuth !== undefined) issue('minAuth', `minAuth applies to ask rules (this one is ${rule.action}): it says how a person must decide`);
    if (rule.oneClick !== undefined) issue('oneClick', `oneClick applies to ask rules (this one is ${rule.action}): it says how a person may decide`);
    return;
  }
  const required = rule.requiredApprovals ?? workspaceApprovals;
  // A group quorum names the people who may approve; a link names nobody.
  if (rule.oneClick === true && typeof required === 'object') {
    issue('oneClick', `oneClick cannot go with a group quorum (${required.group}): a link is a bearer secret, not a member of a group`);
    return;
  }
  const problem = oneClickProblem(rule, typeof required === 'number' ? required : required.count);
  if (problem !== undefined) issue('oneClick', problem);
}

export const Policy = PolicyShape.superRefine((p, ctx) => checkPatterns(p.rules, ctx, p.requiredApprovals));
export type Policy = z.infer<typeof Policy>;
export type PolicyInput = z.input<typeof Policy>;

export const DEFAULT_POLICY: Policy = Policy.parse({});
