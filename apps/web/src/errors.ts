/**
 * An error as a reviewer reads it: a sentence saying what happened, the server's own
 * words as a second sentence, what to do next, and the code last and small (issue 16
 * item 3: "errors read as sentences with the code secondary"). Pure: errors.test.ts.
 */
import type { Role } from '@greenlight/core';
import { roleSummary } from './roles.ts';

export type ErrorLike = { code: string; message: string; reason?: string | undefined };
export type ErrorText = { lead: string; detail?: string; hint?: string };

/** Codes the page makes itself for a reviewer's slip (an empty answer, bad JSON): the message is the sentence. */
export const LOCAL_CODE = 'BAD_INPUT';

const LEAD: Record<string, string> = {
  CONFLICT: 'This changed since the page showed it, or someone decided it first.',
  UNAUTHORIZED: 'The server did not accept this key.',
  FORBIDDEN: 'Your key is not allowed to do this.',
  NOT_FOUND: 'That is not in this workspace.',
  BAD_REQUEST: 'The server could not accept what was sent.',
  PAYLOAD_TOO_LARGE: 'What was sent is too large for the server.',
  TOO_MANY_REQUESTS: 'Too many requests at once.',
  NETWORK_ERROR: 'The server could not be reached.',
  TIMEOUT: 'The server took too long to answer.',
  INTERNAL_SERVER_ERROR: 'The server failed while doing this.',
};

/** A reason (the server's machine-readable detail) that says more than its code. */
const REASON: Record<string, string> = {
  stale_params_hash: 'The agent changed this step after the page showed it.',
  already_voted: 'You have already approved this revision.',
  cancelled: 'The task was cancelled.',
  changed: 'It was decided or changed elsewhere.',
  confirmation_required: 'Some steps in this batch need your explicit confirmation.',
  not_open: 'This session has ended.',
  too_many_grants: 'This session has as many grants as it may hold.',
};

const HINT: Record<string, string> = {
  CONFLICT: 'Reload to see the current version, then decide again.',
  UNAUTHORIZED: 'The key may be mistyped or revoked: sign in again with a current key.',
  NETWORK_ERROR: 'Check that the server is running, then try again.',
  TOO_MANY_REQUESTS: 'Wait a moment and try again.',
  TIMEOUT: 'Try again; if it keeps happening, the server may be overloaded.',
  INTERNAL_SERVER_ERROR: 'Try again; the server’s log has the details.',
};

/** "an agent key may not do this" -> "An agent key may not do this." */
export function asSentence(text: string): string {
  const t = text.trim();
  if (!t) return t;
  const first = t[0]!.toUpperCase() + t.slice(1);
  return /[.!?…]$/.test(first) ? first : `${first}.`;
}

/** The words for `error`; `role` (the signed-in key's) turns a FORBIDDEN into what this key can do instead. */
export function errorText(error: ErrorLike, role?: Role): ErrorText {
  if (error.code === LOCAL_CODE) return { lead: asSentence(error.message) };
  const lead = (error.reason ? REASON[error.reason] : undefined) ?? LEAD[error.code] ?? 'Something went wrong.';
  const detail = error.message && error.message !== error.code ? asSentence(error.message) : undefined;
  const hint = error.code === 'FORBIDDEN' && role ? roleSummary(role) : HINT[error.code];
  return { lead, ...(detail && detail !== lead ? { detail } : {}), ...(hint ? { hint } : {}) };
}
