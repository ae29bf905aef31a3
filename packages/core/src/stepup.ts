/**
 * Step-up and one-click rules (issue 15, items 4 and 5; SPEC section 11, "People"). A
 * policy rule may say how strongly a reviewer must prove who they are to let a step go on
 * (`minAuth`), or that a single-use link may decide it (`oneClick`). A link is a bearer
 * secret (authStrength `key`) that one person holds, so it can never stand for a stronger
 * proof, nor be one of N people. Pure.
 */
import type { Decision } from './enums.ts';
import { keyIdentity, strengthAtLeast, type AuthStrength, type Identity } from './identity.ts';
import { fail, type CoreError } from './result.ts';
import type { PolicyVerdict } from './schemas/policy-shape.ts';

/** The strength a verdict asks of a deciding vote: its `minAuth`, else a key is enough. */
export const requiredStrength = (v: Pick<PolicyVerdict, 'minAuth'>): AuthStrength => v.minAuth ?? 'key';

/** Whether a verdict needs more than a bearer key to be approved: no grant, raised mode, link or batch approves it. */
export const needsStepUp = (v: Pick<PolicyVerdict, 'minAuth'>): boolean => !strengthAtLeast('key', requiredStrength(v));

/**
 * Decisions that let a step go on (or end the question) need the rule's strength; reject
 * and request_changes stop it, and stopping a risky step is never itself risky, so any
 * reviewer may do that through any channel.
 */
const NEEDS_STRENGTH: ReadonlySet<Decision> = new Set<Decision>(['approve', 'modify', 'skip', 'answer']);

/** Where a reviewer decides a step that needs step-up: the page's view of its task (apps/web route.ts, `#/tasks/<id>`), relative to the deployment's address. */
export const taskPagePath = (taskId: string): string => `/#/tasks/${encodeURIComponent(taskId)}`;

/**
 * The refusal of a `decision` on a step whose verdict asks for `minAuth` by a caller who
 * proved `identity` (absent: a key), or undefined when it may go ahead. FORBIDDEN with
 * reason `step_up_required`; the message names the strength, the channel and the page.
 */
export function stepUpRefusal(step: { key: string; policy: Pick<PolicyVerdict, 'minAuth' | 'rule'> }, taskId: string, decision: Decision, identity: Identity | undefined): CoreError | undefined {
  if (!NEEDS_STRENGTH.has(decision)) return undefined;
  const need = requiredStrength(step.policy);
  const who = identity ?? keyIdentity('?');
  if (strengthAtLeast(who.authStrength, need)) return undefined;
  const rule = step.policy.rule !== undefined ? ` (rule ${step.policy.rule})` : '';
  return fail(
    'FORBIDDEN',
    `step ${step.key} needs a ${need} to ${decision}${rule}; this ${who.identitySource} decision proved only ${who.authStrength}. Decide it on the Greenlight page with a passkey: ${taskPagePath(taskId)}`,
    { reason: 'step_up_required' },
  ).error;
}

/**
 * Why a rule's `oneClick` cannot hold, or undefined: a link proves only a bearer secret
 * (`minAuth` above key is refused) and is one person (more than one approval is refused).
 * `requiredApprovals` is the rule's own, else the workspace's.
 */
export function oneClickProblem(rule: { oneClick?: boolean | undefined; minAuth?: AuthStrength | undefined; action: string }, requiredApprovals: number): string | undefined {
  if (rule.oneClick !== true) return undefined;
  if (needsStepUp(rule)) return `oneClick cannot go with minAuth ${rule.minAuth}: a link is a bearer secret (authStrength key)`;
  if (requiredApprovals > 1) return `oneClick cannot go with ${requiredApprovals} required approvals: a link is one bearer secret, not one of N people`;
  return undefined;
}
