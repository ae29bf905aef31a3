/**
 * Which Chromium the browser tests drive, and how it is launched. In order:
 * `CHROMIUM_PATH` when set (only that one: an explicit choice never falls back), else
 * a system Chromium or Chrome when one is installed, else the Chromium that the npm
 * package `@sparticuz/chromium` ships, so `npm ci && npm test` needs no apt step. A
 * browser that cannot start fails the test with every reason; nothing is skipped.
 */
import { execFile } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { randomUUID } from 'node:crypto';
import { chromium, type Browser } from 'playwright-core';
import { ROOT_DIR } from '../../scripts/server.ts';

/** The same switches for every browser. Not `@sparticuz/chromium`'s own `args`: they are
 * made for AWS Lambda, and its `--single-process` crashes the browser as soon as a test
 * closes a second context; `--disable-web-security` would hide what a real browser refuses. */
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

/** Where a system browser usually is, then names looked up on PATH. */
export const SYSTEM_PATHS = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome', '/usr/bin/google-chrome-stable'];
const SYSTEM_NAMES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'];

export type ChromiumChoice = {
  /** Where it came from, for messages: `CHROMIUM_PATH`, `system` or `@sparticuz/chromium`. */
  source: string;
  executablePath: string;
  /** Extra environment for the browser process (the bundled one's libraries and fonts). */
  env?: Record<string, string>;
};

const isExecutable = (path: string): boolean => {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

/** The first system Chromium or Chrome on this machine, if any. */
export function systemChromium(pathEnv = process.env.PATH ?? ''): string | undefined {
  const onPath = SYSTEM_NAMES.flatMap((name) =>
    pathEnv
      .split(delimiter)
      .filter(Boolean)
      .map((dir) => join(dir, name)),
  );
  return [...SYSTEM_PATHS, ...onPath].find(isExecutable);
}

const require = createRequire(import.meta.url);
// The package exports only its entry (build/index.js); its package.json sits one folder up.
const SPARTICUZ_VERSION: string = JSON.parse(readFileSync(join(dirname(require.resolve('@sparticuz/chromium')), '..', 'package.json'), 'utf8')).version;
const UNPACK_SCRIPT = fileURLToPath(new URL('./unpack-chromium.ts', import.meta.url));
/** One unpacked copy per checkout and version; `npm ci` removes it with node_modules. */
export const BUNDLED_CACHE = join(ROOT_DIR, 'node_modules', '.cache', 'greenlight-chromium', SPARTICUZ_VERSION);

/**
 * The npm-shipped Chromium, unpacked into `dir` once. Concurrent callers (two test files,
 * two vitest runs) each unpack into their own staging directory and rename it into
 * place; a rename is atomic, so `dir` is either absent or complete, and the loser of the
 * race uses the winner's copy. About 1.3 s and 210 MB the first time.
 */
export async function bundledChromium(dir = BUNDLED_CACHE): Promise<ChromiumChoice> {
  const choice: ChromiumChoice = {
    source: '@sparticuz/chromium',
    executablePath: join(dir, 'chromium'),
    env: {
      LD_LIBRARY_PATH: [join(dir, 'al2023', 'lib'), process.env.LD_LIBRARY_PATH].filter(Boolean).join(delimiter),
      FONTCONFIG_FILE: join(dir, 'fonts.conf'),
    },
  };
  if (existsSync(dir)) return choice;
  mkdirSync(dirname(dir), { recursive: true });
  const staging = `${dir}.${process.pid}.${randomUUID()}`;
  mkdirSync(staging);
  try {
    await promisify(execFile)(process.execPath, [UNPACK_SCRIPT], {
      cwd: ROOT_DIR,
      env: { ...process.env, TMPDIR: staging },
    });
    // The system's fonts when it has any, the bundled Open Sans either way.
    writeFileSync(
      join(staging, 'fonts.conf'),
      [
        '<?xml version="1.0"?>',
        '<!DOCTYPE fontconfig SYSTEM "fonts.dtd">',
        '<fontconfig>',
        '  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>',
        `  <dir>${join(dir, 'fonts', 'fonts')}</dir>`,
        `  <cachedir>${join(dir, 'fonts-cache')}</cachedir>`,
        '</fontconfig>',
        '',
      ].join('\n'),
    );
    try {
      renameSync(staging, dir);
    } catch (err) {
      // Another process put its complete copy there first: use that one.
      if (!existsSync(dir)) throw err;
    }
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return choice;
}

/** The browsers to try, in order. */
async function choices(env: NodeJS.ProcessEnv): Promise<(() => Promise<ChromiumChoice>)[]> {
  const explicit = env.CHROMIUM_PATH;
  if (explicit === 'bundled') return [() => bundledChromium()];
  if (explicit) {
    if (!isExecutable(explicit)) throw new Error(`CHROMIUM_PATH=${explicit} is not an executable file (unset it to use a system or the bundled Chromium)`);
    return [async () => ({ source: 'CHROMIUM_PATH', executablePath: explicit })];
  }
  const system = systemChromium(env.PATH);
  return [...(system ? [async () => ({ source: 'system', executablePath: system })] : []), () => bundledChromium()];
}

let announced = false;

/**
 * A headless Chromium with a fresh temporary profile: the first of `CHROMIUM_PATH`, a
 * system one, the bundled one that starts. Throws with the reason of each that did not.
 * `CHROMIUM_PATH=bundled` forces the npm-shipped one.
 */
export async function launchChromium(env: NodeJS.ProcessEnv = process.env): Promise<Browser> {
  return launchFirst(await choices(env));
}

/** Launches the first of `candidates` that starts; a later one is used only when the ones before it fail, and says so. */
export async function launchFirst(candidates: (() => Promise<ChromiumChoice>)[]): Promise<Browser> {
  const failures: string[] = [];
  for (const choose of candidates) {
    let choice: ChromiumChoice | undefined;
    try {
      choice = await choose();
      const browser = await chromium.launch({
        executablePath: choice.executablePath,
        headless: true,
        args: CHROMIUM_ARGS,
        timeout: 30_000,
        ...(choice.env ? { env: { ...process.env, ...choice.env } } : {}),
      });
      const skipped = failures.length > 0 ? ` after ${failures.join('; ')}` : '';
      if (!announced || skipped) console.log(`browser tests: Chromium ${browser.version()} from ${choice.source} (${choice.executablePath})${skipped}`);
      announced = true;
      return browser;
    } catch (err) {
      failures.push(`${choice?.source ?? 'bundled'} ${choice?.executablePath ?? ''}: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
    }
  }
  throw new Error(`No Chromium could be started for the browser tests:\n- ${failures.join('\n- ')}\nSet CHROMIUM_PATH to a Chromium or Chrome binary.`);
}
