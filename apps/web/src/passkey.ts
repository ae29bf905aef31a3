/**
 * Step-up in the browser (docs/step-up.md), with the platform's own WebAuthn API (no
 * library: the JSON helpers `PublicKeyCredential.parse*OptionsFromJSON` and
 * `credential.toJSON()` do what @simplewebauthn/browser would, at no cost to the page's size).
 */
import type { PasskeyAssertion, PasskeyAttestation } from '@greenlight/core';
import type { Client } from './client.ts';

/** Strength a step needs beyond a key, if any: only a passkey assertion gives it on this page. */
export const needsPasskey = (a: { minAuth?: string | undefined }): boolean => a.minAuth !== undefined && a.minAuth !== 'key';

/** The options without our own `expiresAt`, as the browser's JSON parsers take them. */
const browserOptions = ({ expiresAt: _e, ...options }: { expiresAt: number; challenge: string }) => options;

/** A credential's JSON form (WebAuthn Level 3 `toJSON()`), as the server's schemas expect it. */
function credentialJson<T>(c: Credential | null): T {
  if (!(c instanceof PublicKeyCredential)) throw new Error('no passkey was used');
  return c.toJSON() as T;
}

/**
 * An assertion for one approval: a challenge bound to its approvalId and paramsHash
 * (approvals.challenge), signed by one of the reviewer's passkeys.
 */
export async function passkeyAssertion(client: Client, approvalId: string, paramsHash: string): Promise<PasskeyAssertion> {
  const options = await client.approvals.challenge.mutate({ approvalId, paramsHash });
  const publicKey = PublicKeyCredential.parseRequestOptionsFromJSON(browserOptions(options) as PublicKeyCredentialRequestOptionsJSON);
  return credentialJson<PasskeyAssertion>(await navigator.credentials.get({ publicKey }));
}

/** Register a new passkey for the reviewer's principal. */
export async function registerPasskey(client: Client, name: string): Promise<void> {
  const options = await client.passkeys.registerOptions.mutate();
  const publicKey = PublicKeyCredential.parseCreationOptionsFromJSON(browserOptions(options) as PublicKeyCredentialCreationOptionsJSON);
  const response = credentialJson<PasskeyAttestation>(await navigator.credentials.create({ publicKey }));
  await client.passkeys.register.mutate({ response, name });
}
