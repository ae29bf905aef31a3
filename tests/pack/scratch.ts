/**
 * A project outside the repository with the packed SDK and CLI installed from their
 * tarballs (`npm pack`, which runs each package's prepack build), their dependencies from
 * the npm registry, as an agent builder would have it; and the Nodes to run it with.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ROOT_DIR } from '../../scripts/server.ts';

const run = promisify(execFile);
/** The Node 20 the tests run on, from the npm registry's `node` package like the repository's Node 22. */
export const NODE20_VERSION = '20.20.2';

export type Scratch = { dir: string; tarballs: Record<'sdk' | 'cli', string> };

/** `npm pack` one workspace package into `into`; returns the tarball's path. */
async function pack(pkg: 'sdk' | 'cli', into: string): Promise<string> {
  await run('npm', ['pack', '--pack-destination', into, '--silent'], { cwd: join(ROOT_DIR, 'packages', pkg), maxBuffer: 16 << 20 });
  const file = readdirSync(into).find((f) => f.startsWith(`greenlight-${pkg}-`) && f.endsWith('.tgz'));
  if (!file) throw new Error(`npm pack of packages/${pkg} wrote no tarball`);
  return join(into, file);
}

/**
 * Pack both packages (one after the other: the CLI's build reads the SDK's package.json,
 * which the SDK's pack swaps while it runs) and install them into a new project.
 */
export async function scratchProject(): Promise<Scratch> {
  const dir = mkdtempSync(join(tmpdir(), 'greenlight-pack-'));
  const tgz = join(dir, 'tarballs');
  mkdirSync(tgz);
  const tarballs = { sdk: await pack('sdk', tgz), cli: await pack('cli', tgz) };
  const app = join(dir, 'app');
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'scratch', private: true, type: 'module' }));
  // Only the registry and the tarballs: no workspace, no link back into the repository.
  await run('npm', ['install', '--no-audit', '--no-fund', '--no-package-lock', tarballs.sdk, tarballs.cli], { cwd: app, maxBuffer: 16 << 20 });
  return { dir: app, tarballs };
}

/** The path of a Node 20 binary (`npx node@20…`, cached by npm after the first run). */
export async function node20(): Promise<string> {
  const { stdout } = await run('npx', ['-y', `node@${NODE20_VERSION}`, '-e', 'process.stdout.write(process.execPath)'], { cwd: tmpdir() });
  return stdout;
}

export type Ran = { code: number; stdout: string; stderr: string };

/** Run `file` (a path or a bin) with `node` in the scratch project; never throws on a non-zero exit. */
export async function runIn(dir: string, node: string, args: string[], env: Record<string, string> = {}): Promise<Ran> {
  // The machine's environment without what npm and vitest add (NODE_OPTIONS, npm_*): as a user's shell has it.
  const clean: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', ...env };
  for (const k of Object.keys(clean)) if (k === 'NODE_OPTIONS' || k.startsWith('npm_') || k.startsWith('VITEST')) delete clean[k];
  try {
    const { stdout, stderr } = await run(node, args, { cwd: dir, env: clean, maxBuffer: 16 << 20 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? String(err) };
  }
}
