/** Small shared schema pieces: ids, bounded strings, JSON-ish metadata, usage. */
import { z } from 'zod';
import { hasHidden } from '../display.ts';
import { LIMITS } from '../limits.ts';

export const Id = z.string().min(1).max(64);
export const WorkspaceId = z.string().regex(/^[a-z0-9-]{3,40}$/, 'workspace id: 3-40 characters of a-z, 0-9 and -');
export const Title = z.string().trim().min(1).max(LIMITS.titleChars);
export const Text = z.string().max(LIMITS.textChars);
export const EpochMs = z.number().int().nonnegative();
export const Sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'a SHA-256 as 64 lowercase hex characters');
export const IdempotencyKey = z.string().min(1).max(LIMITS.idempotencyKeyChars);
export const Principal = z.string().trim().min(1).max(200);

/**
 * Names the server decides and acts under, which no key may take: `system` (the alarm),
 * `timeout` (an expired approval's default), `policy:<rule>` (a rule's or a mode's own
 * decision), and the prefixes kept for grants and signed-in people (`grant:<id>`,
 * `oidc:<issuer>#<subject>`, SPEC section 11). A key named so would make a person's
 * approval read as the policy's or the clock's in the audit, and readers leave those
 * names out of "decided by" (core's decisionPeople).
 */
export const RESERVED_PRINCIPALS: readonly string[] = ['system', 'timeout'];
export const RESERVED_PRINCIPAL_PREFIXES: readonly string[] = ['policy:', 'grant:', 'oidc:'];

/** Why `name` cannot be a key's principal (reserved, or holding characters that hide text), or undefined. Case-insensitive. */
export function principalProblem(name: string): string | undefined {
  const lower = name.toLowerCase();
  if (RESERVED_PRINCIPALS.includes(lower)) return `"${name}" is reserved: the server decides and acts under that name`;
  const prefix = RESERVED_PRINCIPAL_PREFIXES.find((p) => lower.startsWith(p));
  if (prefix) return `a principal may not start with "${prefix}": the server's own decisions are named so`;
  if (hasHidden(name)) return 'a principal is a name people read in the audit: no control, bidi or invisible characters';
  return undefined;
}

/**
 * A principal as people read it: NFKC-normalised and lower-cased, so `Alice`, `alice`
 * and `ａｌｉｃｅ` (full-width) are one name. Rules compare principals exactly; this only
 * finds names that look the same but are not (principalClash).
 */
export const principalFold = (name: string): string => name.normalize('NFKC').toLowerCase();

/**
 * An existing principal that reads as `name` but is not it (`Dev` for `dev`), or
 * undefined. A second spelling of a person would count as another person: for
 * self-approval (the creator's other key could approve) and for N-of-M (one person
 * twice). keys.create refuses it; the same exact name is fine (another key of that person).
 */
export function principalClash(name: string, existing: Iterable<string>): string | undefined {
  const folded = principalFold(name);
  for (const p of existing) if (p !== name && principalFold(p) === folded) return p;
  return undefined;
}

/** A principal a new key may take: a Principal that principalProblem accepts. */
export const KeyPrincipal = Principal.superRefine((name, ctx) => {
  const problem = principalProblem(name);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

/**
 * A secret in an answer (a key, a signing secret, a socket ticket): shown once, never
 * stored readable by the server. Marked so the protocol reference flags it and a test
 * can find every procedure that answers one (apps/api/test/secrets-at-rest.test.ts).
 */
export const SecretString = z.string().meta({ 'x-secret': true, description: 'a secret, shown once: keep it, it cannot be shown again' });

/** Whether a JSON value nests deeper than `limit`, found without recursion (so without a stack to overflow). */
export function nestsDeeperThan(value: unknown, limit: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (depth >= limit) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v)) stack.push([child, depth + 1]);
  }
  return false;
}

const LONE_SURROGATE = /\p{Surrogate}/u;

/**
 * Whether any string (or key) in a JSON value is ill-formed UTF-16: a lone surrogate
 * cannot be hashed canonically (RFC 8785) or encoded faithfully, so it is refused at
 * the edge. Iterative, like nestsDeeperThan.
 */
export function hasIllFormedString(value: unknown): boolean {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v === 'string') {
      if (LONE_SURROGATE.test(v)) return true;
    } else if (Array.isArray(v)) {
      stack.push(...v);
    } else if (v !== null && typeof v === 'object') {
      for (const [k, child] of Object.entries(v)) {
        if (LONE_SURROGATE.test(k)) return true;
        stack.push(child);
      }
    }
  }
  return false;
}

const byteLength = (v: unknown): number => new TextEncoder().encode(JSON.stringify(v) ?? '').length;

/**
 * The checks for free-form JSON, in order: nesting first (aborting, so nothing
 * recursive ever sees a hostile depth), then the encoded size.
 */
export function boundedJson<T extends z.ZodType>(schema: T, what: string, maxBytes: number): T {
  return schema
    .refine((v) => !nestsDeeperThan(v, LIMITS.jsonDepth), { message: `${what} nests deeper than ${LIMITS.jsonDepth} levels`, abort: true })
    .refine((v) => v === undefined || byteLength(v) <= maxBytes, {
      message: `${what} is over ${maxBytes >= 1024 ? `${maxBytes / 1024} KiB` : `${maxBytes} bytes`} of JSON`,
    });
}

/** Free-form JSON object for the audit log, bounded in size. */
export const Metadata = boundedJson(z.record(z.string().max(200), z.unknown()), 'metadata', LIMITS.metadataBytes);
export type Metadata = z.infer<typeof Metadata>;

export const Usage = z.object({
  inputTokens: z.number().int().nonnegative().max(1e12).default(0),
  outputTokens: z.number().int().nonnegative().max(1e12).default(0),
  costUsd: z.number().nonnegative().max(1e9).default(0),
});
export type Usage = z.infer<typeof Usage>;
export const ZERO_USAGE: Usage = { inputTokens: 0, outputTokens: 0, costUsd: 0 };

export const addUsage = (a: Usage, b: Usage): Usage => ({
  inputTokens: a.inputTokens + b.inputTokens,
  outputTokens: a.outputTokens + b.outputTokens,
  costUsd: Math.round((a.costUsd + b.costUsd) * 1e6) / 1e6,
});

export const Limit = z.number().int().min(1).max(LIMITS.pageSize).default(LIMITS.defaultPageSize);
