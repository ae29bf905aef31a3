/**
 * The audit trail as a hash chain. Each event of a workspace carries
 *
 *   hash = hex(SHA-256(utf8(prevHash + canonicalJson(body))))
 *
 * where `prevHash` is the hash of the event before it (seq - 1), or GENESIS_HASH (64
 * zeros) for seq 1, and `body` is the event without its hash: `{seq, at, type, actor,
 * taskId?, stepId?, data}` (absent ids are omitted, never null), canonicalised with RFC
 * 8785 (canonicalJson). `+` is plain string concatenation of the 64 lowercase hex
 * characters and the canonical JSON. SHA-256 is @noble/hashes' synchronous one, so the
 * Durable Object can chain inside its synchronous SQLite transaction.
 *
 * What a chain proves: relative to a head (seq + hash) you already hold, no event up
 * to it was changed, dropped or reordered. It does not stop whoever holds the database
 * from rewriting the whole chain; publishing the head (webhooks carry it) pins it.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import { canonicalJson } from '../hash.ts';

/** The prevHash of the first event (seq 1). */
export const GENESIS_HASH = '0'.repeat(64);

/** The fields of an event that its hash covers (all of them but the hash). */
export type ChainBody = {
  seq: number;
  at: number;
  type: string;
  actor: string;
  taskId?: string | undefined;
  stepId?: string | undefined;
  data: Record<string, unknown>;
};

/** A position in a chain: an event's seq and hash (seq 0 with GENESIS_HASH is the empty chain). */
export type ChainHead = { seq: number; hash: string };

export const GENESIS: ChainHead = { seq: 0, hash: GENESIS_HASH };

/** The exact text an event's hash covers after prevHash. */
export function canonicalEvent(e: ChainBody): string {
  return canonicalJson({
    seq: e.seq,
    at: e.at,
    type: e.type,
    actor: e.actor,
    ...(e.taskId !== undefined ? { taskId: e.taskId } : {}),
    ...(e.stepId !== undefined ? { stepId: e.stepId } : {}),
    data: e.data,
  });
}

/** hash(event) given the hash of the event before it. Pure and synchronous; microseconds for a small event. */
export function chainHash(prevHash: string, e: ChainBody): string {
  return bytesToHex(sha256(utf8ToBytes(prevHash + canonicalEvent(e))));
}

/** Why a chain fails, for the first bad event. */
export type ChainFault = 'changed' | 'dropped' | 'reordered' | 'wrong_anchor' | 'head_mismatch' | 'malformed';

export type ChainVerdict = { ok: true; first: number | undefined; last: ChainHead; count: number } | { ok: false; seq: number; reason: ChainFault; message: string };

/**
 * Walks a chain one event at a time. `seqs` is every seq the whole input holds, so a
 * seq out of place can be told apart from one missing (reordered vs dropped).
 */
export class ChainWalker {
  prev: ChainHead;
  count = 0;
  first: number | undefined;
  /** seq -> hash of every event checked so far (and the anchor), for heads given later. */
  readonly known = new Map<number, string>();
  private readonly seqs: ReadonlySet<number>;

  constructor(anchor: ChainHead, seqs: ReadonlySet<number>) {
    this.prev = anchor;
    this.seqs = seqs;
    this.known.set(anchor.seq, anchor.hash);
  }

  /** Check the next event; a failure names the seq of the first bad event. */
  step(e: ChainBody & { hash: string }): Extract<ChainVerdict, { ok: false }> | undefined {
    const expected = this.prev.seq + 1;
    if (e.seq !== expected) {
      if (e.seq < expected) return { ok: false, seq: e.seq, reason: 'reordered', message: `event ${e.seq} appears again after event ${this.prev.seq}` };
      if (this.seqs.has(expected)) return { ok: false, seq: expected, reason: 'reordered', message: `event ${expected} is out of place: event ${e.seq} comes first` };
      return { ok: false, seq: expected, reason: 'dropped', message: `event ${expected} is missing: event ${this.prev.seq} is followed by event ${e.seq}` };
    }
    if (chainHash(this.prev.hash, e) !== e.hash) {
      const why = this.count === 0 ? ' (or the anchor it follows was changed)' : '';
      return { ok: false, seq: e.seq, reason: 'changed', message: `event ${e.seq} does not match its hash: it was changed${why}` };
    }
    this.prev = { seq: e.seq, hash: e.hash };
    this.first ??= e.seq;
    this.count++;
    this.known.set(e.seq, e.hash);
    return undefined;
  }

  /** Check a head you hold (or that the input states) against what was walked: its hash must match. */
  checkHead(head: ChainHead, source: string): Extract<ChainVerdict, { ok: false }> | undefined {
    const seen = this.known.get(head.seq);
    if (seen === undefined) {
      if (head.seq > this.prev.seq) return { ok: false, seq: this.prev.seq + 1, reason: 'dropped', message: `${source} is event ${head.seq}, but the chain ends at event ${this.prev.seq}` };
      return undefined; // before the anchor: outside what this input can check
    }
    if (seen !== head.hash) return { ok: false, seq: head.seq, reason: 'head_mismatch', message: `${source} does not match event ${head.seq}: the chain was rewritten` };
    return undefined;
  }
}

/**
 * Check a run of events (in the order given) against the chain rule. `anchor` is the
 * position before the first event (GENESIS when it starts at seq 1); `expectedHead`,
 * a head you hold, must be one of the events (or the anchor), with the same hash.
 */
export function verifyChain(events: readonly (ChainBody & { hash: string })[], opts: { anchor?: ChainHead; expectedHead?: ChainHead } = {}): ChainVerdict {
  const anchor = opts.anchor ?? GENESIS;
  if (anchor.seq === 0 && anchor.hash !== GENESIS_HASH) return { ok: false, seq: 1, reason: 'wrong_anchor', message: 'a chain from the start must begin at the genesis hash' };
  const walker = new ChainWalker(anchor, new Set(events.map((e) => e.seq)));
  for (const e of events) {
    const fault = walker.step(e);
    if (fault) return fault;
  }
  const fault = opts.expectedHead && walker.checkHead(opts.expectedHead, 'the expected head');
  if (fault) return fault;
  return { ok: true, first: walker.first, last: walker.prev, count: walker.count };
}
