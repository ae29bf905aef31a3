/**
 * Secrets at rest, sealed with AES-256-GCM (Web Crypto) under keys derived with
 * HKDF-SHA-256, so the object's SQLite files never hold a secret readable. Two keys:
 *
 * - **the caller's**: derived from the calling key's own secret, which the object sees
 *   on each call and never stores. A secret-bearing answer remembered for an
 *   idempotency key is sealed under it, so only that same key's repeat can open it.
 * - **the deployment's data key**: derived from the GREENLIGHT_DATA_KEY secret (else
 *   GREENLIGHT_ROOT_TOKEN). Webhook signing secrets are sealed under it, since the
 *   object must read them again to sign every delivery.
 *
 * Sealed form: `v1.<kid>.<salt>.<iv>.<ciphertext>` (base64url). `kid` names the key it
 * was sealed under (`caller`, `dk` for the data key, `rt` for the root token), so a
 * deployment that adds a data key later still opens what the root token sealed. Each
 * seal has its own random salt and IV; `aad` binds a sealed value to where it belongs
 * (a webhook id, an idempotency record), so it cannot be moved to another row.
 */

const enc = new TextEncoder();
const dec = new TextDecoder();

const b64u = (bytes: Uint8Array): string =>
  btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
const unb64u = (s: string): Uint8Array<ArrayBuffer> => Uint8Array.from(atob(s.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0));

type Kid = 'caller' | 'dk' | 'rt';

async function derive(ikm: string, salt: Uint8Array<ArrayBuffer>, kid: Kid): Promise<CryptoKey> {
  const base = await crypto.subtle.importKey('raw', enc.encode(ikm), 'HKDF', false, ['deriveKey']);
  return crypto.subtle.deriveKey({ name: 'HKDF', hash: 'SHA-256', salt, info: enc.encode(`greenlight/seal/v1/${kid}`) }, base, { name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
}

async function seal(ikm: string, kid: Kid, plaintext: string, aad: string): Promise<string> {
  const salt = crypto.getRandomValues(new Uint8Array(16));
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const key = await derive(ikm, salt, kid);
  const ct = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: enc.encode(aad) }, key, enc.encode(plaintext)));
  return ['v1', kid, b64u(salt), b64u(iv), b64u(ct)].join('.');
}

/** The kid of a sealed value, or undefined when it is not one (legacy plaintext). */
export function sealedKid(value: string): string | undefined {
  const parts = value.split('.');
  return parts.length === 5 && parts[0] === 'v1' ? parts[1] : undefined;
}

/** Open a sealed value with `ikm`; undefined when it is not sealed, not for this key, or tampered with. */
async function open(ikm: string, sealed: string, aad: string): Promise<string | undefined> {
  const [v, kid, salt, iv, ct] = sealed.split('.');
  if (v !== 'v1' || (kid !== 'caller' && kid !== 'dk' && kid !== 'rt') || !salt || !iv || !ct) return undefined;
  try {
    const key = await derive(ikm, unb64u(salt), kid);
    return dec.decode(await crypto.subtle.decrypt({ name: 'AES-GCM', iv: unb64u(iv), additionalData: enc.encode(aad) }, key, unb64u(ct)));
  } catch {
    return undefined;
  }
}

/** Seal `plaintext` so only the holder of `callerSecret` can open it (with the same `aad`). */
export const sealForCaller = (callerSecret: string, plaintext: string, aad: string): Promise<string> => seal(callerSecret, 'caller', plaintext, aad);

/** Open what sealForCaller sealed; undefined for any other caller. */
export const openForCaller = (callerSecret: string, sealed: string, aad: string): Promise<string | undefined> =>
  sealedKid(sealed) === 'caller' ? open(callerSecret, sealed, aad) : Promise.resolve(undefined);

/** The deployment secrets a data key can come from. */
export type DataKeySource = { GREENLIGHT_DATA_KEY?: string | undefined; GREENLIGHT_ROOT_TOKEN?: string | undefined };

/** Seal under the deployment's data key: GREENLIGHT_DATA_KEY when set, else the root token. Throws when neither is set. */
export async function sealAtRest(env: DataKeySource, plaintext: string, aad: string): Promise<string> {
  if (env.GREENLIGHT_DATA_KEY) return seal(env.GREENLIGHT_DATA_KEY, 'dk', plaintext, aad);
  if (env.GREENLIGHT_ROOT_TOKEN) return seal(env.GREENLIGHT_ROOT_TOKEN, 'rt', plaintext, aad);
  throw new Error('no data key: set GREENLIGHT_DATA_KEY (or GREENLIGHT_ROOT_TOKEN) to store webhook secrets');
}

/** Open what sealAtRest sealed, with the secret its kid names; undefined when that secret is missing or changed. */
export async function openAtRest(env: DataKeySource, sealed: string, aad: string): Promise<string | undefined> {
  const kid = sealedKid(sealed);
  const ikm = kid === 'dk' ? env.GREENLIGHT_DATA_KEY : kid === 'rt' ? env.GREENLIGHT_ROOT_TOKEN : undefined;
  return ikm ? open(ikm, sealed, aad) : undefined;
}
