/** The hook's step context (issue 16): cwd, git root, origin remote (never its credentials) and branch, read from .git's files. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { toolToStep } from '../src/hook/map.ts';
import { originUrl, repoContext, withoutCredentials } from '../src/hook/repo.ts';
import { fixture } from './helpers.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'greenlight-cli-repo-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function gitRepo(root: string, remote: string, branch = 'main'): void {
  mkdirSync(join(root, '.git'), { recursive: true });
  writeFileSync(join(root, '.git', 'HEAD'), `ref: refs/heads/${branch}\n`);
  writeFileSync(
    join(root, '.git', 'config'),
    `[core]\n\tbare = false\n[remote "upstream"]\n\turl = git@example.com:other/x.git\n[remote "origin"]\n\turl = ${remote}\n\tfetch = +refs/heads/*:refs/remotes/origin/*\n`,
  );
}

describe('repoContext', () => {
  it('finds the repository above cwd, its origin and branch', async () => {
    const app = join(dir, 'app');
    gitRepo(app, 'git@github.com:acme/app.git', 'feature/risk');
    mkdirSync(join(app, 'packages', 'core'), { recursive: true });
    expect(await repoContext(join(app, 'packages', 'core'))).toEqual({
      cwd: join(app, 'packages', 'core'),
      gitRoot: app,
      gitRemote: 'git@github.com:acme/app.git',
      gitBranch: 'feature/risk',
    });
  });

  it("follows a worktree's .git file to its gitdir and common dir", async () => {
    const main = join(dir, 'main');
    gitRepo(main, 'https://github.com/acme/app.git');
    const wtGit = join(main, '.git', 'worktrees', 'review');
    mkdirSync(wtGit, { recursive: true });
    writeFileSync(join(wtGit, 'HEAD'), 'ref: refs/heads/h/review\n');
    writeFileSync(join(wtGit, 'commondir'), '../..\n');
    const wt = join(dir, 'wt');
    mkdirSync(wt);
    writeFileSync(join(wt, '.git'), `gitdir: ${wtGit}\n`);
    expect(await repoContext(wt)).toEqual({ cwd: wt, gitRoot: wt, gitRemote: 'https://github.com/acme/app.git', gitBranch: 'h/review' });
  });

  it('never sends credentials in a remote URL, and leaves out what is not there', async () => {
    expect(withoutCredentials('https://user:ghp_secret@github.com/acme/app.git')).toBe('https://github.com/acme/app.git');
    expect(withoutCredentials('git@github.com:acme/app.git')).toBe('git@github.com:acme/app.git');
    expect(originUrl('[remote "origin"]\n  url = https://x-access-token:tok@github.com/a/b\n')).toBe('https://github.com/a/b');
    expect(originUrl('[remote "fork"]\n  url = https://github.com/a/b\n')).toBeUndefined();
    expect(await repoContext(dir)).toEqual({ cwd: dir });
    expect(await repoContext(undefined)).toBeUndefined();
  });

  it('goes on every step the hook makes, with when the hook stops waiting', async () => {
    gitRepo(dir, 'https://token@github.com/acme/app.git');
    mkdirSync(join(dir, 'src'));
    const step = await toolToStep(fixture('bash', dir), { waitUntil: 1_800_000_000_000 });
    expect(step.context).toEqual({ cwd: dir, gitRoot: dir, gitRemote: 'https://github.com/acme/app.git', gitBranch: 'main' });
    expect(step.waitUntil).toBe(1_800_000_000_000);
    expect((await toolToStep(fixture('bash', dir))).waitUntil).toBeUndefined();
  });
});
