/**
 * What each event type's `data` holds: one shape per EventType, describing exactly what
 * the code writes (the core's transitions through Draft, and the workspace object's
 * admin and webhook operations). These shapes are the contract between the writers and
 * every reader (the SDK, the page, the CLI, the webhook formatter).
 *
 * Step events (`approval.requested`, `approval.expired`, `step.*`) are written by
 * Draft.move and always carry `{from, to, revision}`; the rest of their data says why
 * the step moved, which depends on the cause (a person, a rule, a retry, a deadline),
 * so those fields are optional.
 *
 * Older rows must keep parsing: a field that older versions wrote and this one no
 * longer does stays here, optional and marked "legacy", and a field added later is
 * optional too. The rows' JSON is never rewritten (the audit chain hashes it as stored).
 */
import { z } from 'zod';
import { CloseReason, DefaultOnTimeout, GrantScope, Mode, Role, StepStatus, TaskStatus, WebhookEvent, WebhookFormat, type EventType } from '../enums.ts';
import { BucketLimit } from '../ratelimit.ts';
import { RiskAssessment } from './policy-shape.ts';
import { StepError as StepErrorInput } from './step.ts';
import { AuthStrength, Decider, IdentitySource } from '../identity.ts';

const text = z.string();
const count = z.number().int().nonnegative();
const revision = z.number().int().positive().meta({ description: "the step's revision when it moved" });
const cause = (description: string) => text.optional().meta({ description });
/** Each type's data: the fields below, and any other key kept as it is (see READ_DATA). */
const shape = z.looseObject;

// Nested values as stored: no defaults filled in, unknown keys kept (reading must not change what the chain hashed).
const StepError = StepErrorInput.loose();
const Usage = z.looseObject({ inputTokens: count, outputTokens: count, costUsd: z.number().nonnegative() });

/** A grant's matcher as stored (schemas/grant.ts GrantMatcher), read loosely like every nested value. */
const Matcher = z.looseObject({ kind: z.enum(['command', 'path', 'tool']) });

/** The fields every step move has (Draft.move): the status before, the one after, and the revision. */
const move = <To extends z.ZodType>(to: To) => ({ from: StepStatus, to, revision });

/** Who decided, as Draft wrote it: a person, `policy:<rule>`, or the principal behind a raised mode; approvals by people list every approver. */
const by = z.union([text, z.array(text)]).meta({ description: 'who decided: a principal or `policy:<rule>`; the approvers, when people approved' });

/**
 * How the person who acted came in (issue 15 item 2, identity.ts): written on votes and
 * people's decisions since issue 15; older rows have none (a key).
 */
const acted = {
  identitySource: IdentitySource.optional().meta({ description: 'the channel the acting reviewer came through (since issue 15)' }),
  authStrength: AuthStrength.optional().meta({ description: 'how strongly they proved who they are (since issue 15)' }),
  person: text.optional().meta({ description: 'the person their principal counts for (since issue 15)' }),
  onBehalfOf: text.optional().meta({ description: 'the reviewer a delegate acted for (since issue 15)' }),
};
const deciders = z.array(Decider.loose()).optional().meta({ description: 'every approver and how each proved who they are (since issue 15)' });

/**
 * The raw shape of each event type's data, by type. `satisfies` makes a missing or
 * unknown type a compile error. Readers parse with `Event` (schemas/event.ts), which
 * keeps keys it does not know; tests parse with `strictEventData`, which refuses them.
 */
export const EVENT_DATA = {
  'workspace.created': shape({ id: text, name: text }),
  'key.created': shape({ id: text, principal: text, role: Role }),
  'key.revoked': shape({ id: text, principal: text }),
  // The policy as the version that set it stored it. Not PolicyShape: that fills defaults
  // (a field added later would appear in an old row read back) and its shape changes
  // across versions; policy.get is the typed read of the current policy.
  'policy.set': shape({
    version: z.number().int().positive(),
    policy: z.record(z.string(), z.unknown()).meta({ description: 'the policy as set (PolicyShape of that version); policy.get reads the current one typed' }),
  }),
  // Both buckets, as stored (RateLimits without its defaults, for the same reason).
  'limits.set': shape({ limits: z.looseObject({ perKey: BucketLimit, perWorkspace: BucketLimit }) }),
  // url: the target's origin only (the path may hold a token); versions before a41ec23 stored the whole URL.
  'webhook.created': shape({ id: text, url: text, events: z.array(WebhookEvent), format: WebhookFormat }),
  'webhook.deleted': shape({ id: text }),
  // Step-up (issue 15, item 5): a WebAuthn credential a principal registered for passkey decisions, and its removal.
  'passkey.registered': shape({ id: text.meta({ description: 'the credential id (base64url)' }), principal: text, name: text }),
  'passkey.deleted': shape({ id: text, principal: text }),

  'task.planned': shape({ title: text, steps: count.meta({ description: 'how many steps the plan has' }), mode: Mode }),
  'task.appended': shape({ stepKeys: z.array(text).meta({ description: 'the keys of the appended steps, in order' }) }),
  'task.closed': shape({ by: text, reason: CloseReason }),
  'task.mode_changed': shape({ from: Mode, to: Mode, by: text }),
  'task.cancelled': shape({ by: text, reason: text.optional() }),
  'task.finished': shape({ status: TaskStatus.exclude(['active']) }),

  'approval.requested': shape({
    ...move(z.literal('awaiting_approval')),
    approvalId: text,
    rule: cause('the policy rule that asked'),
    reason: cause('why it was asked again, e.g. a dependency changed'),
    modifiedBy: cause('the reviewer whose modify still needs other approvals'),
    paramsHash: text.optional(),
    risk: RiskAssessment.loose().optional().meta({ description: "the step's risk as the policy assessed it (written since issue 16)" }),
  }),
  'approval.voted': shape({ approvalId: text, principal: text, votes: count, required: count, ...acted }),
  'approval.expired': shape({
    ...move(StepStatus.extract(['approved', 'skipped', 'cancelled', 'rejected'])),
    approvalId: text.optional(),
    defaultOnTimeout: DefaultOnTimeout,
  }),

  'step.approved': shape({
    ...move(z.literal('approved')),
    by: by.optional(),
    rule: cause('the policy rule that allowed it'),
    via: cause("the rule whose allow a raised mode's backer gave"),
    mode: Mode.optional().meta({ description: 'the mode that allowed it, when tasks.setMode raised it' }),
    modified: z.literal(true).optional(),
    paramsHash: text.optional(),
    // A retry: a retryable failure or a lost lease hands the step out again.
    retry: z.literal(true).optional(),
    attempt: count.optional(),
    error: StepError.optional(),
    reason: cause('why it is approved again: lease_expired'),
    grant: cause('the grant that approved it (by is `grant:<id>`)'),
    grantedBy: cause('the reviewer who gave that grant'),
    ...acted,
    deciders,
  }),
  'step.changes_requested': shape({ ...move(z.literal('changes_requested')), by: text, feedback: text, ...acted }),
  'step.revised': shape({
    ...move(StepStatus.extract(['approved', 'rejected', 'awaiting_approval'])),
    paramsHash: text,
    by: text.optional(),
    rule: text.optional(),
    via: text.optional(),
    reason: text.optional(),
    approvalId: cause('the new approval, when the revision is asked about'),
    grant: cause('the grant that approved the revision'),
    grantedBy: cause('the reviewer who gave that grant'),
    risk: RiskAssessment.loose().optional().meta({ description: "the revision's risk, when it is asked about (written since issue 16)" }),
  }),
  'step.rejected': shape({
    ...move(z.literal('rejected')),
    by: text,
    feedback: text.optional(),
    rule: cause('the deny rule'),
    reason: text.optional(),
    mode: Mode.optional(),
    // A deny rule's sweep (machine/deny.ts) says what re-checked the step.
    recheck: z.enum(['policy.set', 'steps.claim']).optional(),
    policyVersion: z.number().int().positive().optional(),
    ...acted,
  }),
  'step.skipped': shape({ ...move(z.literal('skipped')), by: text, feedback: text.optional(), ...acted }),
  'step.claimed': shape({
    ...move(z.literal('executing')),
    attempt: count,
    holder: text,
    leaseExpiresAt: z.number().int().nonnegative(),
    /** Legacy: versions before 211ad06 (2026-11-23) logged the lease id; it is the claimer's secret and no longer written. */
    leaseId: text.optional().meta({ deprecated: true, description: 'legacy: written by versions before 2026-11-23 only' }),
  }),
  'step.completed': shape({
    ...move(z.literal('completed')),
    // A clarify step answered by a person...
    by: text.optional(),
    answer: text.optional(),
    ...acted,
    // ...or an executor's report.
    attempt: count.optional(),
    durationMs: count.optional(),
    usage: Usage.optional(),
  }),
  'step.failed': shape({
    ...move(z.literal('failed')),
    attempt: count,
    error: StepError.optional(),
    durationMs: count.optional(),
    reason: cause('lease_expired when the lease ran out'),
  }),
  'step.blocked': shape({ ...move(z.literal('blocked')), reason: text, dependency: text }),
  'step.cancelled': shape({ ...move(z.literal('cancelled')), by: text, reason: text.optional() }),

  'grant.created': shape({
    grantId: text,
    scope: GrantScope.exclude(['once']),
    matcher: Matcher,
    by: text,
    approvalId: text,
    stepKey: text,
    proposalId: cause('the proposed workspace rule, for scope always'),
  }),
  'grant.used': shape({ grantId: text, stepKey: text, grantedBy: text }),
  'grant.revoked': shape({ grantId: text, by: text }),
  'grant.confirmed': shape({ proposalId: text, grantId: text, rule: text, policyVersion: z.number().int().positive() }),

  // People (issue 15, docs/people.md): `principal` counts for the root `person` from now on.
  'identity.linked': shape({ principal: text, person: text, source: text.meta({ description: 'how the link was made: admin (people.link), slack, oidc…' }) }),
  'identity.unlinked': shape({ principal: text, person: text }),
  // Slack (docs/slack.md): the channel and the API's origin an admin set (never the secrets).
  'slack.configured': shape({ channel: text, apiBase: text }),
  // Sign-in (docs/sign-in.md): who may now sign in and as what; never the client secret.
  'oidc.configured': shape({ issuer: text, clientId: text, roleClaim: text, roleMap: z.record(z.string(), text), allowedDomains: z.array(text).optional(), groupsClaim: text.optional() }),
  // Reminders and escalations (issue 15 item 6): once per approval, from the alarm.
  'approval.reminded': shape({ approvalId: text, taskId: text, stepId: text }),
  'approval.escalated': shape({ approvalId: text, group: text }),
  'group.set': shape({ name: text, members: z.array(text) }),
  'group.deleted': shape({ name: text }),
  'delegation.set': shape({ id: text, from: text, to: text, until: z.number().int().nonnegative() }),
  'delegation.revoked': shape({ id: text, from: text, to: text }),
} satisfies Record<EventType, z.ZodObject>;

/** A type without its index signature: the keys a schema names, not the `[k: string]: unknown` a loose object adds. */
type Named<T> = { [K in keyof T as string extends K ? never : number extends K ? never : K]: T[K] };

/** The data of an event of type T, as the code writes it and readers get it (the named fields; extra keys are carried, not typed). */
export type EventData<T extends EventType> = Named<z.output<(typeof EVENT_DATA)[T]>>;

/**
 * The schema a reader parses each type's data with: keys the shape does not name are
 * kept (forward compatible: a newer server may add fields; nothing is stripped, so the
 * data stays what the chain hashed), but typed as the named fields only, so reading a
 * field that no version writes is a compile error.
 */
export const READ_DATA: { readonly [T in EventType]: z.ZodType<EventData<T>> } = EVENT_DATA;

/** The strict schema of one type's data: a key the shape does not name is refused. What the tests hold every writer to. */
export const strictEventData = (type: EventType): z.ZodType => z.strictObject(EVENT_DATA[type].shape);
