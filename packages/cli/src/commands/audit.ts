/**
 * `greenlight audit export [--format ndjson|csv] [--after <seq>] [--before <seq>] [--limit <events per page>] > file`
 * writes the workspace's hash-chained log (admin key) page by page to stdout;
 * `greenlight audit verify <file> [--head <seq>:<hash>] [--anchor <seq>:<hash>]` checks
 * such a file offline, without a key: exit 0 when every event links up, EXIT.tampered
 * with the seq of the first changed, dropped or reordered event otherwise.
 */
import { readFileSync } from 'node:fs';
import { verifyAuditExport, type ChainHead } from '@greenlight/sdk';
import { EXIT, UsageError } from '../errors.ts';
import { str, type Command, type Values } from './spec.ts';

/** `<seq>:<hash>` as printed by `audit verify` and carried in webhooks' chainHead. */
function position(flag: string, v: string | boolean | undefined): ChainHead | undefined {
  const s = str(v);
  if (s === undefined) return undefined;
  const m = /^(\d+):([0-9a-f]{64})$/.exec(s);
  if (!m) throw new UsageError(`--${flag} is <seq>:<hash> (a seq and 64 lowercase hex characters), not ${JSON.stringify(s)}`);
  return { seq: Number(m[1]), hash: m[2]! };
}

function seqFlag(flag: string, v: string | boolean | undefined): number | undefined {
  const s = str(v);
  if (s === undefined) return undefined;
  if (!/^\d+$/.test(s)) throw new UsageError(`--${flag} is a seq (a whole number), not ${JSON.stringify(s)}`);
  return Number(s);
}

/** Write to stdout, waiting when the pipe is full, so a long export never piles up in memory. */
const write = (text: string): Promise<void> =>
  new Promise((resolve, reject) => {
    process.stdout.write(text, (err) => (err ? reject(err) : resolve()));
  });

async function exportLog(ctx: Parameters<Command['run']>[0], values: Values): Promise<number> {
  const format = str(values.format) ?? 'ndjson';
  if (format !== 'ndjson' && format !== 'csv') throw new UsageError(`--format is ndjson or csv, not ${JSON.stringify(format)}`);
  const after = seqFlag('after', values.after);
  const before = seqFlag('before', values.before);
  const limit = seqFlag('limit', values.limit);
  let head: ChainHead | undefined;
  let count = 0;
  for await (const page of ctx.client().exportAudit({ format, ...(after !== undefined ? { after } : {}), ...(before !== undefined ? { before } : {}), ...(limit !== undefined ? { limit } : {}) })) {
    await write(page.text);
    head = page.head;
    count += page.count;
  }
  // The head goes to stderr: stdout is the file. Keep it (or the one in webhooks) to pin later checks.
  if (head) ctx.out.err(`exported ${count} events; chain head ${head.seq}:${head.hash}`);
  return EXIT.ok;
}

function verify(ctx: Parameters<Command['run']>[0], file: string, values: Values): number {
  let text: string;
  try {
    text = readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read ${file}: ${e instanceof Error ? e.message : String(e)}`);
  }
  const anchor = position('anchor', values.anchor);
  const expectedHead = position('head', values.head);
  const v = verifyAuditExport(text, { ...(anchor ? { anchor } : {}), ...(expectedHead ? { expectedHead } : {}) });
  if (ctx.out.json) ctx.out.line(JSON.stringify(v));
  if (!v.ok) {
    if (!ctx.out.json) ctx.out.err(`greenlight: audit export does not verify: event ${v.seq}: ${v.reason}: ${v.message}${v.line ? ` (line ${v.line})` : ''}`);
    return EXIT.tampered;
  }
  if (!ctx.out.json) {
    const range = v.count > 0 ? `events ${v.last.seq - v.count + 1}..${v.last.seq}` : 'no events';
    ctx.out.line(`ok: ${v.format}, ${range} (${v.count}) chained from ${v.anchor.seq}:${v.anchor.hash.slice(0, 12)}…; last ${v.last.seq}:${v.last.hash}`);
    if (v.head && v.head.seq > v.last.seq) ctx.out.line(`  the server's head was ${v.head.seq}: events after ${v.last.seq} are not in this file`);
  }
  return EXIT.ok;
}

export const audit: Command = {
  usage: 'audit export [--format ndjson|csv] [--after <seq>] [--before <seq>] [--limit <n>] | audit verify <file> [--head <seq>:<hash>] [--anchor <seq>:<hash>]',
  summary: 'export the hash-chained audit log (admin), or check an export offline',
  options: {
    format: { type: 'string' },
    after: { type: 'string' },
    before: { type: 'string' },
    limit: { type: 'string' },
    head: { type: 'string' },
    anchor: { type: 'string' },
  },
  async run(ctx, args, values) {
    const [sub, ...rest] = args;
    if (sub === 'export') {
      if (rest.length > 0) throw new UsageError('audit export takes no arguments (redirect stdout to a file)');
      return exportLog(ctx, values);
    }
    if (sub === 'verify') {
      if (rest.length !== 1) throw new UsageError('audit verify takes one file (or - for stdin)');
      return verify(ctx, rest[0]!, values);
    }
    throw new UsageError(`audit takes export or verify, not ${JSON.stringify(sub ?? '')}`);
  },
};
