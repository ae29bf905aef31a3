/**
 * The audit trail's hash chain and its export: the hash is exactly the documented
 * formula, a chain verifies, and any single change, drop or swap is found at the seq
 * of the first bad event, in a chain and in an NDJSON or CSV export of it.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalEvent, chainHash, sha256Hex, formatAuditPage, GENESIS, GENESIS_HASH, verifyAuditExport, verifyChain, type AuditEvent, type AuditFormat, type ChainBody } from '../src/index.ts';
import { parseCsv } from '../src/audit/csv.ts';

/** A chain of `bodies`, hashed one after another from `anchor`. */
function chain(bodies: ChainBody[], anchorHash = GENESIS_HASH): AuditEvent[] {
  let prev = anchorHash;
  return bodies.map((b) => {
    const hash = chainHash(prev, b);
    prev = hash;
    return { ...b, hash };
  });
}

const body = (seq: number, extra: Partial<ChainBody> = {}): ChainBody => ({
  seq,
  at: 1_700_000_000_000 + seq,
  type: 'step.approved',
  actor: 'alice',
  taskId: 't1',
  stepId: `s${seq}`,
  data: { from: 'awaiting_approval', to: 'approved', n: seq },
  ...extra,
});
const bodies = (n: number): ChainBody[] => Array.from({ length: n }, (_, i) => body(i + 1));

describe('chainHash', () => {
  it('is SHA-256 over prevHash followed by the RFC 8785 canonical event, in lowercase hex', async () => {
    const e: ChainBody = { seq: 1, at: 5, type: 'workspace.created', actor: 'admin', data: { name: 'Ü', id: 'w', z: [1, 2.5, null] } };
    // Keys sorted, no spaces, absent ids omitted: the canonical text is fixed by the rule, not by insertion order.
    expect(canonicalEvent(e)).toBe('{"actor":"admin","at":5,"data":{"id":"w","name":"Ü","z":[1,2.5,null]},"seq":1,"type":"workspace.created"}');
    // Checked against the platform's Web Crypto, an implementation independent of @noble/hashes.
    const expected = await sha256Hex(GENESIS_HASH + canonicalEvent(e));
    expect(chainHash(GENESIS_HASH, e)).toBe(expected);
    expect(GENESIS_HASH).toBe('0'.repeat(64));
  });

  it('covers every field but the hash: changing any one changes the hash', () => {
    const base = body(3);
    const h = chainHash(GENESIS_HASH, base);
    for (const change of [{ seq: 4 }, { at: 1 }, { type: 'step.rejected' }, { actor: 'mallory' }, { taskId: 't2' }, { stepId: undefined }, { data: { ...base.data, n: 4 } }]) {
      expect(chainHash(GENESIS_HASH, { ...base, ...change })).not.toBe(h);
    }
    expect(chainHash('1'.repeat(64), base)).not.toBe(h);
  });
});

describe('verifyChain', () => {
  it('accepts a chain from the genesis and reports its last position', () => {
    const events = chain(bodies(5));
    expect(verifyChain(events)).toEqual({ ok: true, first: 1, last: { seq: 5, hash: events[4]!.hash }, count: 5 });
    expect(verifyChain([])).toEqual({ ok: true, first: undefined, last: GENESIS, count: 0 });
  });

  it('accepts a later run of the chain only with the hash of the event before it as anchor', () => {
    const events = chain(bodies(6));
    const tail = events.slice(3);
    expect(verifyChain(tail, { anchor: { seq: 3, hash: events[2]!.hash } }).ok).toBe(true);
    expect(verifyChain(tail, { anchor: { seq: 3, hash: events[1]!.hash } })).toMatchObject({ ok: false, seq: 4, reason: 'changed' });
    expect(verifyChain(tail)).toMatchObject({ ok: false, seq: 1, reason: 'dropped' });
    expect(verifyChain(events, { anchor: { seq: 0, hash: 'f'.repeat(64) } })).toMatchObject({ ok: false, reason: 'wrong_anchor' });
  });

  it('names changed, dropped, reordered and repeated events', () => {
    const events = chain(bodies(6));
    const changed = events.map((e) => (e.seq === 4 ? { ...e, actor: 'mallory' } : e));
    expect(verifyChain(changed)).toMatchObject({ ok: false, seq: 4, reason: 'changed' });
    expect(verifyChain(events.filter((e) => e.seq !== 3))).toMatchObject({ ok: false, seq: 3, reason: 'dropped' });
    expect(verifyChain([events[0]!, events[2]!, events[1]!, ...events.slice(3)])).toMatchObject({ ok: false, seq: 2, reason: 'reordered' });
    expect(verifyChain([...events.slice(0, 3), events[2]!, ...events.slice(3)])).toMatchObject({ ok: false, seq: 3, reason: 'reordered' });
  });

  it('pins a chain to a head you hold: a rewritten chain, or one cut short, fails against it', () => {
    const events = chain(bodies(5));
    const held = { seq: 5, hash: events[4]!.hash };
    expect(verifyChain(events, { expectedHead: held }).ok).toBe(true);
    // The operator rewrites event 2 and re-hashes everything after it: self-consistent, but not the head you hold.
    const rewritten = chain(bodies(5).map((b) => (b.seq === 2 ? { ...b, actor: 'mallory' } : b)));
    expect(verifyChain(rewritten).ok).toBe(true);
    expect(verifyChain(rewritten, { expectedHead: held })).toMatchObject({ ok: false, seq: 5, reason: 'head_mismatch' });
    expect(verifyChain(events.slice(0, 3), { expectedHead: held })).toMatchObject({ ok: false, seq: 4, reason: 'dropped' });
  });
});

/** A random event body, with data from JSON (what the store hands back). */
const bodyArb = fc.record({
  at: fc.integer({ min: 0, max: 2 ** 45 }),
  type: fc.constantFrom('task.planned', 'step.approved', 'step.rejected', 'approval.requested', 'key.created'),
  actor: fc.string({ maxLength: 12 }),
  taskId: fc.option(fc.string({ minLength: 1, maxLength: 8 }), { nil: undefined }),
  stepId: fc.option(fc.string({ minLength: 1, maxLength: 8 }), { nil: undefined }),
  data: fc.dictionary(fc.string({ maxLength: 6 }), fc.jsonValue({ maxDepth: 2 })).map((d) => JSON.parse(JSON.stringify(d)) as Record<string, unknown>),
});
const chainArb = fc.array(bodyArb, { minLength: 2, maxLength: 25 }).map((bs) => chain(bs.map((b, i) => ({ ...b, seq: i + 1 }))));

/** One tampering of a chain, and the seq a verifier must name. */
type Tamper = { events: AuditEvent[]; seq: number; reason: string };
const tamperArb = (events: AuditEvent[]): fc.Arbitrary<Tamper> => {
  const n = events.length;
  const change = fc.tuple(fc.nat(n - 1), fc.constantFrom('at', 'type', 'actor', 'taskId', 'stepId', 'data', 'hash')).map(([i, field]): Tamper => {
    const e = events[i]!;
    const changed: AuditEvent =
      field === 'at'
        ? { ...e, at: e.at + 1 }
        : field === 'type'
          ? { ...e, type: e.type === 'step.failed' ? 'step.completed' : 'step.failed' }
          : field === 'actor'
            ? { ...e, actor: e.actor + 'x' }
            : field === 'taskId'
              ? { ...e, taskId: (e.taskId ?? '') + 'x' }
              : field === 'stepId'
                ? { ...e, stepId: (e.stepId ?? '') + 'x' }
                : field === 'data'
                  ? { ...e, data: { ...e.data, tampered: true } }
                  : { ...e, hash: e.hash.replace(/^./, (c) => (c === '0' ? '1' : '0')) };
    return { events: events.map((x, j) => (j === i ? changed : x)), seq: e.seq, reason: 'changed' };
  });
  const drop = fc.nat(n - 1).map((i): Tamper => ({ events: events.filter((_, j) => j !== i), seq: i + 1, reason: i === n - 1 ? 'dropped-last' : 'dropped' }));
  const swap = fc.nat(n - 2).chain((i) =>
    fc.integer({ min: i + 1, max: n - 1 }).map((j): Tamper => {
      const out = [...events];
      [out[i], out[j]] = [out[j]!, out[i]!];
      return { events: out, seq: i + 1, reason: 'reordered' };
    }),
  );
  return fc.oneof(change, drop, swap);
};

describe('chain properties', () => {
  it('any single change, drop or swap in a random chain is found at the right seq', () => {
    fc.assert(
      fc.property(
        chainArb.chain((events) => fc.tuple(fc.constant(events), tamperArb(events))),
        ([events, t]) => {
          expect(verifyChain(events).ok).toBe(true);
          const head = { seq: events.length, hash: events.at(-1)!.hash };
          if (t.reason === 'dropped-last') {
            // Dropping the newest event leaves a valid shorter chain: only the head you hold finds it.
            expect(verifyChain(t.events).ok).toBe(true);
            expect(verifyChain(t.events, { expectedHead: head })).toMatchObject({ ok: false, seq: t.seq, reason: 'dropped' });
          } else {
            expect(verifyChain(t.events)).toMatchObject({ ok: false, seq: t.seq, reason: t.reason });
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('the same tampering of an NDJSON or CSV export is found at the same seq; the untouched export verifies', () => {
    fc.assert(
      fc.property(
        chainArb.chain((events) => fc.tuple(fc.constant(events), tamperArb(events))),
        fc.constantFrom<AuditFormat>('ndjson', 'csv'),
        ([events, t], format) => {
          const head = { seq: events.length, hash: events.at(-1)!.hash };
          const good = formatAuditPage({ anchor: GENESIS, events, head }, format);
          expect(verifyAuditExport(good)).toMatchObject({ ok: true, format, count: events.length, last: head, head });
          // The page keeps its own head record ("through" the last seq), so a dropped last line is found too.
          const bad = formatAuditPage({ anchor: GENESIS, events, head }, format);
          const lines = bad.trimEnd().split('\n');
          const first = format === 'csv' ? 2 : 1; // header row and anchor record come first
          const tampered = [...lines.slice(0, first), ...formatAuditPage({ anchor: GENESIS, events: t.events, head }, format).trimEnd().split('\n').slice(first, -1), lines.at(-1)!].join('\n');
          const reason = t.reason === 'dropped-last' ? 'dropped' : t.reason;
          expect(verifyAuditExport(tampered)).toMatchObject({ ok: false, seq: t.seq, reason });
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('verifyAuditExport', () => {
  const events = chain(bodies(7));
  const head = { seq: 7, hash: events[6]!.hash };
  const page = (from: number, to: number, format: AuditFormat = 'ndjson') =>
    formatAuditPage({ anchor: from === 0 ? GENESIS : { seq: from, hash: events[from - 1]!.hash }, events: events.slice(from, to), head }, format);

  it('accepts pages joined by concatenation, in both formats', () => {
    for (const format of ['ndjson', 'csv'] as const) {
      const text = page(0, 3, format) + page(3, 5, format) + page(5, 7, format);
      expect(verifyAuditExport(text)).toMatchObject({ ok: true, count: 7, last: head, head });
    }
  });

  it('accepts a later page with the right anchor, and checks it against an anchor you hold', () => {
    expect(verifyAuditExport(page(4, 7))).toMatchObject({ ok: true, anchor: { seq: 4 }, count: 3 });
    expect(verifyAuditExport(page(4, 7), { anchor: { seq: 4, hash: events[3]!.hash } }).ok).toBe(true);
    expect(verifyAuditExport(page(4, 7), { anchor: { seq: 4, hash: events[2]!.hash } })).toMatchObject({ ok: false, seq: 4, reason: 'wrong_anchor' });
  });

  it('finds a wrong anchor: at a page boundary, from the start, and a missing page', () => {
    const wrongAnchor = formatAuditPage({ anchor: { seq: 3, hash: events[1]!.hash }, events: events.slice(3, 5), head }, 'ndjson');
    expect(verifyAuditExport(page(0, 3) + wrongAnchor)).toMatchObject({ ok: false, seq: 3, reason: 'wrong_anchor', line: 6 });
    const fromStart = page(0, 2).replace(GENESIS_HASH, 'a'.repeat(64));
    expect(verifyAuditExport(fromStart)).toMatchObject({ ok: false, seq: 1, reason: 'wrong_anchor' });
    expect(verifyAuditExport(page(0, 3) + page(5, 7))).toMatchObject({ ok: false, seq: 4, reason: 'dropped' });
  });

  it('finds a page cut short, or an export without its head record', () => {
    const lines = page(0, 7).trimEnd().split('\n');
    expect(verifyAuditExport(lines.slice(0, -1).join('\n'))).toMatchObject({ ok: false, seq: 8, reason: 'dropped' });
    expect(verifyAuditExport([...lines.slice(0, -2), lines.at(-1)].join('\n'))).toMatchObject({ ok: false, seq: 7, reason: 'dropped' });
  });

  it('checks a head record against its event, and a head you hold', () => {
    const forged = page(0, 7).replace(`"hash":"${head.hash}","data":{"through":7}`, `"hash":"${'b'.repeat(64)}","data":{"through":7}`);
    expect(verifyAuditExport(forged)).toMatchObject({ ok: false, seq: 7, reason: 'head_mismatch' });
    expect(verifyAuditExport(page(0, 7), { expectedHead: { seq: 5, hash: events[4]!.hash } }).ok).toBe(true);
    expect(verifyAuditExport(page(0, 7), { expectedHead: { seq: 5, hash: events[3]!.hash } })).toMatchObject({ ok: false, seq: 5, reason: 'head_mismatch' });
    expect(verifyAuditExport(page(0, 4), { expectedHead: head })).toMatchObject({ ok: false, seq: 5, reason: 'dropped' });
  });

  it('refuses what is not an export, with the line', () => {
    expect(verifyAuditExport('')).toMatchObject({ ok: false, reason: 'malformed' });
    expect(verifyAuditExport('{"seq":1}\n')).toMatchObject({ ok: false, reason: 'malformed', message: expect.stringContaining('line 1') });
    expect(verifyAuditExport(page(0, 2) + 'not json\n')).toMatchObject({ ok: false, reason: 'malformed', message: expect.stringContaining('line 5') });
    expect(verifyAuditExport(page(0, 2, 'csv') + '"unterminated\n')).toMatchObject({ ok: false, reason: 'malformed' });
    // A field the hash does not cover is refused, not silently carried along.
    const extra = page(0, 3).replace('{"seq":2,', '{"seq":2,"approvedBy":"ceo",');
    expect(verifyAuditExport(extra)).toMatchObject({ ok: false, seq: 2, reason: 'malformed', message: expect.stringContaining('approvedBy') });
  });
});

describe('parseCsv', () => {
  it('reads quoted fields with commas, quotes and newlines, and tracks lines', () => {
    expect(parseCsv('a,"b,c","d""e"\n"x\ny",,z\n')).toEqual([
      { line: 1, fields: ['a', 'b,c', 'd"e'] },
      { line: 2, fields: ['x\ny', '', 'z'] },
    ]);
  });
});
