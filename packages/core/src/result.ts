/** Transitions return a value or a typed error; they never throw for a caller's mistake. */
import type { ErrorCode } from './enums.ts';

/** `issues` follows zod's shape so bad input reads the same whether zod or the core caught it. */
export type Issue = { path: (string | number)[]; message: string };
export type CoreError = { code: ErrorCode; message: string; reason?: string; issues?: Issue[]; retryAfterMs?: number };
export type Result<T> = { ok: true; value: T } | { ok: false; error: CoreError };

export const ok = <T>(value: T): Result<T> => ({ ok: true, value });
export const fail = (code: ErrorCode, message: string, extra: { reason?: string; issues?: Issue[]; retryAfterMs?: number } = {}): { ok: false; error: CoreError } => ({
  ok: false,
  error: { code, message, ...extra },
});

export const badRequest = (message: string, issues?: Issue[]) => fail('BAD_REQUEST', message, issues ? { issues } : {});
