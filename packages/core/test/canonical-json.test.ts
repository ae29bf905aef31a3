/**
 * paramsHash against vectors that do not come from the function under test (issue 11,
 * item 13): the canonical strings of RFC 8785 (section 3.2.2's sample, 3.2.3's key order,
 * Appendix B's numbers), and SHA-256 digests given as literals (computed with coreutils'
 * sha256sum) or computed here from the expected string with Web Crypto directly.
 */
import { describe, expect, it } from 'vitest';
import { canonicalJson, paramsHash } from '../src/index.ts';

const sha256 = async (s: string): Promise<string> => Array.from(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(s))), (b) => b.toString(16).padStart(2, '0')).join('');
const fromBits = (hex: string): number => {
  const view = new DataView(new ArrayBuffer(8));
  view.setBigUint64(0, BigInt(`0x${hex}`));
  return view.getFloat64(0);
};

describe('RFC 8785 vectors', () => {
  it('section 3.2.2: the sample object', () => {
    const input = JSON.parse(String.raw`{
      "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
      "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
      "literals": [null, true, false]
    }`);
    const expected = String.raw`{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\u000f\nA'B\"\\\\\"/"}`;
    expect(canonicalJson(input)).toBe(expected);
  });

  it('section 3.2.3: properties sorted by UTF-16 code units', () => {
    const input = JSON.parse(String.raw`{
      "\u20ac": "Euro Sign", "\r": "Carriage Return", "\ufb33": "Hebrew Letter Dalet With Dagesh", "1": "One",
      "\ud83d\ude00": "Emoji: Grinning Face", "\u0080": "Control", "\u00f6": "Latin Small Letter O With Diaeresis"
    }`);
    const expected =
      '{"\\r":"Carriage Return","1":"One","\u0080":"Control","\u00f6":"Latin Small Letter O With Diaeresis","\u20ac":"Euro Sign","\ud83d\ude00":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}';
    expect(canonicalJson(input)).toBe(expected);
  });

  it.each([
    ['0000000000000000', '0'],
    ['8000000000000000', '0'],
    ['0000000000000001', '5e-324'],
    ['8000000000000001', '-5e-324'],
    ['7fefffffffffffff', '1.7976931348623157e+308'],
    ['ffefffffffffffff', '-1.7976931348623157e+308'],
    ['4340000000000000', '9007199254740992'],
    ['c340000000000000', '-9007199254740992'],
    ['4430000000000000', '295147905179352830000'],
    ['44b52d02c7e14af5', '9.999999999999997e+22'],
    ['44b52d02c7e14af6', '1e+23'],
    ['44b52d02c7e14af7', '1.0000000000000001e+23'],
    ['444b1ae4d6e2ef4e', '999999999999999700000'],
    ['444b1ae4d6e2ef4f', '999999999999999900000'],
    ['444b1ae4d6e2ef50', '1e+21'],
    ['3eb0c6f7a0b5ed8c', '9.999999999999997e-7'],
    ['3eb0c6f7a0b5ed8d', '0.000001'],
    ['41b3de4355555553', '333333333.3333332'],
    ['41b3de4355555554', '333333333.33333325'],
    ['41b3de4355555555', '333333333.3333333'],
    ['41b3de4355555556', '333333333.3333334'],
    ['41b3de4355555557', '333333333.33333343'],
    ['becbf647612f3696', '-0.0000033333333333333333'],
    ['43143ff3c1cb0959', '1424953923781206.2'],
  ])('Appendix B: the double 0x%s is %s', (bits, expected) => {
    expect(canonicalJson(fromBits(bits))).toBe(expected);
    expect(canonicalJson({ n: fromBits(bits) })).toBe(`{"n":${expected}}`);
  });

  it('Appendix B: NaN and Infinity have no canonical form', () => {
    for (const bits of ['7fffffffffffffff', '7ff0000000000000', 'fff0000000000000']) expect(() => canonicalJson(fromBits(bits))).toThrow();
  });
});

describe('paramsHash is the SHA-256 of the RFC 8785 form', () => {
  it('matches digests computed outside the function under test', async () => {
    const sample = { string: '€$\u000f\nA\'B"\\\\"/', literals: [null, true, false], numbers: [333333333.3333333, 1e30, 4.5, 0.002, 1e-27] };
    expect(await paramsHash(sample)).toBe('2d5e01a318d0f0879ab568c4be289c8b1f64ef8921a53c6277d5e069978baacb');
    expect(await paramsHash({ cwd: '/work/repo', command: 'npm test' })).toBe('7f2f33e1ed09a156c99d699c659a2945c39f7a9f9060cd0031aa5ebd2bc6e672');
    const edit = { path: 'src/café.ts', patch: '--- a\n+++ b\n@@ -1 +1 @@\n-x\n+y\n' };
    expect(await paramsHash(edit)).toBe(await sha256('{"patch":"--- a\\n+++ b\\n@@ -1 +1 @@\\n-x\\n+y\\n","path":"src/café.ts"}'));
  });

  it('does not depend on key order or insignificant number spelling', async () => {
    expect(await paramsHash({ b: [1.0, 2.5], a: { y: 1e2, x: -0 } })).toBe(await sha256('{"a":{"x":0,"y":100},"b":[1,2.5]}'));
  });
});
