/**
 * The shape of a workspace policy (SPEC section 4), without the checks of its patterns
 * (schemas/policy.ts adds them). Output schemas use this shape, so that a client that
 * only reads a policy, such as the web page, does not load the pattern engines.
 */
import { z } from 'zod';
import { CommandConstruct, DefaultOnTimeout, Mode, PolicyAction, Risk, StepKind } from '../enums.ts';
import { McpAnnotations, McpServerName } from '../mcp.ts';
import { AuthStrength } from '../identity.ts';

export const PolicyMatch = z.strictObject({
  kind: StepKind.optional(),
  tool: z.string().min(1).max(200).optional(),
  /** An MCP server: matches custom steps whose tool is `mcp__<server>__<tool>` (mcp.ts). */
  server: McpServerName.optional(),
  /**
   * MCP tool hints, compared with the spec's defaults filled in (a tool that declares
   * nothing is destructive and open-world). An untrusted server's hints can make a
   * rule ask or deny; an allow rule needs `trustAnnotations` (checked in policy.ts).
   */
  annotations: McpAnnotations.optional(),
  /** A glob (picomatch) over canonical paths: `/etc/**` matches absolute paths, `src/**` relative ones. */
  path: z.string().min(1).max(1000).optional(),
  /** An RE2 regular expression, found in each simple command of a command line (SPEC section 11). */
  command: z.string().min(1).max(1000).optional(),
  /** Constructs an allow rule accepts; for deny and ask, the constructs the rule is about. */
  constructs: z.array(CommandConstruct).min(1).max(CommandConstruct.options.length).optional(),
  risk: Risk.optional(),
});
export type PolicyMatch = z.infer<typeof PolicyMatch>;

/** An approver group's name (groups.set; or a sign-in's group claim): `security`, `release-managers`. */
export const GroupName = z.string().regex(/^[A-Za-z0-9_.:-]{1,100}$/, 'group: 1-100 of A-Z a-z 0-9 _ . : -');

/** A time in seconds a rule or the workspace sets (a timeout, a reminder, an escalation): 1 s to 30 days. */
const Seconds = z
  .number()
  .int()
  .min(1)
  .max(30 * 24 * 3600);

/**
 * A quorum within a group (issue 15 item 6, docs/people.md): `count` distinct persons
 * who are members of `group` must approve; members only may approve such a step.
 */
export const GroupQuorum = z.strictObject({ group: GroupName, count: z.number().int().min(1).max(20) });
export type GroupQuorum = z.infer<typeof GroupQuorum>;

export const PolicyRule = z
  .strictObject({
    name: z.string().min(1).max(100).optional(),
    match: PolicyMatch,
    action: PolicyAction,
    /** N distinct persons, or N distinct members of a group (`{group: 'security', count: 2}`). */
    requiredApprovals: z.union([z.number().int().min(1).max(20), GroupQuorum]).optional(),
    /** Remind the workspace's channels (an `approval.reminded` event, sent to webhooks) once, this long after the approval opened. */
    remindAfterSeconds: Seconds.optional(),
    /** Escalate to `escalateTo` (an `approval.escalated` event) once, this long after the approval opened. */
    escalateAfterSeconds: Seconds.optional(),
    escalateTo: GroupName.optional(),
    timeoutSeconds: Seconds.optional(),
    defaultOnTimeout: DefaultOnTimeout.optional(),
    reason: z.string().max(1000).optional(),
    /**
     * The risk this rule gives the steps it matches (issue 16, item 2), instead of the
     * server's default for them; an agent's declared risk can still raise it. The first
     * rule with a `risk` that matches decides it, whichever rule decides the action.
     */
    risk: Risk.optional(),
    /**
     * This rule believes the MCP server's annotations: only then may an allow rule match on
     * them. It must name the server (`match.server`) or the tool, so trust is never global.
     */
    trustAnnotations: z.boolean().optional(),
    /**
     * Step-up (issue 15, item 5): approving, modifying, skipping or answering a step this
     * rule asks about needs a caller who proved at least this much (identity.ts ladder:
     * key < sso < mfa < passkey). Above `key`, no grant, raised task mode or batch approves it.
     */
    minAuth: AuthStrength.optional(),
    /**
     * One-click links (issue 15, item 4): `approval.requested` webhooks carry single-use
     * approve/reject links for these steps. Only with one required approval, no group and no
     * `minAuth` above key (stepup.ts oneClickProblem): a link is one bearer secret.
     */
    oneClick: z.boolean().optional(),
  })
  .refine((r) => (r.escalateAfterSeconds === undefined) === (r.escalateTo === undefined), {
    message: 'escalateAfterSeconds and escalateTo go together: when, and to which group',
    path: ['escalateTo'],
  });
export type PolicyRule = z.infer<typeof PolicyRule>;

export const PolicyShape = z.strictObject({
  mode: Mode.default('copilot'),
  rules: z.array(PolicyRule).max(200).default([]),
  autoApprove: z.array(z.string().min(1).max(200)).max(100).default(['read_file', 'search', 'list_files']),
  requiredApprovals: z.number().int().min(1).max(20).default(1),
  preventSelfApproval: z.boolean().default(true),
  timeoutSeconds: Seconds.optional(),
  defaultOnTimeout: DefaultOnTimeout.default('reject'),
  maxAttempts: z.number().int().min(1).max(20).default(3),
  leaseSeconds: z.number().int().min(5).max(3600).default(60),
  /** Limits of the workspace's tasks; absent means the defaults (DEFAULT_SESSION_IDLE_SECONDS). */
  limits: z
    .strictObject({
      /** An open task (tasks.plan `open: true`) that sees no change for this long is closed by the alarm. */
      sessionIdleSeconds: Seconds.optional(),
    })
    .optional(),
});

/** Who set a step's risk: the server's defaults, a workspace rule, or the agent raising it. */
export const RiskSource = z.enum(['default', 'rule', 'agent']);
export type RiskSource = z.infer<typeof RiskSource>;

/**
 * A step's risk as the server works it out (core risk.ts): one value used by the page,
 * the CLI, webhooks, approve-all and rules matching `risk`. `reason` is a sentence
 * fragment ("`git push` pushes to a remote"); `rule` names the rule when one set it.
 */
export const RiskAssessment = z.object({
  level: Risk,
  reason: z.string(),
  source: RiskSource,
  rule: z.string().optional(),
});
export type RiskAssessment = z.infer<typeof RiskAssessment>;

/** What the policy said about one step: the action and, when a rule decided, which one. */
export const PolicyVerdict = z.object({
  action: PolicyAction,
  rule: z.string().optional(),
  reason: z.string().optional(),
  requiredApprovals: z.number().int(),
  /** The group whose members alone may approve, `requiredApprovals` of them (a rule's `{group, count}`). */
  group: GroupName.optional(),
  remindAfterSeconds: z.number().int().optional(),
  escalateAfterSeconds: z.number().int().optional(),
  escalateTo: GroupName.optional(),
  timeoutSeconds: z.number().int().optional(),
  defaultOnTimeout: DefaultOnTimeout,
  /** The step's risk (risk.ts): rules matching `risk` saw this level. */
  risk: RiskAssessment,
  /** The strength a decision letting the step go on needs (the deciding rule's `minAuth`); absent: a key. */
  minAuth: AuthStrength.optional(),
  /** One-click links may decide this step (the rule's `oneClick`, only when it can hold: stepup.ts). */
  oneClick: z.boolean().optional(),
});
export type PolicyVerdict = z.infer<typeof PolicyVerdict>;
