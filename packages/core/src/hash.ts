/** SHA-256 with the platform's Web Crypto (Workers, browsers, Node 20+). */
import canonicalize from 'canonicalize';

const hex = (buf: ArrayBuffer): string => Array.from(new Uint8Array(buf), (b) => b.toString(16).padStart(2, '0')).join('');

export async function sha256Hex(data: string | Uint8Array): Promise<string> {
  const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
  return hex(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
}

/** RFC 8785 canonical JSON, so the same params hash the same on every client. */
export const canonicalJson = (value: unknown): string => canonicalize(value) ?? 'null';

/** paramsHash: the SHA-256 of the canonical JSON of a step's params. */
export const paramsHash = (params: unknown): Promise<string> => sha256Hex(canonicalJson(params));
