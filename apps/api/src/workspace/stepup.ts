/**
 * Step-up with passkeys (issue 15, item 5; docs/step-up.md): a reviewer registers WebAuthn
 * credentials for their principal, asks for a challenge bound to one approval and the
 * paramsHash they are looking at, and decides with the assertion. The signature is
 * checked (@simplewebauthn/server) before the transaction, which cannot await; inside it
 * the challenge is used up (single use, short-lived, bound), the credential is checked to
 * be the caller's, and the decision runs with authStrength `passkey`, for that call only.
 * So the signature itself says this person approved these bytes.
 */
import {
  canonicalJson,
  fail,
  ok,
  paramsHash,
  sha256Hex,
  staleHashMessage,
  type ChallengeInput,
  type DecideInput,
  type DecideResult,
  type Passkey,
  type PasskeyAssertion,
  type PasskeyOptions,
  type RegisterPasskeyInput,
  type Result,
} from '@greenlight/core';
import { generateAuthenticationOptions, generateRegistrationOptions, verifyAuthenticationResponse, verifyRegistrationResponse } from '@simplewebauthn/server';
import { isoBase64URL } from '@simplewebauthn/server/helpers';
import type { Cred } from '../contract/rpc.ts';
import * as approvals from './ops/approvals.ts';
import { CHALLENGE_TTL_MS, PASSKEYS_PER_PRINCIPAL, consumeChallenge, deletePasskey, findChallenge, findPasskey, insertChallenge, insertPasskey, passkeysOf, shown, touchPasskey } from './passkeys.ts';
import type { Pipeline } from './pipeline.ts';
import { findApproval } from './store.ts';
import type { Tx } from './tx.ts';

/** Who the browser talks to: the page's origin (PUBLIC_URL, else the request's) and its host as the WebAuthn RP ID. */
export type RelyingParty = { origin: string; rpID: string };

export const relyingParty = (origin: string): RelyingParty => ({ origin, rpID: new URL(origin).hostname });

const refused = (message: string, reason = 'passkey_refused') => fail('FORBIDDEN', message, { reason });

/** The challenge a WebAuthn response answers, from its clientDataJSON; undefined when unreadable. */
function challengeOf(clientDataJSON: string): string | undefined {
  try {
    const data: unknown = JSON.parse(isoBase64URL.toUTF8String(clientDataJSON));
    return typeof data === 'object' && data !== null && 'challenge' in data && typeof data.challenge === 'string' ? data.challenge : undefined;
  } catch {
    return undefined;
  }
}

const who = (tx: Tx) => tx.key.principal;

/** WebAuthn's transport hints, as @simplewebauthn/server types them (stored as plain strings). */
type AuthenticatorTransportFuture = 'ble' | 'cable' | 'hybrid' | 'internal' | 'nfc' | 'smart-card' | 'usb';

/** passkeys.registerOptions: creation options for a new passkey of the caller's principal, with a single-use challenge. */
export async function registerOptions(p: Pipeline, cred: Cred, rp: RelyingParty): Promise<Result<PasskeyOptions>> {
  const caller = await p.call(cred, 'decide', undefined, (tx) => ok({ principal: who(tx), existing: passkeysOf(tx.sql, who(tx)) }));
  if (!caller.ok) return caller;
  const { principal, existing } = caller.value;
  if (existing.length >= PASSKEYS_PER_PRINCIPAL) return fail('CONFLICT', `${principal} already holds ${PASSKEYS_PER_PRINCIPAL} passkeys: delete one first`, { reason: 'too_many_passkeys' });
  const options = await generateRegistrationOptions({
    rpName: 'Greenlight',
    rpID: rp.rpID,
    userName: principal,
    // A stable, opaque user handle: the principal's hash, not the principal itself.
    userID: Uint8Array.from(new TextEncoder().encode((await sha256Hex(`${cred.workspaceId}\n${principal}`)).slice(0, 32))),
    attestationType: 'none',
    excludeCredentials: existing.map((k) => ({ id: k.id, transports: k.transports as AuthenticatorTransportFuture[] })),
    authenticatorSelection: { residentKey: 'preferred', userVerification: 'required' },
    timeout: CHALLENGE_TTL_MS,
  });
  return p.call(cred, 'decide', undefined, (tx) => {
    if (who(tx) !== principal) return fail('CONFLICT', 'the key changed while the options were made: try again');
    const expiresAt = tx.now + CHALLENGE_TTL_MS;
    insertChallenge(tx.sql, { challenge: options.challenge, purpose: 'register', principal, expiresAt }, tx.now);
    return ok({ ...options, expiresAt });
  });
}

/**
 * passkeys.register: verify the new credential against a live registration challenge of the
 * caller's principal (used up here), and keep its public key. BAD_REQUEST when the
 * attestation does not verify; FORBIDDEN when the challenge is unknown, used, expired or
 * another principal's; CONFLICT when the credential is registered already.
 */
export async function register(p: Pipeline, cred: Cred, input: RegisterPasskeyInput, rp: RelyingParty): Promise<Result<Passkey>> {
  const challenge = challengeOf(input.response.response.clientDataJSON);
  if (!challenge) return fail('BAD_REQUEST', 'response.clientDataJSON holds no challenge');
  let verified;
  try {
    verified = await verifyRegistrationResponse({ response: input.response, expectedChallenge: challenge, expectedOrigin: rp.origin, expectedRPID: rp.rpID, requireUserVerification: true });
  } catch (e) {
    return fail('BAD_REQUEST', `the passkey did not verify: ${e instanceof Error ? e.message : 'invalid response'}`, { reason: 'passkey_invalid' });
  }
  if (!verified.verified) return fail('BAD_REQUEST', 'the passkey did not verify', { reason: 'passkey_invalid' });
  const { credential } = verified.registrationInfo;
  return p.call(cred, 'decide', { op: 'passkeys.register', input }, (tx) => {
    if (!consumeChallenge(tx.sql, { challenge, purpose: 'register', principal: who(tx), expiresAt: 0 }, tx.now)) {
      return refused('this registration challenge is unknown, used, expired or another principal’s: ask passkeys.registerOptions again', 'challenge_invalid');
    }
    if (findPasskey(tx.sql, credential.id)) return fail('CONFLICT', 'this passkey is registered already', { reason: 'passkey_exists' });
    const stored = {
      id: credential.id,
      principal: who(tx),
      name: input.name,
      publicKey: isoBase64URL.fromBuffer(credential.publicKey),
      counter: credential.counter,
      transports: credential.transports ?? [],
      createdAt: tx.now,
    };
    insertPasskey(tx.sql, stored);
    tx.emit([{ type: 'passkey.registered', data: { id: stored.id, principal: stored.principal, name: stored.name } }]);
    return ok(shown(stored));
  });
}

/** passkeys.list: the caller's own passkeys. */
export const list = (p: Pipeline, cred: Cred): Promise<Result<{ items: Passkey[] }>> => p.call(cred, 'read', undefined, (tx) => ok({ items: passkeysOf(tx.sql, who(tx)).map(shown) }));

/** passkeys.delete: one of the caller's own passkeys (an admin may delete anyone's). NOT_FOUND otherwise. */
export function remove(p: Pipeline, cred: Cred, input: { id: string; idempotencyKey?: string | undefined }): Promise<Result<Passkey>> {
  return p.call(cred, 'decide', { op: 'passkeys.delete', input }, (tx) => {
    const k = findPasskey(tx.sql, input.id);
    if (!k || (k.principal !== who(tx) && tx.key.role !== 'admin')) return fail('NOT_FOUND', `passkey ${input.id} not found`);
    deletePasskey(tx.sql, k.id);
    tx.emit([{ type: 'passkey.deleted', data: { id: k.id, principal: k.principal } }]);
    return ok(shown(k));
  });
}

/**
 * approvals.challenge: request options for a passkey assertion whose challenge is
 * SHA-256(canonical {approvalId, paramsHash, nonce}): bound to the approval and the bytes
 * the reviewer sees, single-use, valid CHALLENGE_TTL_MS. NOT_FOUND for an unknown
 * approval; CONFLICT when it is not open or the paramsHash is not the step's now;
 * BAD_REQUEST `no_passkey` when the caller has registered none.
 */
export async function challenge(p: Pipeline, cred: Cred, input: ChallengeInput, rp: RelyingParty): Promise<Result<PasskeyOptions>> {
  const nonce = isoBase64URL.fromBuffer(crypto.getRandomValues(new Uint8Array(32)));
  const digest = await sha256Hex(canonicalJson({ approvalId: input.approvalId, paramsHash: input.paramsHash, nonce }));
  const bytes = Uint8Array.from(digest.match(/../g)!.map((h) => Number.parseInt(h, 16)));
  const options = await generateAuthenticationOptions({ rpID: rp.rpID, challenge: bytes, userVerification: 'required', timeout: CHALLENGE_TTL_MS });
  return p.call(cred, 'decide', undefined, (tx) => {
    const found = findApproval(tx.sql, input.approvalId);
    if (!found) return fail('NOT_FOUND', `approval ${input.approvalId} not found`);
    const t = tx.load(found.taskId);
    if (!t.ok) return t;
    const step = t.value.steps.find((s) => s.id === found.stepId)!;
    if (step.status !== 'awaiting_approval' || step.approval?.id !== input.approvalId) return fail('CONFLICT', `approval ${input.approvalId} is no longer open`, { reason: 'not_open' });
    if (step.paramsHash !== input.paramsHash) return fail('CONFLICT', staleHashMessage(step, input.paramsHash), { reason: 'stale_params_hash' });
    const keys = passkeysOf(tx.sql, who(tx));
    if (keys.length === 0) return fail('BAD_REQUEST', `${who(tx)} has no passkey: register one first (passkeys.registerOptions, then passkeys.register)`, { reason: 'no_passkey' });
    const expiresAt = tx.now + CHALLENGE_TTL_MS;
    insertChallenge(tx.sql, { challenge: options.challenge, purpose: 'decide', principal: who(tx), approvalId: input.approvalId, paramsHash: input.paramsHash, expiresAt }, tx.now);
    const allowCredentials = keys.map((k) => ({ id: k.id, type: 'public-key' as const, ...(k.transports.length > 0 ? { transports: k.transports } : {}) }));
    return ok({ ...options, allowCredentials, expiresAt });
  });
}

/**
 * approvals.decide with `passkey`: verify the assertion against the stored credential and
 * the challenge it answers (async, before the transaction); inside it, the credential must
 * still be the caller's, the challenge is used up (live, this principal, this approvalId and
 * paramsHash: an assertion for another approval, an old paramsHash or a second use is
 * refused, FORBIDDEN `challenge_invalid`), the counter moves on, and the decision runs
 * with authStrength `passkey`. Anything refused changes nothing.
 */
export async function decideWithPasskey(p: Pipeline, cred: Cred, input: DecideInput, rp: RelyingParty): Promise<Result<DecideResult>> {
  const { passkey: assertion, ...decision } = input;
  if (!assertion) return fail('BAD_REQUEST', 'no passkey assertion');
  const value = challengeOf(assertion.response.clientDataJSON);
  if (!value) return fail('BAD_REQUEST', 'passkey.response.clientDataJSON holds no challenge', { issues: [{ path: ['passkey', 'response', 'clientDataJSON'], message: 'no challenge' }] });
  const verdict = await verifyAssertion(p, assertion, value, rp);
  const newHash = decision.params ? await paramsHash(decision.params) : undefined;
  // A refusal goes through the pipeline too, after its idempotency check: a retried request
  // (same idempotency key) whose first try decided gets that answer, not "challenge used".
  return p.call(cred, 'decide', { op: 'approvals.decide', input }, (tx) => {
    if (!verdict.ok) return verdict;
    const { keyId, newCounter } = verdict.value;
    const now = findPasskey(tx.sql, keyId);
    if (!now || now.principal !== who(tx)) return refused(`this passkey is not one of ${who(tx)}'s`, 'passkey_not_yours');
    // Checked again here: another call may have used the credential meanwhile (a cloned authenticator's counter lags).
    if ((newCounter > 0 || now.counter > 0) && newCounter <= now.counter) return refused('the passkey’s signature counter went back: a replayed or cloned assertion', 'passkey_invalid');
    const bound = { challenge: value, purpose: 'decide' as const, principal: who(tx), approvalId: decision.approvalId, paramsHash: decision.paramsHash, expiresAt: 0 };
    if (!consumeChallenge(tx.sql, bound, tx.now)) {
      return refused(
        `this passkey challenge was not made for ${who(tx)} on approval ${decision.approvalId} with this paramsHash, or is used or expired: ask approvals.challenge again`,
        'challenge_invalid',
      );
    }
    touchPasskey(tx.sql, keyId, newCounter, tx.now);
    tx.stepUp = 'passkey';
    return approvals.decide(tx, decision, newHash);
  });
}

/** The assertion checked against its live challenge and stored credential (async: before the transaction). */
async function verifyAssertion(p: Pipeline, assertion: PasskeyAssertion, challengeValue: string, rp: RelyingParty): Promise<Result<{ keyId: string; newCounter: number }>> {
  const stored = findChallenge(p.sql, challengeValue, p.now());
  if (!stored || stored.purpose !== 'decide') return refused('this passkey challenge is unknown, used or expired: ask approvals.challenge again', 'challenge_invalid');
  const key = findPasskey(p.sql, assertion.id);
  if (!key) return refused('this passkey is not registered in this workspace', 'passkey_unknown');
  try {
    const verified = await verifyAuthenticationResponse({
      response: assertion,
      expectedChallenge: challengeValue,
      expectedOrigin: rp.origin,
      expectedRPID: rp.rpID,
      credential: { id: key.id, publicKey: isoBase64URL.toBuffer(key.publicKey), counter: key.counter },
      requireUserVerification: true,
    });
    if (!verified.verified) return refused('the passkey assertion did not verify', 'passkey_invalid');
    return ok({ keyId: key.id, newCounter: verified.authenticationInfo.newCounter });
  } catch (e) {
    return refused(`the passkey assertion did not verify: ${e instanceof Error ? e.message : 'invalid assertion'}`, 'passkey_invalid');
  }
}
