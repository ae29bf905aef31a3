/**
 * The SDK's AppRouter type pulls the Worker's sources into this program, so they are
 * type-checked here with the Worker's globals (tsconfig "types") beside the DOM lib.
 * The two agree except for one Workers-only Web Crypto method the Worker calls
 * (crypto.subtle.timingSafeEqual), which the DOM's SubtleCrypto lacks: declared here
 * for that type-check only. The page never calls it.
 */
interface SubtleCrypto {
  timingSafeEqual(a: ArrayBuffer | ArrayBufferView, b: ArrayBuffer | ArrayBufferView): boolean;
}
