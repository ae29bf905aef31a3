/**
 * Events as text for people: the page's timeline and `greenlight watch` read events
 * through these, narrowing on `type`, so no client reads `data` by hand.
 */
import { isStepMove, type EventContent } from './schemas/event.ts';

/**
 * What a person wrote or why it happened, if the event says: a reviewer's feedback or
 * answer, a reason (a block, a cancel, a deny rule, an expiry), or an executor's error.
 */
export function eventNote(e: EventContent): string | undefined {
  switch (e.type) {
    case 'step.changes_requested':
      return e.data.feedback;
    case 'step.rejected':
      return e.data.feedback || e.data.reason;
    case 'step.skipped':
      return e.data.feedback;
    case 'step.completed':
      return e.data.answer;
    case 'step.failed':
      return e.data.error?.message ?? e.data.reason;
    case 'step.approved':
      return e.data.error?.message ?? e.data.reason;
    case 'approval.requested':
    case 'step.blocked':
    case 'step.cancelled':
    case 'step.revised':
    case 'task.cancelled':
      return e.data.reason;
    case 'approval.expired':
      return `${e.data.defaultOnTimeout} on timeout`;
    default:
      return undefined;
  }
}

/** A grant's matcher in a few words: `command = npm test`, `command starts with git status`, `edit_file src/**`, `tool grep`. */
export function matcherText(m: Record<string, unknown>): string {
  // A command grant bound to a directory says which: it approves the command there only.
  const where = typeof m.cwd === 'string' ? ` in ${m.cwd}` : '';
  if (typeof m.exact === 'string') return `command = ${m.exact}${where}`;
  if (Array.isArray(m.argvPrefix)) return `command starts with ${m.argvPrefix.join(' ')}${where}`;
  if (typeof m.glob === 'string') return `${String(m.stepKind)} ${m.glob}`;
  if (typeof m.tool === 'string') return `tool ${m.tool}`;
  return String(m.kind);
}

/** Who decided, when the event names them (a principal, `policy:<rule>`, or the approvers). */
function byOf(e: EventContent): string | undefined {
  if (!('by' in e.data) || e.data.by === undefined) return undefined;
  return [e.data.by].flat().join(', ');
}

/** One short line of what the event says, e.g. `awaiting_approval → approved by alice, bob`. */
export function eventSummary(e: EventContent): string {
  const by = byOf(e);
  const parts: string[] = [];
  if (isStepMove(e)) parts.push(`${e.data.from} → ${e.data.to}`);
  else {
    switch (e.type) {
      case 'task.planned':
        parts.push(`"${e.data.title}", ${e.data.steps} step${e.data.steps === 1 ? '' : 's'}, ${e.data.mode}`);
        break;
      case 'task.mode_changed':
        parts.push(`${e.data.from} → ${e.data.to}`);
        break;
      case 'task.finished':
        parts.push(e.data.status);
        break;
      case 'approval.voted':
        parts.push(`${e.data.principal}: ${e.data.votes} of ${e.data.required}`);
        break;
      case 'workspace.created':
        parts.push(e.data.name);
        break;
      case 'key.created':
        parts.push(`${e.data.principal} (${e.data.role})`);
        break;
      case 'key.revoked':
        parts.push(e.data.principal);
        break;
      case 'passkey.registered':
        parts.push(`${e.data.principal}: ${e.data.name}`);
        break;
      case 'passkey.deleted':
        parts.push(e.data.principal);
        break;
      case 'policy.set':
        parts.push(`version ${e.data.version}`);
        break;
      case 'webhook.created':
        parts.push(`${e.data.url} (${e.data.events.join(', ')})`);
        break;
      case 'task.appended':
        parts.push(`+${e.data.stepKeys.length} step${e.data.stepKeys.length === 1 ? '' : 's'}: ${e.data.stepKeys.join(', ')}`);
        break;
      case 'task.closed':
        parts.push(e.data.reason === 'idle' ? 'closed (idle)' : 'closed');
        break;
      case 'grant.created':
        parts.push(`${e.data.scope} grant ${e.data.grantId} on ${e.data.stepKey}: ${matcherText(e.data.matcher)}`);
        break;
      case 'grant.used':
        parts.push(`grant ${e.data.grantId} (${e.data.grantedBy}) approved ${e.data.stepKey}`);
        break;
      case 'grant.revoked':
        parts.push(`grant ${e.data.grantId}`);
        break;
      case 'grant.confirmed':
        parts.push(`rule ${e.data.rule} in policy version ${e.data.policyVersion}`);
        break;
      case 'slack.configured':
        parts.push(`channel ${e.data.channel}`);
        break;
      case 'oidc.configured':
        parts.push(`issuer ${e.data.issuer}, client ${e.data.clientId}`);
        break;
      case 'identity.linked':
      case 'identity.unlinked':
        parts.push(`${e.data.principal} → ${e.data.person}`);
        break;
      default:
        break;
    }
  }
  if (by !== undefined) parts.push(`by ${by}`);
  const note = eventNote(e);
  return note ? `${parts.join(' ')} — ${note}` : parts.join(' ');
}
