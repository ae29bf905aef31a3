/** Events: the audit log. One per state change, appended in the same transaction, never changed. */
import { z } from 'zod';
import { EventType } from '../enums.ts';
import { EpochMs, Id, Sha256Hex } from './common.ts';

export const Event = z.object({
  seq: z.number().int().positive(),
  at: EpochMs,
  type: EventType,
  actor: z.string(),
  taskId: Id.optional(),
  stepId: Id.optional(),
  data: z.record(z.string(), z.unknown()),
  /** SHA-256(prevHash ‖ canonical event): the event's link in the workspace's hash chain (core audit/chain.ts). */
  hash: Sha256Hex,
});
export type Event = z.infer<typeof Event>;

/** What the core emits; the shell adds seq, at and actor when it appends. */
export type NewEvent = Pick<Event, 'type' | 'data'> & { taskId?: string; stepId?: string };
