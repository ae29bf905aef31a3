/**
 * Paths mean one thing everywhere (issue 11, item 2): the canonical form, the policy's
 * path rules on it (absolute and relative never conflated, fail closed on ambiguity),
 * and property tests over generated paths.
 */
import fc from 'fast-check';
import picomatch from 'picomatch';
import { describe, expect, it } from 'vitest';
import { Policy, canonicalPath, compileGlob, evaluatePolicy, pathFrom, type PolicyInput, type PolicySubject } from '../src/index.ts';

const edit = (path: string): PolicySubject => ({ kind: 'edit_file', params: { path, content: 'x' } });
const read = (paths: string[]): PolicySubject => ({ kind: 'read', params: { tool: 'read_file', paths } });
const action = (p: PolicyInput, s: PolicySubject) => evaluatePolicy(Policy.parse(p), s).action;
const allowSrc: PolicyInput = { mode: 'manual', rules: [{ match: { path: 'src/**' }, action: 'allow' }] };
const denyEtc: PolicyInput = { mode: 'autopilot', rules: [{ match: { path: '/etc/**' }, action: 'deny' }] };
const canon = (p: string) => {
  const c = canonicalPath(p);
  return c.ok ? c.path : `!${c.problem}`;
};

describe('the issue 11 repros', () => {
  it('a relative allow glob never matches an absolute path', () => {
    for (const p of ['/src/app.js', '//src/app.js', '///src/./app.js']) expect(action(allowSrc, edit(p)), p).toBe('ask');
    expect(action(allowSrc, edit('src/app.js'))).toBe('allow');
  });

  it('an absolute deny glob matches absolute paths, however they are spelled', () => {
    for (const p of ['/etc/passwd', '//etc/passwd', '/etc//passwd', '/tmp/../etc/passwd', '/../etc/passwd', '/etc/./x/']) expect(action(denyEtc, edit(p)), p).toBe('deny');
    expect(action(denyEtc, edit('etc/passwd'))).toBe('allow');
  });
});

describe('canonicalPath', () => {
  it.each([
    ['src/app.js', 'src/app.js'],
    ['./src/app.js', 'src/app.js'],
    ['src//app.js/', 'src/app.js'],
    ['src/./a/../app.js', 'src/app.js'],
    ['/src/app.js', '/src/app.js'],
    ['//src/app.js', '/src/app.js'],
    ['/..', '/'],
    ['/../../etc', '/etc'],
    ['.', '.'],
    ['a/..', '.'],
    ['..foo/x', '..foo/x'],
    ['a/..b', 'a/..b'],
    ['.git/config', '.git/config'],
    ['.github/x', '.github/x'],
    ['...', '...'],
  ])('%s is %s', (raw, out) => expect(canon(raw)).toBe(out));

  it.each([
    ['../x', 'above_root'],
    ['a/../../x', 'above_root'],
    ['a\\b', 'ambiguous'],
    ['..\\x', 'ambiguous'],
    ['C:/x', 'ambiguous'],
    ['c:\\x', 'ambiguous'],
    ['~/x', 'ambiguous'],
    ['~', 'ambiguous'],
    ['a\0b', 'ambiguous'],
    ['', 'ambiguous'],
  ])('%s has no single meaning (%s)', (raw, problem) => expect(canon(raw)).toBe(`!${problem}`));

  it('is NFC: the NFD spelling of a name is the same name', () => {
    expect(canon('caf\u0065\u0301/x')).toBe('caf\u00e9/x');
  });

  it('pathFrom keeps paths inside the root relative and the rest absolute', () => {
    const from = (p: string) => {
      const c = pathFrom('/work/repo', p);
      return c.ok ? c.path : '!';
    };
    expect(from('/work/repo/src/a.ts')).toBe('src/a.ts');
    expect(from('src/../b.ts')).toBe('b.ts');
    expect(from('/work/repo')).toBe('.');
    expect(from('/work/repository/x')).toBe('/work/repository/x');
    expect(from('../other/x')).toBe('/work/other/x');
    expect(from('/etc/passwd')).toBe('/etc/passwd');
    expect(from('a\\b')).toBe('!');
  });
});

describe('path rules fail closed on ambiguity', () => {
  const deny: PolicyInput = { mode: 'autopilot', rules: [{ name: 'secrets', match: { path: 'secrets/**' }, action: 'deny' }] };
  const allowAll: PolicyInput = {
    mode: 'manual',
    rules: [
      { match: { path: '**' }, action: 'allow' },
      { match: { path: '/**' }, action: 'allow' },
    ],
  };

  it.each(['secrets\\key.pem', 'C:\\secrets\\key.pem', '~/secrets/key.pem', '../secrets/key.pem'])('a deny rule with a path denies %s, an allow rule never allows it', (p) => {
    const v = evaluatePolicy(Policy.parse(deny), edit(p));
    expect(v).toMatchObject({ action: 'deny', rule: 'secrets' });
    expect(v.reason).toMatch(/fails closed/);
    expect(action(allowAll, edit(p))).toBe('ask');
  });

  it('deny and ask rules match regardless of case (.GIT is .git on macOS and Windows); allow rules do not', () => {
    expect(action({ mode: 'autopilot', rules: [{ match: { path: '.git/**' }, action: 'deny' }] }, edit('.GIT/config'))).toBe('deny');
    expect(action({ mode: 'manual', rules: [{ match: { path: 'src/**' }, action: 'allow' }] }, edit('SRC/x'))).toBe('ask');
  });

  it('a read of several paths with one ambiguous: deny fires, allow does not', () => {
    expect(action(deny, read(['README.md', 'secrets\\x']))).toBe('deny');
    const thenAsk: PolicyInput = { rules: [...(allowAll.rules ?? []), { match: { kind: 'read' }, action: 'ask' }] };
    expect(action(thenAsk, read(['README.md', 'a\\b']))).toBe('ask');
    expect(action(thenAsk, read(['README.md', 'src/x']))).toBe('allow');
  });

  it('.git is not .github, and ..foo is a name', () => {
    const p: PolicyInput = {
      mode: 'autopilot',
      rules: [
        { match: { path: '.git/**' }, action: 'deny' },
        { match: { path: '..foo' }, action: 'deny' },
      ],
    };
    expect(action(p, edit('.github/workflows/ci.yml'))).toBe('allow');
    expect(action(p, edit('.git/hooks/pre-commit'))).toBe('deny');
    expect(action(p, edit('a/../..foo'))).toBe('deny');
  });
});

describe('policy.set refuses path patterns that can never match', () => {
  it.each([
    ['./src/**', /can never match/],
    ['src/../x/**', /can never match/],
    ['src//x', /can never match/],
    ['src/', /can never match/],
    ['src\\**', /backslash/],
    ['C:/x/**', /drive letter/],
    ['~/.ssh/**', /~/],
    ['!src/**', /negation/],
    ['src/!(x)', /negation/],
    ['caf\u0065\u0301/**', /NFC/],
  ])('%s', (glob, message) => {
    const r = Policy.safeParse({ rules: [{ name: 'r', match: { path: glob }, action: 'deny' }] });
    expect(r.success).toBe(false);
    expect(r.error!.issues[0]!.path).toEqual(['rules', 0, 'match', 'path']);
    expect(r.error!.issues[0]!.message).toMatch(/^rule r: /);
    expect(r.error!.issues[0]!.message).toMatch(message);
  });

  it('accepts absolute, relative, brace and globstar patterns', () => {
    for (const glob of ['/etc/**', '/', 'src/**', '{apps,packages}/**', '**/node_modules/**', '*.env', '.git/**', 'a/*/b?.ts']) {
      expect(Policy.safeParse({ rules: [{ match: { path: glob }, action: 'deny' }] }).success, glob).toBe(true);
    }
  });
});

// Generated paths: names (some dotted, some NFD, some long), joined with separators,
// with dot segments and repeated or trailing separators mixed in.
const name = fc.oneof(
  fc.constantFrom('src', 'app.js', '.git', '.github', '..foo', '...', '.env', 'node_modules', 'caf\u00e9', 'caf\u0065\u0301', 'a b', 'A'),
  fc.stringMatching(/^[a-z0-9._-]{1,12}$/).filter((s) => s !== '.' && s !== '..'),
);
const noise = fc.constantFrom('', '', './', '/', 'x/../', './/');
const relPath = fc.array(fc.tuple(noise, name), { minLength: 1, maxLength: 6 }).map((parts) =>
  parts
    .map(([n, s]) => n + s)
    .join('/')
    .replace(/^\/+/, ''),
);
const anyPath = fc.tuple(fc.constantFrom('', '', '/', '//'), relPath, fc.constantFrom('', '/', '/.')).map(([a, b, c]) => a + b + c);
const globArb = fc
  .tuple(fc.constantFrom('', '/'), fc.array(fc.constantFrom('src', '**', '*', '.git', '.github', '*.js', 'caf\u00e9', '{a,src}', 'app.?s', '..foo'), { minLength: 1, maxLength: 4 }))
  .map(([a, segs]) => a + segs.join('/'));

describe('properties over generated paths', () => {
  it('canonical form is idempotent, keeps absoluteness, and has no empty, . or .. segment', () => {
    fc.assert(
      fc.property(anyPath, (p) => {
        const c = canonicalPath(p);
        if (!c.ok) return;
        expect(c.absolute).toBe(p.startsWith('/'));
        expect(canonicalPath(c.path)).toEqual(c);
        const segs = c.absolute ? c.path.slice(1).split('/') : c.path.split('/');
        if (c.path !== '/' && c.path !== '.') for (const s of segs) expect(['', '.', '..']).not.toContain(s);
        expect(c.path.normalize('NFC')).toBe(c.path);
      }),
      { numRuns: 500 },
    );
  });

  it('a relative glob never matches an absolute path, and an absolute glob never a relative one', () => {
    fc.assert(
      fc.property(globArb, anyPath, (glob, p) => {
        const c = canonicalPath(p);
        if (!c.ok) return;
        const policy: PolicyInput = { mode: 'manual', rules: [{ match: { path: glob }, action: 'allow' }] };
        if (glob.startsWith('/') !== c.absolute) expect(action(policy, edit(p))).toBe('ask');
      }),
      { numRuns: 500 },
    );
  });

  it('dot segments, repeated and trailing separators and NFD spellings never change a verdict', () => {
    fc.assert(
      fc.property(globArb, relPath, (glob, p) => {
        const policy: PolicyInput = {
          mode: 'manual',
          rules: [
            { match: { path: glob }, action: 'deny' },
            { match: { path: glob }, action: 'allow' },
          ],
        };
        const base = action(policy, edit(p));
        for (const variant of [`./${p}`, `${p}/`, p.replace(/\//g, '//'), `x/../${p}`, p.normalize('NFD')]) {
          expect(action(policy, edit(variant)), variant).toBe(base);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('a backslash anywhere makes a deny rule with a path deny and an allow rule ask', () => {
    fc.assert(
      fc.property(relPath, fc.nat(), (p, at) => {
        const i = at % (p.length + 1);
        const withBackslash = `${p.slice(0, i)}\\${p.slice(i)}`;
        expect(action({ mode: 'autopilot', rules: [{ match: { path: 'nothing/like/this' }, action: 'deny' }] }, edit(withBackslash))).toBe('deny');
        expect(action({ mode: 'manual', rules: [{ match: { path: '**' }, action: 'allow' }] }, edit(withBackslash))).toBe('ask');
      }),
      { numRuns: 200 },
    );
  });

  it('the linear-time glob matcher agrees with picomatch on canonical paths', () => {
    fc.assert(
      fc.property(globArb, anyPath, fc.boolean(), (glob, p, nocase) => {
        const c = canonicalPath(p);
        const m = compileGlob(glob, nocase);
        if (!c.ok || !m.ok) return;
        expect(m.value(c.path), `${glob} ~ ${c.path}`).toBe(picomatch(glob, { dot: true, nocase })(c.path));
      }),
      { numRuns: 1000 },
    );
  });
});
