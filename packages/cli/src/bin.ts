#!/usr/bin/env node
/**
 * The `greenlight` process: run the CLI in this process and exit with its code. Built to
 * dist/bin.js (one small ESM file; each command's code is a chunk loaded when that command
 * runs) for the installed package, on Node 20 and later; in this repository,
 * bin/greenlight.js finds a Node that runs TypeScript and imports this file.
 *
 * Exit 2 matters for `greenlight hook`: it is Claude Code's blocking error (the tool call
 * does not run, stderr is the reason). Claude Code treats every other non-zero code, 1
 * and 13 included, as "run the tool anyway", so in hook mode no path out of this process
 * may end in one: a crash or a signal during loading ends in exit 2 or in the hook's own answer.
 */
import { writeSync } from 'node:fs';
import module from 'node:module';

// The hook starts on every tool call: keep V8's compiled code on disk between runs (Node
// 22.1+; Node 20 has no such cache and compiles each time). Set before the CLI is loaded.
module.enableCompileCache?.();

const args = process.argv.slice(2);
const HOOK = args[0] === 'hook';
const SIGNALS = ['SIGTERM', 'SIGINT', 'SIGHUP'] as const;

function say(line: string): void {
  try {
    writeSync(2, `greenlight: ${line}\n`);
  } catch {
    // stderr is gone: there is nobody left to tell.
  }
}

const firstLine = (err: unknown): string => String((err instanceof Error && err.message) || err).split('\n')[0]!;

/** Give up before anything was sent: one line on stderr, exit 2 (configuration error; for the hook, a blocking error). */
function cannotRun(reason: string): never {
  say(HOOK ? `${reason}; blocking this tool call` : reason);
  process.exit(2);
}

/**
 * Exit with `code` once stdout and stderr have drained (pipes are asynchronous on some
 * platforms), even if a socket or timer is still open: a command is done when it says so.
 */
function finish(code: number): void {
  if (HOOK && code !== 0 && code !== 2) {
    say(`internal error (exit code ${code}); blocking this tool call`);
    code = 2;
  }
  process.exitCode = code;
  let pending = 2;
  const done = () => {
    if (--pending === 0) process.exit(code);
  };
  process.stdout.write('', done);
  process.stderr.write('', done);
  setTimeout(() => process.exit(code), 5000).unref();
}

// In hook mode, until the hook's own guard is in place: hold signals (it answers them
// once it runs) and turn a crash into the blocking answer (nothing was sent yet).
const held: NodeJS.Signals[] = [];
const hold = (signal: NodeJS.Signals) => held.push(signal);
const crash = (err: unknown) => cannotRun(`internal error while starting (${firstLine(err)})`);
if (HOOK) {
  for (const s of SIGNALS) process.on(s, hold);
  process.on('uncaughtException', crash);
  process.on('unhandledRejection', crash);
}
// A reader that went away (`greenlight show ... | head`): the rest of the output has nowhere
// to go, which is no error of this command. Stop quietly, with success (the hook's guard
// keeps its own rule for its stdout).
if (!HOOK) {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') process.exit(0);
      throw err;
    });
  }
}
let settled = false;
// A command whose work ended without an answer (the event loop ran dry) did not succeed.
process.on('exit', (code) => {
  if (!settled && !HOOK && code === 0) {
    say('internal error: the command stopped before it finished');
    process.exitCode = 1;
  }
});

import('./main.ts').then(
  (cli) => {
    let running: Promise<number>;
    try {
      running = cli.main(args);
    } finally {
      if (HOOK) {
        // main() set up the hook's guard before its first await: hand over to it.
        for (const s of SIGNALS) process.off(s, hold);
        process.off('uncaughtException', crash);
        process.off('unhandledRejection', crash);
        for (const s of held) if (process.listenerCount(s) > 0) process.kill(process.pid, s);
      }
    }
    running.then(
      (code) => {
        settled = true;
        finish(code);
      },
      (err: unknown) => {
        settled = true;
        say(`internal error: ${firstLine(err)}`);
        finish(HOOK ? 2 : 1);
      },
    );
  },
  (err: unknown) => cannotRun(`cannot load the CLI with Node ${process.version} (${firstLine(err)})`),
);
