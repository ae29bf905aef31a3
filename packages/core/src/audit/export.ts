/**
 * The audit export: pages of the event log as NDJSON or CSV text that can be checked
 * offline. A page is self-contained and pages join by plain concatenation:
 *
 *   anchor record   {type: "audit.anchor", seq: N, hash}      the chain position before the page
 *   events          {seq, at, type, actor, taskId?, stepId?, data, hash}   seq N+1, N+2, ...
 *   head record     {type: "audit.head", seq: H, hash, data: {through: T}}
 *                   the workspace's newest event when the page was read, and the last seq
 *                   the page holds (T), so a page cut short is found.
 *
 * CSV has the columns of CSV_COLUMNS (data as JSON text; the records above as rows with
 * only their fields set) and repeats its header row at the top of each page.
 */
import { GENESIS_HASH, ChainWalker, type ChainBody, type ChainHead, type ChainVerdict } from './chain.ts';
import { csvRow, parseCsv } from './csv.ts';

export type AuditFormat = 'ndjson' | 'csv';
export type AuditEvent = ChainBody & { hash: string };
export const CSV_COLUMNS = ['seq', 'at', 'type', 'actor', 'taskId', 'stepId', 'data', 'hash'] as const;
const CSV_HEADER = CSV_COLUMNS.join(',');

/** One page's content, before formatting. */
export type AuditPage = { anchor: ChainHead; events: readonly AuditEvent[]; head: ChainHead };

/** The text of one page; see the module comment for its records. */
export function formatAuditPage(page: AuditPage, format: AuditFormat): string {
  const through = page.events.at(-1)?.seq ?? page.anchor.seq;
  const anchor = { type: 'audit.anchor', seq: page.anchor.seq, hash: page.anchor.hash };
  const head = { type: 'audit.head', seq: page.head.seq, hash: page.head.hash, data: { through } };
  if (format === 'ndjson') {
    const line = (e: AuditEvent) =>
      JSON.stringify({
        seq: e.seq,
        at: e.at,
        type: e.type,
        actor: e.actor,
        ...(e.taskId !== undefined ? { taskId: e.taskId } : {}),
        ...(e.stepId !== undefined ? { stepId: e.stepId } : {}),
        data: e.data,
        hash: e.hash,
      });
    return [JSON.stringify(anchor), ...page.events.map(line), JSON.stringify(head)].join('\n') + '\n';
  }
  const row = (e: AuditEvent) => csvRow([String(e.seq), String(e.at), e.type, e.actor, e.taskId ?? '', e.stepId ?? '', JSON.stringify(e.data), e.hash]);
  return (
    [
      CSV_HEADER,
      csvRow([String(anchor.seq), '', anchor.type, '', '', '', '', anchor.hash]),
      ...page.events.map(row),
      csvRow([String(head.seq), '', head.type, '', '', '', JSON.stringify(head.data), head.hash]),
    ].join('\n') + '\n'
  );
}

type Rec = { kind: 'anchor'; line: number; head: ChainHead } | { kind: 'head'; line: number; head: ChainHead; through: number } | { kind: 'event'; line: number; event: AuditEvent };

/** A record that cannot be read; `seq` when the record still names one. */
class Malformed extends Error {
  readonly seq: number;
  constructor(message: string, seq = 0) {
    super(message);
    this.seq = seq;
  }
}

const HASH = /^[0-9a-f]{64}$/;
const EVENT_FIELDS: ReadonlySet<string> = new Set(CSV_COLUMNS);
const isSeq = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

function toRec(o: Record<string, unknown>, line: number): Rec {
  if (!isSeq(o.seq)) throw new Malformed(`line ${line}: seq is not a whole number`);
  const seq = o.seq;
  const bad = (what: string) => new Malformed(`line ${line}: ${what}`, seq);
  if (typeof o.hash !== 'string' || !HASH.test(o.hash)) throw bad('hash is not 64 lowercase hex characters');
  if (o.type === 'audit.anchor') return { kind: 'anchor', line, head: { seq: o.seq, hash: o.hash } };
  if (o.type === 'audit.head') {
    const through = (o.data as { through?: unknown } | undefined)?.through;
    if (!isSeq(through)) throw bad('a head record needs data.through');
    return { kind: 'head', line, head: { seq: o.seq, hash: o.hash }, through };
  }
  // A field the hash does not cover would read as part of the record while proving nothing: refuse it.
  const extra = Object.keys(o).find((k) => !EVENT_FIELDS.has(k) && o[k] !== undefined);
  if (extra !== undefined) throw bad(`event ${o.seq} has a field the chain does not cover: ${JSON.stringify(extra.slice(0, 40))}`);
  if (!isSeq(o.at)) throw bad('at is not a time in ms');
  if (typeof o.type !== 'string' || typeof o.actor !== 'string') throw bad('type and actor must be text');
  if (o.data === null || typeof o.data !== 'object' || Array.isArray(o.data)) throw bad('data must be an object');
  for (const k of ['taskId', 'stepId'] as const) if (o[k] !== undefined && typeof o[k] !== 'string') throw bad(`${k} must be text`);
  const event: AuditEvent = {
    seq: o.seq,
    at: o.at,
    type: o.type,
    actor: o.actor,
    data: o.data as Record<string, unknown>,
    hash: o.hash,
    ...(typeof o.taskId === 'string' ? { taskId: o.taskId } : {}),
    ...(typeof o.stepId === 'string' ? { stepId: o.stepId } : {}),
  };
  return { kind: 'event', line, event };
}

function parseNdjson(text: string): Rec[] {
  const recs: Rec[] = [];
  text.split('\n').forEach((raw, i) => {
    if (raw.trim() === '') return;
    let o: unknown;
    try {
      o = JSON.parse(raw);
    } catch {
      throw new Malformed(`line ${i + 1}: not JSON`);
    }
    if (o === null || typeof o !== 'object' || Array.isArray(o)) throw new Malformed(`line ${i + 1}: not a JSON object`);
    recs.push(toRec(o as Record<string, unknown>, i + 1));
  });
  return recs;
}

function parseCsvExport(text: string): Rec[] {
  let rows;
  try {
    rows = parseCsv(text);
  } catch (e) {
    throw new Malformed(e instanceof Error ? e.message : 'bad CSV');
  }
  return rows.flatMap(({ line, fields }) => {
    if (fields.join(',') === CSV_HEADER) return [];
    if (fields.length !== CSV_COLUMNS.length) throw new Malformed(`line ${line}: ${fields.length} fields, expected ${CSV_COLUMNS.length}`);
    const [seq, at, type, actor, taskId, stepId, data, hash] = fields as [string, string, string, string, string, string, string, string];
    let parsed: unknown;
    try {
      parsed = data === '' ? undefined : JSON.parse(data);
    } catch {
      throw new Malformed(`line ${line}: data is not JSON`);
    }
    const num = (s: string) => (/^\d+$/.test(s) ? Number(s) : NaN);
    return [toRec({ seq: num(seq), at: at === '' ? undefined : num(at), type, actor, taskId: taskId || undefined, stepId: stepId || undefined, data: parsed, hash }, line)];
  });
}

export type AuditVerdict =
  | { ok: true; format: AuditFormat; anchor: ChainHead; last: ChainHead; count: number; head: ChainHead | undefined }
  | { ok: false; seq: number; reason: Extract<ChainVerdict, { ok: false }>['reason']; message: string; line?: number };

/**
 * Check an export (one page or many concatenated) offline. It must start with an anchor
 * and end with a head record. Finds, at the seq of the first bad event: a changed event
 * ('changed'), a missing one ('dropped', also a page cut short), one out of place
 * ('reordered'), an anchor that does not match the events before it or the one you hold
 * ('wrong_anchor'), and a head that does not match its event ('head_mismatch').
 * `opts.anchor` / `opts.expectedHead`: positions you already hold (e.g. from a previous
 * export or a webhook's chainHead), to pin the export to them.
 */
export function verifyAuditExport(text: string, opts: { anchor?: ChainHead; expectedHead?: ChainHead } = {}): AuditVerdict {
  const format: AuditFormat = text.trimStart().startsWith('{') ? 'ndjson' : 'csv';
  let recs: Rec[];
  try {
    recs = format === 'ndjson' ? parseNdjson(text) : parseCsvExport(text);
  } catch (e) {
    return { ok: false, seq: e instanceof Malformed ? e.seq : 0, reason: 'malformed', message: e instanceof Error ? e.message : 'unreadable export' };
  }
  const start = recs[0];
  if (!start || start.kind !== 'anchor')
    return { ok: false, seq: 0, reason: 'malformed', message: 'an export starts with its anchor record (type audit.anchor)', ...(start ? { line: start.line } : {}) };
  const anchor = start.head;
  if (anchor.seq === 0 && anchor.hash !== GENESIS_HASH)
    return { ok: false, seq: 1, reason: 'wrong_anchor', message: 'an export from the start must be anchored at the genesis hash', line: start.line };
  if (opts.anchor && (opts.anchor.seq !== anchor.seq || opts.anchor.hash !== anchor.hash)) {
    return {
      ok: false,
      seq: anchor.seq,
      reason: 'wrong_anchor',
      message: `the export is anchored at event ${anchor.seq} ${anchor.hash.slice(0, 12)}…, not at the anchor you hold (event ${opts.anchor.seq} ${opts.anchor.hash.slice(0, 12)}…)`,
      line: start.line,
    };
  }
  const walker = new ChainWalker(anchor, new Set(recs.flatMap((r) => (r.kind === 'event' ? [r.event.seq] : []))));
  let head: ChainHead | undefined;
  for (const r of recs.slice(1)) {
    const at = { line: r.line };
    if (r.kind === 'event') {
      const fault = walker.step(r.event);
      if (fault) return { ...fault, ...at };
    } else if (r.kind === 'anchor') {
      // A page boundary: the next page's anchor must be where the previous page ended.
      if (r.head.seq !== walker.prev.seq || r.head.hash !== walker.prev.hash) {
        if (r.head.seq > walker.prev.seq)
          return { ok: false, seq: walker.prev.seq + 1, reason: 'dropped', message: `events ${walker.prev.seq + 1} to ${r.head.seq} are missing before the next page`, ...at };
        return {
          ok: false,
          seq: r.head.seq,
          reason: 'wrong_anchor',
          message: `a page is anchored at event ${r.head.seq} ${r.head.hash.slice(0, 12)}…, which does not match the events before it`,
          ...at,
        };
      }
    } else {
      if (r.through > walker.prev.seq)
        return { ok: false, seq: walker.prev.seq + 1, reason: 'dropped', message: `the page ends at event ${walker.prev.seq} but says it holds events through ${r.through}`, ...at };
      if (r.through < walker.prev.seq)
        return { ok: false, seq: r.through + 1, reason: 'malformed', message: `a head record says its page ends at event ${r.through}, after event ${walker.prev.seq}`, ...at };
      // A head past the end (the export stopped early, with `before`) cannot be checked here.
      if (r.head.seq <= walker.prev.seq) {
        const fault = walker.checkHead(r.head, 'the head record');
        if (fault) return { ...fault, ...at };
      }
      head = r.head;
    }
  }
  const end = recs.at(-1)!;
  if (end.kind !== 'head') return { ok: false, seq: walker.prev.seq + 1, reason: 'dropped', message: 'the export ends without its head record: it was cut short', line: end.line };
  const fault = opts.expectedHead && walker.checkHead(opts.expectedHead, 'the head you hold');
  if (fault) return fault;
  return { ok: true, format, anchor, last: walker.prev, count: walker.count, head };
}
