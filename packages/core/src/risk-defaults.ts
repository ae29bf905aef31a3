/**
 * The server's default risk of a step (issue 16, item 2): by its kind, and by what its
 * command or paths touch. Pure and deterministic: the same subject always gets the same
 * level and reason. Commands are read through the real shell parser (shell/parse.ts), one
 * simple command at a time with wrappers unwrapped (`sudo rm -rf x` is also `rm -rf x`);
 * paths in canonical form (paths.ts), so `./.env`, `a/../.env` and `.env` are one file.
 *
 * The tables below are a reviewer's rule of thumb, not a security boundary: the policy's
 * rules decide what runs; the risk decides how carefully a person is asked (approve-all
 * leaves high-risk steps out, rules may match on it) and what the page, CLI and webhooks
 * show. A workspace rule's `risk` overrides these defaults (policy.ts).
 */
import type { Risk, StepKind } from './enums.ts';
import { canonicalPath } from './paths.ts';
import { analysed } from './shell/analysed.ts';
import type { ShellAnalysis, ShellPart } from './shell/parse.ts';

/** One finding: a level and the sentence that says why. */
export type RiskFinding = { level: Risk; reason: string };

const RANK: Record<Risk, number> = { low: 0, medium: 1, high: 2 };
/** Whether `a` is strictly riskier than `b`. */
export const riskAbove = (a: Risk, b: Risk): boolean => RANK[a] > RANK[b];
/** The higher of two levels. */
export const maxRisk = (a: Risk, b: Risk): Risk => (riskAbove(b, a) ? b : a);

/** The riskiest finding; on a tie, the first (so the reason is stable for a given input). */
export function worst(findings: readonly RiskFinding[], fallback: RiskFinding): RiskFinding {
  let out = fallback;
  for (const f of findings) if (riskAbove(f.level, out.level)) out = f;
  return out;
}

// ---- paths ----

const SECRET_NAME =
  /^(\.env(\..+)?|\.npmrc|\.pypirc|\.netrc|\.pgpass|\.htpasswd|id_(rsa|dsa|ecdsa|ed25519)(\.pub)?|.*\.(pem|key|p12|pfx|keystore|jks)|credentials(\.json)?|secrets?(\..+)?|.*secret.*\.(json|ya?ml|toml|txt))$/i;
const SAMPLE_ENV = /^\.env\.(example|sample|template|dist)$/i;
const SECRET_DIR = new Set(['.ssh', '.aws', '.gnupg', '.kube', '.docker', 'secrets', '.secrets']);
const CI_FILE = /^(\.gitlab-ci\.yml|\.travis\.yml|azure-pipelines\.yml|Jenkinsfile|bitbucket-pipelines\.yml|cloudbuild\.ya?ml)$/;
const CI_DIR = new Set(['.circleci', '.buildkite']);
const SYSTEM_ROOTS = new Set(['etc', 'usr', 'bin', 'sbin', 'boot', 'sys', 'proc', 'dev', 'lib', 'lib64', 'var', 'root', 'System', 'Library']);

/** What touching `raw` means, when it means more than an ordinary project file. */
export function pathRisk(raw: string): RiskFinding | undefined {
  const c = canonicalPath(raw);
  if (!c.ok) return { level: 'high', reason: `${c.reason}, so what it touches is unclear` };
  const segs = c.path.split('/').filter((s) => s !== '');
  const name = segs.at(-1) ?? '';
  const shown = JSON.stringify(raw);
  if (segs.includes('.git')) return { level: 'high', reason: `touches git internals (${shown})` };
  if (segs.some((s) => SECRET_DIR.has(s.toLowerCase())) || (SECRET_NAME.test(name) && !SAMPLE_ENV.test(name))) {
    return { level: 'high', reason: `touches secrets or credentials (${shown})` };
  }
  const github = segs.indexOf('.github');
  if ((github >= 0 && segs[github + 1] === 'workflows') || segs.some((s) => CI_DIR.has(s)) || CI_FILE.test(name)) {
    return { level: 'high', reason: `changes CI configuration, which runs with the repository's secrets (${shown})` };
  }
  if (c.absolute && segs.length > 0 && SYSTEM_ROOTS.has(segs[0]!)) return { level: 'high', reason: `touches a system path (${shown})` };
  if (c.absolute) return { level: 'medium', reason: `touches a path outside the project (${shown})` };
  return undefined;
}

// ---- commands ----

type CommandRule = { test: (argv: string[]) => boolean; level: Risk; reason: string };
const sub = (args: string[], ...names: string[]): boolean => names.includes(args[1] ?? '');
const any = (args: string[], re: RegExp): boolean => args.slice(1).some((a) => re.test(a));

/** Known commands, riskiest first; the first that matches a simple command gives its finding. */
const COMMANDS: Record<string, CommandRule[]> = {
  npm: [
    { test: (a) => sub(a, 'publish', 'unpublish', 'deprecate', 'dist-tag', 'owner', 'access'), level: 'high', reason: 'publishes to the npm registry' },
    { test: (a) => sub(a, 'install', 'i', 'ci', 'add', 'update', 'exec', 'x'), level: 'medium', reason: 'downloads packages and runs their install scripts' },
  ],
  pnpm: [
    { test: (a) => sub(a, 'publish'), level: 'high', reason: 'publishes to the npm registry' },
    { test: (a) => sub(a, 'install', 'i', 'add', 'update', 'dlx'), level: 'medium', reason: 'downloads packages and runs their install scripts' },
  ],
  yarn: [
    { test: (a) => sub(a, 'publish', 'npm'), level: 'high', reason: 'publishes to the npm registry' },
    { test: (a) => sub(a, 'install', 'add', 'up', 'dlx'), level: 'medium', reason: 'downloads packages and runs their install scripts' },
  ],
  bun: [{ test: (a) => sub(a, 'publish'), level: 'high', reason: 'publishes to the npm registry' }],
  npx: [{ test: () => true, level: 'medium', reason: 'downloads and runs a package' }],
  cargo: [{ test: (a) => sub(a, 'publish', 'yank', 'owner'), level: 'high', reason: 'publishes to crates.io' }],
  twine: [{ test: (a) => sub(a, 'upload'), level: 'high', reason: 'publishes to PyPI' }],
  gem: [{ test: (a) => sub(a, 'push', 'yank'), level: 'high', reason: 'publishes to RubyGems' }],
  docker: [{ test: (a) => sub(a, 'push'), level: 'high', reason: 'pushes an image to a registry' }],
  gh: [
    {
      test: (a) =>
        (a[1] === 'release' && sub(a.slice(1), 'create', 'delete', 'upload', 'edit')) || (a[1] === 'repo' && sub(a.slice(1), 'delete', 'edit')) || (a[1] === 'pr' && sub(a.slice(1), 'merge')),
      level: 'high',
      reason: 'changes the repository on GitHub',
    },
  ],
  git: [
    { test: (a) => sub(a, 'push'), level: 'high', reason: 'pushes to a remote' },
    {
      test: (a) =>
        (a[1] === 'reset' && a.includes('--hard')) ||
        sub(a, 'clean') ||
        (a[1] === 'checkout' && a.includes('--')) ||
        (a[1] === 'branch' && any(a, /^-[a-zA-Z]*D/)) ||
        (a[1] === 'stash' && sub(a.slice(1), 'drop', 'clear')),
      level: 'high',
      reason: 'discards work that may not be recoverable',
    },
    { test: (a) => sub(a, 'clone', 'fetch', 'pull', 'submodule'), level: 'medium', reason: 'uses the network' },
    { test: (a) => sub(a, 'status', 'diff', 'log', 'show', 'blame', 'rev-parse', 'ls-files', 'grep') || (a[1] === 'branch' && a.length === 2), level: 'low', reason: 'only reads the repository' },
  ],
  rm: [
    { test: (a) => any(a, /^(-[a-zA-Z]*[rR][a-zA-Z]*|--recursive)$/), level: 'high', reason: 'deletes recursively' },
    { test: () => true, level: 'medium', reason: 'deletes files' },
  ],
  sudo: [{ test: () => true, level: 'high', reason: 'runs as root' }],
  doas: [{ test: () => true, level: 'high', reason: 'runs as root' }],
  su: [{ test: () => true, level: 'high', reason: 'runs as another user' }],
  dd: [{ test: () => true, level: 'high', reason: 'writes raw data to a file or device' }],
  shred: [{ test: () => true, level: 'high', reason: 'destroys files' }],
  mkfs: [{ test: () => true, level: 'high', reason: 'formats a file system' }],
  chmod: [{ test: (a) => any(a, /^-[a-zA-Z]*R/), level: 'high', reason: 'changes permissions recursively' }],
  chown: [{ test: (a) => any(a, /^-[a-zA-Z]*R/), level: 'high', reason: 'changes ownership recursively' }],
  kubectl: [{ test: (a) => sub(a, 'apply', 'delete', 'create', 'replace', 'patch', 'scale', 'rollout', 'exec', 'drain'), level: 'high', reason: 'changes a Kubernetes cluster' }],
  terraform: [{ test: (a) => sub(a, 'apply', 'destroy', 'import', 'state'), level: 'high', reason: 'changes infrastructure' }],
  helm: [{ test: (a) => sub(a, 'install', 'upgrade', 'uninstall', 'delete', 'rollback'), level: 'high', reason: 'changes a Kubernetes cluster' }],
  wrangler: [{ test: (a) => sub(a, 'deploy', 'publish', 'delete', 'secret', 'd1', 'r2', 'kv'), level: 'high', reason: 'changes a Cloudflare account' }],
  vercel: [{ test: () => true, level: 'high', reason: 'deploys' }],
  curl: [{ test: () => true, level: 'medium', reason: 'uses the network' }],
  wget: [{ test: () => true, level: 'medium', reason: 'uses the network' }],
  ssh: [{ test: () => true, level: 'medium', reason: 'runs commands on another machine' }],
  scp: [{ test: () => true, level: 'medium', reason: 'copies files over the network' }],
  rsync: [{ test: () => true, level: 'medium', reason: 'copies files, possibly over the network' }],
  nc: [{ test: () => true, level: 'medium', reason: 'opens a network connection' }],
};

/** Commands that only look: low unless an argument touches something sensitive. */
const READ_ONLY = new Set([
  'ls',
  'cat',
  'head',
  'tail',
  'less',
  'wc',
  'grep',
  'rg',
  'ag',
  'echo',
  'printf',
  'pwd',
  'which',
  'type',
  'file',
  'stat',
  'du',
  'df',
  'tree',
  'diff',
  'true',
  'false',
  'date',
  'whoami',
  'uname',
  'env',
  'printenv',
  'sort',
  'uniq',
  'cut',
  'tr',
  'jq',
  'test',
  '[',
]);
const FETCHERS = new Set(['curl', 'wget']);
const RUNNERS = new Set(['sh', 'bash', 'zsh', 'dash', 'ksh', 'fish', 'python', 'python3', 'node', 'perl', 'ruby', 'php', 'bun', 'deno']);

/** The words of a simple command as parse.ts renders it, quotes removed, leading assignments dropped. */
function words(part: ShellPart): string[] {
  const w = part.text
    .split(' ')
    .filter((x) => x !== '')
    .map((x) => (x.length >= 2 && x.startsWith("'") && x.endsWith("'") ? x.slice(1, -1) : x));
  const first = w.findIndex((x) => !/^[A-Za-z_][A-Za-z0-9_]*=/.test(x));
  return first < 0 ? [] : w.slice(first);
}

const baseName = (s: string): string => s.slice(s.lastIndexOf('/') + 1);

/**
 * What an argument touches, read as a path: `--file=.env` and `~/.ssh/id_rsa` too. Flags
 * and URLs are not paths; a word with no single meaning as a path is not judged here
 * (arguments are often not paths at all), unlike a step's own path.
 */
function argumentRisk(arg: string): RiskFinding | undefined {
  if (arg === '' || (arg.startsWith('-') && !arg.includes('=')) || /^[a-z][a-z0-9+.-]*:\/\//i.test(arg)) return undefined;
  const value = (arg.startsWith('-') ? arg.slice(arg.indexOf('=') + 1) : arg).replace(/^(~|\$HOME|\$\{HOME\})(\/|$)/, 'HOME$2');
  if (!canonicalPath(value).ok) return undefined;
  return pathRisk(value);
}

/** The default risk of one simple command of a line. */
export function partRisk(part: ShellPart): RiskFinding {
  const argv = words(part);
  const name = baseName(argv[0] ?? '');
  const findings: RiskFinding[] = [];
  const shown = `\`${part.text.length > 60 ? `${part.text.slice(0, 59)}…` : part.text}\``;
  for (const rule of COMMANDS[name] ?? []) {
    if (rule.test([name, ...argv.slice(1)])) {
      findings.push({ level: rule.level, reason: `${shown} ${rule.reason}` });
      break;
    }
  }
  if (name.startsWith('mkfs.')) findings.push({ level: 'high', reason: `${shown} formats a file system` });
  if (part.constructs.includes('payload')) findings.push({ level: 'high', reason: `${shown} runs code the policy cannot read before it runs` });
  if (part.constructs.includes('dynamic')) findings.push({ level: 'medium', reason: `${shown} runs a command only the running shell knows` });
  if (part.constructs.includes('file_write')) findings.push({ level: 'medium', reason: `${shown} writes to a file` });
  for (const arg of argv.slice(1)) {
    const p = argumentRisk(arg);
    if (p) findings.push({ level: p.level, reason: `${shown} ${p.reason}` });
  }
  if (findings.length === 0) return READ_ONLY.has(name) ? { level: 'low', reason: `${shown} only reads` } : { level: 'medium', reason: `runs ${shown}` };
  return worst(findings, findings[0]!);
}

/** Line-wide findings: a line that cannot be read, and a download piped into a shell. */
export function lineRisk(analysis: ShellAnalysis): RiskFinding | undefined {
  if (!analysis.ok) return { level: 'high', reason: `the command ${analysis.reason}, so what it runs is unclear` };
  const names = analysis.parts.map((p) => baseName(words(p)[0] ?? ''));
  if (names.some((n) => FETCHERS.has(n)) && names.some((n) => RUNNERS.has(n))) return { level: 'high', reason: 'downloads code and runs it' };
  return undefined;
}

/** The default risk of a command line: its riskiest simple command, or a line-wide finding. */
export function commandRisk(analysis: ShellAnalysis): RiskFinding {
  const line = lineRisk(analysis);
  const parts = analysis.ok ? analysis.parts.map(partRisk) : [];
  const all = line ? [line, ...parts] : parts;
  return all.length === 0 ? { level: 'low', reason: 'runs nothing' } : worst(all, all[0]!);
}

// ---- kinds ----

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The default risk of a step of `kind` with `params` (the kind's baseline, raised by what it touches). */
export function defaultRisk(kind: StepKind, params: Record<string, unknown>): RiskFinding {
  switch (kind) {
    case 'read': {
      const paths = Array.isArray(params.paths) ? params.paths.filter((p): p is string => typeof p === 'string') : [];
      return worst(
        paths.flatMap((p) => pathRisk(p) ?? []),
        { level: 'low', reason: 'only reads' },
      );
    }
    case 'edit_file':
    case 'delete_file': {
      const path = str(params.path);
      const base: RiskFinding = { level: 'medium', reason: kind === 'edit_file' ? 'changes a file in the project' : 'deletes a file in the project' };
      return worst(path === undefined ? [] : [pathRisk(path) ?? base], base);
    }
    case 'run_command': {
      const command = str(params.command);
      return command === undefined ? { level: 'medium', reason: 'runs a command' } : commandRisk(analysed(command));
    }
    case 'execute_code':
      return { level: 'medium', reason: 'runs code' };
    case 'network': {
      const method = (str(params.method) ?? 'GET').toUpperCase();
      return SAFE_METHODS.has(method) ? { level: 'medium', reason: `reads from the network (${method})` } : { level: 'high', reason: `sends or changes data on another server (${method})` };
    }
    case 'clarify':
      return { level: 'low', reason: 'asks a question' };
    case 'custom':
      return { level: 'medium', reason: `calls the tool ${str(params.tool) ?? '(unnamed)'}` };
  }
}
