/**
 * Policy patterns run in linear time (issue 11, item 8): every `command` regular
 * expression and every `path` glob is matched by RE2 semantics (re2js, a pure-JS port
 * of RE2: no backtracking, so no pattern can stall a workspace's object). Patterns are
 * compiled once and kept in small bounded caches, since rules are few and steps many.
 */
import picomatch from 'picomatch';
import { RE2JS } from 're2js';

/** A compiled pattern, or why it cannot be one. */
export type Compiled<T> = { ok: true; value: T } | { ok: false; error: string };

/** A cache that forgets its oldest entry past `max`: bounded memory, whatever patterns arrive. */
class Bounded<V> {
  private readonly map = new Map<string, V>();
  private readonly max: number;
  constructor(max: number) {
    this.max = max;
  }
  get(key: string, make: () => V): V {
    const hit = this.map.get(key);
    if (hit !== undefined) return hit;
    const value = make();
    if (this.map.size >= this.max) this.map.delete(this.map.keys().next().value as string);
    this.map.set(key, value);
    return value;
  }
}

const PATTERN_CACHE_SIZE = 512;

const describe = (err: unknown): string => (err instanceof Error ? err.message : String(err));

const regexCache = new Bounded<Compiled<RE2JS>>(PATTERN_CACHE_SIZE);

/**
 * A `command` pattern as RE2 (https://github.com/google/re2/wiki/Syntax). What JavaScript
 * has and RE2 has not: lookahead and lookbehind (`(?=` `(?!` `(?<=` `(?<!`), backreferences
 * (`\1`), possessive quantifiers, `\Z`, `\cX`, `\uXXXX` (write `\x{XXXX}`), and repeat counts
 * over 1000. Those are refused at `policy.set` with this message.
 */
export function compileRegex(pattern: string): Compiled<RE2JS> {
  return regexCache.get(pattern, () => {
    try {
      return { ok: true, value: RE2JS.compile(pattern) };
    } catch (err) {
      return { ok: false, error: `not a regular expression RE2 accepts (${describe(err)}); lookaround and backreferences are not available, since policy patterns run in linear time` };
    }
  });
}

/** Does the RE2 pattern occur in `input` (unanchored, like `RegExp.prototype.test`)? */
export const regexFinds = (re: RE2JS, input: string): boolean => re.matcher(input).find();

/**
 * The guards picomatch puts before names so that `*` and `**` never match `.`/`..` segments
 * or empty names. Canonical paths (see paths.ts) have no such segments and no empty names,
 * so for them each guard is always true and can be dropped; RE2 has no lookaround to run
 * them. The root itself (`.` or `/`) is the one canonical path they can reject: globMatcher
 * leaves that one-character input to picomatch's own matcher, where backtracking is bounded.
 */
const PICOMATCH_GUARDS = ['(?!(?:^|\\/)\\.{1,2}(?:\\/|$))', '(?!\\.{1,2}(?:\\/|$))', '(?!\\.{0,1}(?:\\/|$))', '(?=.)'];

/**
 * A last name guarded by `(?=.)` (`[^/]*?` then the end, `\/?` allowed before it): at the
 * end of a canonical path that guard means the name is not empty. Elsewhere it is kept
 * out as before: the glob `*` + `/src` matches `/src` (an empty first name), as in picomatch.
 */
const NONEMPTY_LAST_NAME = /\(\?=\.\)\[\^\/\]\*\?(?=(?:\\\/\?)?\)\$)/g;

export type GlobMatcher = (canonicalPath: string) => boolean;

const globCache = new Bounded<Compiled<GlobMatcher>>(PATTERN_CACHE_SIZE);

/**
 * A `path` glob (picomatch syntax, `dot: true`) as a linear-time matcher over canonical
 * paths. `nocase` matches regardless of letter case. Globs whose regular expression needs
 * more than the guards above (negation `!x`, extglob `!(x)`) are refused.
 */
export function compileGlob(glob: string, nocase = false): Compiled<GlobMatcher> {
  return globCache.get(`${nocase ? 'i' : 's'}:${glob}`, () => {
    try {
      const options = { dot: true, nocase };
      let source = picomatch.makeRe(glob, options).source;
      // `(?=.)` before a name that can be empty and ends its segment (`src/**/*`'s last `*`)
      // is what keeps `src/**/*` from matching `src` itself: there the name must be non-empty.
      source = source.replace(NONEMPTY_LAST_NAME, '[^/]+?');
      for (const guard of PICOMATCH_GUARDS) source = source.split(guard).join('');
      // picomatch escapes every non-ASCII character (`\é`); RE2 takes those literally, unescaped.
      source = source.replace(/\\([\s\S])/gu, (m, c: string) => (c.codePointAt(0)! > 0x7f ? c : m));
      const re = RE2JS.compile(source, nocase ? RE2JS.CASE_INSENSITIVE : 0);
      const small = picomatch(glob, options);
      return { ok: true, value: (p: string) => (p.length <= 1 ? small(p) : re.matcher(p).matches()) };
    } catch (err) {
      return { ok: false, error: `not a glob Greenlight can match in linear time (${describe(err)}); negation (!x, !(x)) is not available: order an allow rule before a broader deny instead` };
    }
  });
}
