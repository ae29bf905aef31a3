/** Constant-time comparison of two strings (tokens), via Web Crypto's timingSafeEqual. */
const encoder = new TextEncoder();

export function constantTimeEqual(a: string, b: string): boolean {
  const x = encoder.encode(a);
  const y = encoder.encode(b);
  // Compare against itself on a length mismatch so the time does not reveal the length.
  return x.byteLength === y.byteLength ? crypto.subtle.timingSafeEqual(x, y) : !crypto.subtle.timingSafeEqual(x, x);
}
