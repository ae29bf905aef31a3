/**
 * Commands that run another command (issue 11, item 3): `sudo rm -rf /` runs `rm -rf /`,
 * so a deny rule for `rm` must see it. For each known wrapper this finds the inner
 * command's words, or the shell script it will run, and whether that is a payload the
 * policy cannot fully see (eval, sh -c, xargs, find -exec, an interpreter's -c/-e).
 * Options are skipped as the tools document them; an option we do not know makes the
 * rest a payload, never a plain command.
 */
import type { WordInfo } from './parse.ts';

export type Wrapped = { inner?: WordInfo[]; script?: string; payload: boolean };

const lit = (w: WordInfo | undefined): string | undefined => w?.literal;
const isAssignment = (w: WordInfo): boolean => /^[A-Za-z_][A-Za-z0-9_]*=/.test(w.literal ?? '');

/**
 * Skip options: `withValue` take the next word (unless written `-x=v`/`-xv`), `flags`
 * take none. Returns the index of the first non-option word, or -1 on an unknown option.
 */
function skipOptions(args: WordInfo[], from: number, withValue: string[], flags: string[] | 'any'): number {
  let i = from;
  while (i < args.length) {
    const a = lit(args[i]);
    if (a === undefined) return -1;
    if (a === '--') return i + 1;
    if (!a.startsWith('-') || a === '-') return i;
    const name = a.includes('=') ? a.slice(0, a.indexOf('=')) : a;
    if (withValue.includes(name)) i += a.includes('=') ? 1 : 2;
    else if (withValue.some((o) => o.length === 2 && !o.startsWith('--') && a.startsWith(o) && a.length > 2))
      i += 1; // -n5
    else if (flags === 'any' || flags.includes(a)) i += 1;
    else return -1;
  }
  return i;
}

const SHELLS = new Set(['sh', 'bash', 'zsh', 'dash', 'ksh', 'mksh', 'ash', 'fish', 'busybox']);
const INTERPRETERS = new Set(['python', 'python3', 'python2', 'node', 'nodejs', 'deno', 'bun', 'perl', 'ruby', 'php', 'lua', 'osascript', 'pwsh']);
const CODE_FLAGS = new Set(['-c', '-e', '-E', '--eval', '-p', '--print', '-r', '--command', '-Command']);

function shell(args: WordInfo[]): Wrapped | undefined {
  for (let i = 1; i < args.length; i++) {
    const a = lit(args[i]);
    if (a === undefined) return { payload: true };
    if (a === '-s' || a === '-i') return { payload: true };
    if (/^-[a-zA-Z]*c[a-zA-Z]*$/.test(a) || a === '--command') {
      const script = lit(args[i + 1]);
      return script === undefined ? { payload: true } : { script, payload: true };
    }
    if (a.startsWith('-') || a.startsWith('+')) continue; // -e, -x, -o x is rare enough to ask as a script below
    return undefined; // `bash script.sh`: a command like any other
  }
  return { payload: true }; // reads its commands from stdin: `curl ... | sh`
}

/** What `args` (a simple command's words) runs besides itself, if anything. */
export function wrapped(args: WordInfo[]): Wrapped | undefined {
  const name = lit(args[0]);
  if (name === undefined) return undefined;
  const base = name.slice(name.lastIndexOf('/') + 1);
  const rest = (i: number, payload = false): Wrapped => (i < 0 ? { payload: true } : { inner: args.slice(i), payload });
  switch (base) {
    case 'env': {
      let i = skipOptions(args, 1, ['-u', '--unset', '-C', '--chdir'], ['-i', '--ignore-environment', '-0', '--null', '-']);
      while (i > 0 && i < args.length && isAssignment(args[i]!)) i++;
      return i >= args.length ? undefined : rest(i);
    }
    case 'sudo':
    case 'doas': {
      let i = skipOptions(args, 1, ['-u', '-g', '-C', '-D', '-h', '-p', '-r', '-t', '-T', '-U', '--user', '--group'], ['-E', '-H', '-n', '-k', '-K', '-P', '-S', '-A', '-b']);
      while (i > 0 && i < args.length && isAssignment(args[i]!)) i++;
      return i >= args.length ? { payload: true } : rest(i);
    }
    case 'nice':
      return rest(skipOptions(args, 1, ['-n', '--adjustment'], []));
    case 'nohup':
    case 'builtin':
      return rest(skipOptions(args, 1, [], []));
    case 'command':
      return rest(skipOptions(args, 1, [], ['-p']));
    case 'exec':
      return rest(skipOptions(args, 1, ['-a'], ['-c', '-l']));
    case 'stdbuf':
      return rest(skipOptions(args, 1, ['-i', '-o', '-e', '--input', '--output', '--error'], []));
    case 'time':
      return rest(skipOptions(args, 1, ['-f', '-o', '--format', '--output'], ['-p', '-a', '-v', '--verbose', '--portability', '--append']));
    case 'timeout': {
      const i = skipOptions(args, 1, ['-s', '-k', '--signal', '--kill-after'], ['--foreground', '--preserve-status', '-v', '--verbose']);
      return rest(i < 0 ? i : i + 1); // the duration
    }
    case 'xargs':
      return rest(
        skipOptions(
          args,
          1,
          ['-I', '-L', '-n', '-P', '-s', '-d', '-E', '-a', '--max-args', '--max-procs', '--delimiter', '--arg-file'],
          ['-0', '-r', '-t', '-p', '-x', '--null', '--no-run-if-empty', '--verbose', '--interactive'],
        ),
        true,
      );
    case 'watch': {
      const i = skipOptions(args, 1, ['-n', '-d', '--interval'], ['-t', '-b', '-e', '-g', '-x', '-c', '-p']);
      const words = i < 0 ? undefined : args.slice(i).map(lit);
      return words && words.every((w) => w !== undefined) ? { script: words.join(' '), payload: true } : { payload: true };
    }
    case 'eval': {
      const words = args.slice(1).map(lit);
      return words.every((w) => w !== undefined) ? { script: words.join(' '), payload: true } : { payload: true };
    }
    case 'source':
    case '.':
      return { payload: true };
    case 'find': {
      const at = args.findIndex((a) => ['-exec', '-execdir', '-ok', '-okdir'].includes(lit(a) ?? ''));
      if (at < 0) return undefined;
      const end = args.findIndex((a, i) => i > at && [';', '+'].includes(lit(a) ?? ''));
      return { inner: args.slice(at + 1, end < 0 ? undefined : end), payload: true };
    }
    default:
      if (SHELLS.has(base)) return shell(args);
      if (INTERPRETERS.has(base.replace(/[0-9.]+$/, '')) && args.slice(1).some((a) => a.literal === undefined || CODE_FLAGS.has(a.literal))) return { payload: true };
      return undefined;
  }
}
