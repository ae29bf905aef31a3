/**
 * Events: the audit log. One per state change, appended in the same transaction, never
 * changed. `Event` is a discriminated union on `type`: each type's `data` has its own
 * schema (event-data.ts), so readers narrow on `type` and read typed fields.
 *
 * Unknown keys in `data` are kept on read (a newer server may add fields, and the data
 * must stay what the audit chain hashed); an unknown `type` is refused, like any value
 * outside a core enum. Tests hold the writers to the strict shapes (strictEventData).
 */
import { z } from 'zod';
import type { EventType } from '../enums.ts';
import { EpochMs, Id, Sha256Hex } from './common.ts';
import { READ_DATA, type EventData } from './event-data.ts';

export { strictEventData, type EventData } from './event-data.ts';

const envelope = {
  seq: z.number().int().positive(),
  at: EpochMs,
  actor: z.string(),
  taskId: Id.optional(),
  stepId: Id.optional(),
  /** SHA-256(prevHash ‖ canonical event): the event's link in the workspace's hash chain (core audit/chain.ts). */
  hash: Sha256Hex,
};

const member = <T extends EventType>(type: T) => z.object({ ...envelope, type: z.literal(type), data: READ_DATA[type] });

export const Event = z.discriminatedUnion('type', [
  member('workspace.created'),
  member('key.created'),
  member('key.revoked'),
  member('policy.set'),
  member('limits.set'),
  member('webhook.created'),
  member('webhook.deleted'),
  member('passkey.registered'),
  member('passkey.deleted'),
  member('task.planned'),
  member('task.appended'),
  member('task.closed'),
  member('task.mode_changed'),
  member('task.cancelled'),
  member('task.finished'),
  member('approval.requested'),
  member('approval.voted'),
  member('approval.expired'),
  member('step.approved'),
  member('step.changes_requested'),
  member('step.revised'),
  member('step.rejected'),
  member('step.skipped'),
  member('step.claimed'),
  member('step.completed'),
  member('step.failed'),
  member('step.blocked'),
  member('step.cancelled'),
  member('grant.created'),
  member('grant.used'),
  member('grant.revoked'),
  member('grant.confirmed'),
  member('identity.linked'),
  member('identity.unlinked'),
  member('slack.configured'),
  member('oidc.configured'),
  member('approval.reminded'),
  member('approval.escalated'),
  member('group.set'),
  member('group.deleted'),
  member('delegation.set'),
  member('delegation.revoked'),
]);
export type Event = z.infer<typeof Event>;

/** The event of one type. */
export type EventOf<T extends EventType> = Extract<Event, { type: T }>;

/** Omit that keeps a union a union (each member loses the keys on its own). */
type OmitEach<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** An event without its chain hash (what the hash covers); every Event is one. Readers that do not need the hash take this. */
export type UnhashedEvent = OmitEach<Event, 'hash'>;

// Every EventType has its member in the union (a missing one fails the typecheck here).
const everyType: [Exclude<EventType, Event['type']>] extends [never] ? true : false = true;
void everyType;

/**
 * An event's content: its type with that type's data, and the task and step it is
 * about. A union over the types, so `{ type: 'key.created', data: ... }` is checked
 * against that type's data. Every Event is one.
 */
export type EventContent = { [T in EventType]: { type: T; data: EventData<T>; taskId?: string | undefined; stepId?: string | undefined } }[EventType];

/** What the core emits; the shell adds seq, at, actor and hash when it appends. */
export type NewEvent = EventContent;

/** The types whose data is a step move (Draft.move): `{from, to, revision}` with StepStatus values. */
export const STEP_MOVE_TYPES = [
  'approval.requested',
  'approval.expired',
  'step.approved',
  'step.changes_requested',
  'step.revised',
  'step.rejected',
  'step.skipped',
  'step.claimed',
  'step.completed',
  'step.failed',
  'step.blocked',
  'step.cancelled',
] as const satisfies readonly EventType[];
export type StepMoveType = (typeof STEP_MOVE_TYPES)[number];
export type StepMoveEvent = OmitEach<EventOf<StepMoveType>, 'hash'>;

const STEP_MOVES: ReadonlySet<EventType> = new Set(STEP_MOVE_TYPES);

/** Whether `e` moved a step from one status to another (its data has from, to and revision). */
export const isStepMove = <E extends EventContent>(e: E): e is Extract<E, { type: StepMoveType }> => STEP_MOVES.has(e.type);

/** The approval an event opened (a step asked for a decision), if it opened one. */
export function approvalOpened(e: EventContent): string | undefined {
  if (e.type === 'approval.requested') return e.data.approvalId;
  if (e.type === 'step.revised' && e.data.to === 'awaiting_approval') return e.data.approvalId;
  return undefined;
}
