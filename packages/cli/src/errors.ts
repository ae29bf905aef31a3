/**
 * Exit codes and error reporting. Scripts branch on the exit code; people read the
 * message on stderr (or, with --json, one JSON object there).
 */
import { GreenlightError } from '@greenlight/sdk';

export const EXIT = {
  ok: 0,
  /** Any other API or network failure (server unreachable, bad request, internal error). */
  error: 1,
  /** Bad command line: unknown command or flag, missing argument. Nothing was sent. */
  usage: 2,
  notFound: 3,
  /** Already decided, stale paramsHash, task cancelled. */
  conflict: 4,
  /** No key, a bad key, or a role that may not do this. */
  denied: 5,
  /** `audit verify`: the export was changed, cut or reordered (the seq is on stderr). */
  tampered: 6,
  /** A person answered no (or nothing) at a y/N question: nothing was sent. */
  declined: 7,
} as const;

/** A request, or the live connection, that did not answer within its budget. */
export class RequestTimeout extends Error {
  override readonly name = 'RequestTimeout';
  /** Where the request went: origin and path, without the query (it carries the input). */
  readonly url: string;
  readonly ms: number;

  constructor(what: string, url: string, ms: number) {
    super(`${what} ${url} within ${ms / 1000} s`);
    this.url = url;
    this.ms = ms;
  }
}

/** A mistake on the command line, caught before anything is sent. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** The RequestTimeout behind an error, however deep the SDK and tRPC wrapped it. */
function timeoutIn(err: unknown): RequestTimeout | undefined {
  let e: unknown = err;
  for (let depth = 0; e instanceof Error && depth < 8; depth++, e = e.cause) if (e instanceof RequestTimeout) return e;
  return undefined;
}

export function exitCodeOf(err: unknown): number {
  if (err instanceof UsageError) return EXIT.usage;
  if (!(err instanceof GreenlightError) || timeoutIn(err)) return EXIT.error;
  switch (err.code) {
    case 'NOT_FOUND':
      return EXIT.notFound;
    case 'CONFLICT':
      return EXIT.conflict;
    case 'UNAUTHORIZED':
    case 'FORBIDDEN':
      return EXIT.denied;
    default:
      return EXIT.error;
  }
}

/** The error as plain data, for --json and for tests. */
export function errorJson(err: unknown): { code: string; message: string; reason?: string; issues?: { path: (string | number)[]; message: string }[] } {
  if (err instanceof UsageError) return { code: 'USAGE', message: err.message };
  const timeout = timeoutIn(err);
  if (timeout) return { code: 'TIMEOUT', message: timeout.message };
  const e = GreenlightError.from(err);
  return {
    code: e.code,
    message: e.message,
    ...(e.reason !== undefined ? { reason: e.reason } : {}),
    ...(e.issues.length > 0 ? { issues: e.issues } : {}),
  };
}

/** A message as a sentence: a capital first letter and a full stop (messages may already end in one). */
export function sentence(message: string): string {
  const m = message.trim();
  if (m === '') return m;
  const first = m[0]!.toUpperCase() + m.slice(1);
  return /[.!?:)]$/.test(first) ? first : `${first}.`;
}

/**
 * Human text (issue 16): the message as a sentence first, the code (and reason) after it
 * for scripts and searches, then one line per issue. Usage errors keep their hint.
 */
export function errorText(err: unknown): string {
  const j = errorJson(err);
  if (j.code === 'USAGE') return [`greenlight: usage error: ${j.message}`, "  run 'greenlight help' for usage"].join('\n');
  // One line for the error itself (scripts and the hook's callers read one), the code last.
  const lines = [`greenlight: ${sentence(j.message)} (${j.code}${j.reason ? `, ${j.reason}` : ''})`];
  for (const issue of j.issues ?? []) lines.push(`  - ${issue.path.length > 0 ? issue.path.join('.') + ': ' : ''}${issue.message}`);
  if (j.code === 'TIMEOUT') lines.push('  each request may take up to --timeout <seconds> (or GREENLIGHT_TIMEOUT; default 15)');
  return lines.join('\n');
}
