/** One error class for every failure the SDK reports, carrying the tRPC code. */
import { TRPCClientError } from '@trpc/client';

export type ErrorCode =
  | 'BAD_REQUEST'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'PAYLOAD_TOO_LARGE'
  | 'TOO_MANY_REQUESTS'
  | 'INTERNAL_SERVER_ERROR'
  | 'TIMEOUT'
  | 'CLIENT_CLOSED_REQUEST'
  | 'NETWORK_ERROR'
  | (string & {});

export type ErrorIssue = { path: (string | number)[]; message: string };

type ErrorData = { code?: string; httpStatus?: number; reason?: string; issues?: ErrorIssue[]; path?: string };

export class GreenlightError extends Error {
  override readonly name = 'GreenlightError';
  /** The tRPC code: CONFLICT, FORBIDDEN, ... or NETWORK_ERROR when the server was not reached. */
  readonly code: ErrorCode;
  readonly httpStatus: number | undefined;
  /** A machine-readable detail, e.g. stale_params_hash, lost_lease, cancelled. */
  readonly reason: string | undefined;
  readonly issues: ErrorIssue[];
  readonly path: string | undefined;

  constructor(message: string, opts: { code: ErrorCode; httpStatus?: number; reason?: string; issues?: ErrorIssue[]; path?: string; cause?: unknown }) {
    super(message, { cause: opts.cause });
    this.code = opts.code;
    this.httpStatus = opts.httpStatus;
    this.reason = opts.reason;
    this.issues = opts.issues ?? [];
    this.path = opts.path;
  }

  /**
   * What a wait or call rejects with when its AbortSignal aborts, before it started or
   * while it ran: code CLIENT_CLOSED_REQUEST, reason `aborted`, the signal's reason as cause.
   */
  static aborted(what: string, signal?: AbortSignal): GreenlightError {
    return new GreenlightError(`${what} was aborted`, { code: 'CLIENT_CLOSED_REQUEST', reason: 'aborted', cause: signal?.reason });
  }

  /**
   * A NETWORK_ERROR that names where it went and why: `no Greenlight answer from <url>: fetch failed:
   * connect ECONNREFUSED 127.0.0.1:8787`. fetch's own message is only "fetch failed";
   * the reason (refused, DNS, TLS, reset) is in its `cause` chain, so that is read here.
   * Any other error is returned as it is.
   */
  withUrl(url: string): GreenlightError {
    if (this.code !== 'NETWORK_ERROR' || this.message.startsWith('no Greenlight answer from ')) return this;
    // from() already put the innermost cause's words in the message (withCause).
    return new GreenlightError(`no Greenlight answer from ${url}: ${this.message}`, { code: 'NETWORK_ERROR', cause: this.cause ?? this });
  }

  static from(err: unknown): GreenlightError {
    if (err instanceof GreenlightError) return err;
    if (err instanceof TRPCClientError) {
      const data = (err.data ?? {}) as ErrorData;
      if (!data.code) return new GreenlightError(withCause(err.message, err), { code: 'NETWORK_ERROR', cause: err });
      return new GreenlightError(err.message, {
        code: data.code,
        ...(data.httpStatus !== undefined ? { httpStatus: data.httpStatus } : {}),
        ...(data.reason !== undefined ? { reason: data.reason } : {}),
        ...(data.issues !== undefined ? { issues: data.issues } : {}),
        ...(data.path !== undefined ? { path: data.path } : {}),
        cause: err,
      });
    }
    if (err instanceof DOMException && err.name === 'AbortError') return new GreenlightError('aborted', { code: 'CLIENT_CLOSED_REQUEST', reason: 'aborted', cause: err });
    return new GreenlightError(err instanceof Error ? withCause(err.message, err) : String(err), { code: 'NETWORK_ERROR', cause: err });
  }
}

/**
 * `message` with the innermost cause's own words when they add something: fetch says
 * only "fetch failed", its cause says "connect ECONNREFUSED 127.0.0.1:8787" (or, for a
 * name with two addresses, an AggregateError holding one error per address).
 */
function withCause(message: string, err: unknown): string {
  let detail: string | undefined;
  let e: unknown = err;
  for (let depth = 0; depth < 8 && e instanceof Error; depth++) {
    const inner = e instanceof AggregateError && e.errors[0] instanceof Error ? e.errors[0] : undefined;
    const words = (inner ?? e).message;
    if (words && words !== message) detail = words;
    e = inner ?? e.cause;
  }
  return detail && !message.includes(detail) ? `${message}: ${detail}` : message;
}
