/**
 * Step-up with passkeys (issue 15, item 5): what the WebAuthn procedures take and give.
 * The JSON forms are the W3C WebAuthn Level 3 `toJSON()` shapes (PublicKeyCredential's
 * RegistrationResponseJSON / AuthenticationResponseJSON, every binary field base64url),
 * as @simplewebauthn/server verifies them. Sizes are bounded so a caller cannot make the
 * server parse megabytes of CBOR.
 */
import { z } from 'zod';
import { EpochMs, Id, IdempotencyKey, Sha256Hex } from './common.ts';

/** Base64url without padding (RFC 4648 section 5), as WebAuthn's JSON forms write binary. */
const B64u = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    .regex(/^[A-Za-z0-9_-]+$/, 'base64url without padding');

/** The assertion a browser's `navigator.credentials.get()` made, as JSON (AuthenticationResponseJSON). */
export const PasskeyAssertion = z.object({
  id: B64u(1400),
  rawId: B64u(1400),
  type: z.literal('public-key'),
  response: z.object({
    clientDataJSON: B64u(4096),
    authenticatorData: B64u(4096),
    signature: B64u(2048),
    userHandle: B64u(512).optional(),
  }),
  authenticatorAttachment: z.enum(['platform', 'cross-platform']).optional(),
  clientExtensionResults: z.record(z.string(), z.unknown()).default({}),
});
export type PasskeyAssertion = z.infer<typeof PasskeyAssertion>;

/** A new credential as `navigator.credentials.create()` made it, as JSON (RegistrationResponseJSON). */
export const PasskeyAttestation = z.object({
  id: B64u(1400),
  rawId: B64u(1400),
  type: z.literal('public-key'),
  response: z.object({
    clientDataJSON: B64u(4096),
    attestationObject: B64u(16384),
    authenticatorData: B64u(4096).optional(),
    transports: z
      .array(z.enum(['ble', 'cable', 'hybrid', 'internal', 'nfc', 'smart-card', 'usb']))
      .max(7)
      .optional(),
    publicKeyAlgorithm: z.number().int().optional(),
    publicKey: B64u(4096).optional(),
  }),
  authenticatorAttachment: z.enum(['platform', 'cross-platform']).optional(),
  clientExtensionResults: z.record(z.string(), z.unknown()).default({}),
});
export type PasskeyAttestation = z.infer<typeof PasskeyAttestation>;

/** passkeys.register: the new credential, and a name to tell it from others ("laptop"). */
export const RegisterPasskeyInput = z.strictObject({
  response: PasskeyAttestation,
  name: z.string().trim().min(1).max(100).default('passkey'),
  idempotencyKey: IdempotencyKey.optional(),
});
export type RegisterPasskeyInput = z.infer<typeof RegisterPasskeyInput>;

/** A registered passkey as listed: never its public key. */
export const Passkey = z.object({ id: z.string(), principal: z.string(), name: z.string(), createdAt: EpochMs, lastUsedAt: EpochMs.optional() });
export type Passkey = z.infer<typeof Passkey>;

/** approvals.challenge: the approval and the paramsHash the reviewer is looking at, which the challenge binds. */
export const ChallengeInput = z.strictObject({ approvalId: Id, paramsHash: Sha256Hex });
export type ChallengeInput = z.infer<typeof ChallengeInput>;

/**
 * WebAuthn options for the browser (PublicKeyCredentialCreationOptionsJSON or
 * PublicKeyCredentialRequestOptionsJSON): passed to the browser as they are, so only the
 * challenge and its expiry are typed here.
 */
export const PasskeyOptions = z.looseObject({ challenge: z.string(), expiresAt: EpochMs });
export type PasskeyOptions = z.infer<typeof PasskeyOptions>;
