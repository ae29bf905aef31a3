/**
 * Where a Claude Code tool call runs, for the reviewer's card (issue 16, item 3): the
 * working directory, the git repository's root, its `origin` remote and the branch.
 * Read straight from the files under `.git` (no `git` process: the hook runs on every
 * tool call, and a spawn costs more than the whole hook should), a handful of small
 * reads. Worktrees (`.git` is a file naming the gitdir) and `commondir` are followed.
 * A remote URL never carries credentials to the server: user:password@ is dropped.
 * Anything that cannot be read is simply left out; this never fails the hook.
 */
import { readFile, stat } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import type { StepContext } from '@greenlight/core';

/** How far up from cwd to look for a repository. */
const MAX_LEVELS = 40;

const readText = (path: string): Promise<string | undefined> =>
  readFile(path, 'utf8').then(
    (t) => t,
    () => undefined,
  );

/** The repository root above `cwd` and its git directory, if there is one. */
async function findRepo(cwd: string): Promise<{ root: string; gitDir: string } | undefined> {
  let dir = resolve(cwd);
  for (let i = 0; i < MAX_LEVELS; i++) {
    const dotGit = join(dir, '.git');
    const s = await stat(dotGit).catch(() => undefined);
    if (s?.isDirectory()) return { root: dir, gitDir: dotGit };
    if (s?.isFile()) {
      const m = /^gitdir:\s*(.+)$/m.exec((await readText(dotGit)) ?? '');
      if (m) return { root: dir, gitDir: isAbsolute(m[1]!.trim()) ? m[1]!.trim() : resolve(dir, m[1]!.trim()) };
    }
    const up = dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
  return undefined;
}

/** A remote URL without credentials: `https://user:token@host/x` is `https://host/x`. */
export function withoutCredentials(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^@/]*@/i, '$1');
}

/** The `url` of `[remote "origin"]` in a git config file's text. */
export function originUrl(config: string): string | undefined {
  let inOrigin = false;
  for (const raw of config.split(/\r?\n/)) {
    const line = raw.trim();
    if (line.startsWith('[')) inOrigin = /^\[remote\s+"origin"\]$/.test(line);
    else if (inOrigin) {
      const m = /^url\s*=\s*(.+)$/.exec(line);
      if (m) return withoutCredentials(m[1]!.trim().replace(/^"(.*)"$/, '$1'));
    }
  }
  return undefined;
}

const clip = (s: string, max: number): string => (s.length > max ? s.slice(0, max) : s);

/** The context of a tool call made in `cwd` (StepContext), or undefined without a cwd. */
export async function repoContext(cwd: string | undefined): Promise<StepContext | undefined> {
  if (!cwd) return undefined;
  const out: StepContext = { cwd: clip(cwd, 1000) };
  try {
    const repo = await findRepo(cwd);
    if (!repo) return out;
    out.gitRoot = clip(repo.root, 1000);
    const head = await readText(join(repo.gitDir, 'HEAD'));
    const branch = head && /^ref:\s*refs\/heads\/(.+)$/m.exec(head)?.[1]?.trim();
    if (branch) out.gitBranch = clip(branch, 300);
    const common = (await readText(join(repo.gitDir, 'commondir')))?.trim();
    const commonDir = common ? resolve(repo.gitDir, common) : repo.gitDir;
    const remote = originUrl((await readText(join(commonDir, 'config'))) ?? '');
    if (remote) out.gitRemote = clip(remote, 1000);
  } catch {
    // Context is a courtesy to the reviewer; the tool call is judged without it.
  }
  return out;
}
