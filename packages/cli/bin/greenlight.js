#!/usr/bin/env node
/**
 * The `greenlight` command's entry point in this repository (the packed package runs its
 * build, dist/bin.js, instead: scripts/pack). Plain JavaScript, on purpose: it must start on
 * any Node that Claude Code users have (18 and up), while the CLI itself is TypeScript
 * that only Node 22.18+ runs directly (type stripping). So this file
 *   1. runs the CLI (src/bin.ts) in this process when this Node strips types;
 *   2. else runs itself again with a Node that does: $GREENLIGHT_NODE when set (and only
 *      it), else this repository's pinned Node (node_modules/node/bin/node), else this
 *      Node with --experimental-strip-types when it is 22.6 or later;
 *   3. else, or when the CLI cannot be loaded (a module missing, a syntax error), prints
 *      one line on stderr and exits 2.
 * Exit 2 matters for `greenlight hook`: it is Claude Code's blocking error (the tool call
 * does not run, stderr is the reason). Claude Code treats every other non-zero code, 1
 * and 13 included, as "run the tool anyway", so in hook mode no path out of this process
 * may end in one: a crash, a signal during loading and a runtime that cannot run the CLI
 * all end in exit 2 or in the hook's own answer.
 */
import { spawn } from 'node:child_process';
import { accessSync, constants, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
const HOOK = args[0] === 'hook';
const SIGNALS = ['SIGTERM', 'SIGINT', 'SIGHUP'];
const BIN = fileURLToPath(import.meta.url);
/** Set in the environment of the re-run, so a Node that still cannot run the CLI gives up instead of looping. */
const RERUN = 'GREENLIGHT_RERUN';
const NEEDS = 'Node 22.18 or later';

function say(line) {
  try {
    writeSync(2, 'greenlight: ' + line + '\n');
  } catch {
    // stderr is gone: there is nobody left to tell.
  }
}

function firstLine(err) {
  return String((err && err.message) || err).split('\n')[0];
}

/** Give up before anything was sent: one line on stderr, exit 2 (configuration error; for the hook, a blocking error). */
function cannotRun(reason) {
  say(HOOK ? reason + '; blocking this tool call (see "Register it" in packages/cli/README.md)' : reason);
  process.exit(2);
}

/**
 * Exit with `code` once stdout and stderr have drained (pipes are asynchronous on some
 * platforms), even if a socket or timer is still open: a command is done when it says so.
 */
function finish(code) {
  if (HOOK && code !== 0 && code !== 2) {
    say('internal error (exit code ' + code + '); blocking this tool call');
    code = 2;
  }
  process.exitCode = code;
  let pending = 2;
  const done = () => {
    if (--pending === 0) process.exit(code);
  };
  process.stdout.write('', done);
  process.stderr.write('', done);
  setTimeout(() => process.exit(code), 5000);
}

function canStripTypes() {
  return Boolean(process.features && process.features.typescript);
}

/** Run the CLI in this process (src/bin.ts holds the hook's guarantees while it loads and runs). */
function runHere() {
  // Hold signals while src/bin.ts loads (it holds them itself from its first line on), then pass on any that came.
  const held = [];
  const hold = (signal) => held.push(signal);
  if (HOOK) for (const s of SIGNALS) process.on(s, hold);
  import('../src/bin.ts').then(
    () => {
      for (const s of SIGNALS) process.off(s, hold);
      for (const s of held) process.kill(process.pid, s);
    },
    (err) => cannotRun('cannot load the CLI with Node ' + process.version + ' (' + firstLine(err) + ')'),
  );
}

function executable(file) {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Nodes that can run the CLI, each as [file, ...flags], best first. */
function candidates() {
  if (process.env.GREENLIGHT_NODE) return [[process.env.GREENLIGHT_NODE]];
  const here = dirname(BIN);
  const found = [
    // This repository's pinned Node 22 (packages/cli/bin -> node_modules/node).
    join(here, '..', '..', '..', 'node_modules', 'node', 'bin', 'node'),
    // Installed as node_modules/@greenlight/cli beside the `node` package.
    join(here, '..', '..', '..', 'node', 'bin', 'node'),
  ]
    .filter(executable)
    .map((file) => [file]);
  const [major, minor] = process.versions.node.split('.').map(Number);
  if ((major === 22 && minor >= 6) || (major === 23 && minor < 6)) {
    found.push([process.execPath, '--experimental-strip-types', '--disable-warning=ExperimentalWarning']);
  }
  return found;
}

function rerun() {
  if (process.env[RERUN]) cannotRun('needs ' + NEEDS + ' to run its TypeScript; ' + process.execPath + ' is Node ' + process.version);
  const found = candidates()[0];
  if (!found) {
    cannotRun('needs ' + NEEDS + ' (this is Node ' + process.version + '); install one, set GREENLIGHT_NODE to its path, ' + "or run greenlight with the repository's node_modules/.bin/node");
  }
  const [file, ...flags] = found;
  if (process.env.GREENLIGHT_NODE && !executable(file)) cannotRun('GREENLIGHT_NODE=' + file + ' is not an executable file');
  const child = spawn(file, flags.concat([BIN], args), {
    // The hook gets an IPC channel only to notice this process going away (it then stops and cleans up).
    stdio: HOOK ? ['inherit', 'inherit', 'inherit', 'ipc'] : 'inherit',
    env: Object.assign({}, process.env, { [RERUN]: '1' }),
  });
  child.on('error', (err) => cannotRun('cannot start ' + file + ' (' + firstLine(err) + ')'));
  // Whoever stops this process means the CLI: pass it on (the CLI answers each signal once).
  for (const s of SIGNALS) process.on(s, () => child.kill(s));
  if (HOOK) {
    const crash = (err) => {
      child.kill('SIGTERM');
      cannotRun('internal error (' + firstLine(err) + ')');
    };
    process.on('uncaughtException', crash);
    process.on('unhandledRejection', crash);
  }
  child.on('exit', (code, signal) => {
    if (code !== null) return finish(code);
    if (HOOK) cannotRun('the hook was stopped by ' + signal + ' before it could answer');
    finish(1);
  });
}

if (canStripTypes()) runHere();
else rerun();
