/**
 * The workspace policy (SPEC sections 4 and 11): its shape (policy-shape.ts) and the
 * checks of its patterns, so that a policy that cannot work is refused at `policy.set`.
 */
import { z } from 'zod';
import { pathPatternProblem } from '../paths.ts';
import { compileGlob, compileRegex } from '../patterns.ts';
import { PolicyShape, type PolicyMatch } from './policy-shape.ts';

export { PolicyMatch, PolicyRule, PolicyVerdict } from './policy-shape.ts';

/**
 * The patterns of a rule, checked before a policy is stored (issue 11, items 2 and 8): a
 * `command` RE2 accepts, a `path` that can match some canonical path and runs in linear
 * time. Each problem is an issue at the field, naming the rule.
 */
function checkPatterns(rules: { name?: string | undefined; match: PolicyMatch }[], ctx: z.RefinementCtx): void {
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
  }
}

export const Policy = PolicyShape.superRefine((p, ctx) => checkPatterns(p.rules, ctx));
export type Policy = z.infer<typeof Policy>;
export type PolicyInput = z.input<typeof Policy>;

export const DEFAULT_POLICY: Policy = Policy.parse({});
