/**
 * Test helpers for running the real `greenlight` process: spawn it with a chosen Node,
 * watch which signals it handles (/proc), and a TCP server that accepts connections and
 * never answers.
 */
import { execFileSync, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT_DIR } from '../../../scripts/server.ts';

export const BIN = join(ROOT_DIR, 'packages', 'cli', 'bin', 'greenlight.js');

export type Run = { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string; ms: number };
export type Running = { child: ChildProcessWithoutNullStreams; result: Promise<Run> };

/** A Node command line: the binary and its flags. */
export type NodeCmd = string[];

/**
 * A Node that cannot run the CLI's TypeScript by itself: the machine's own Node when it is
 * older than 22.6 (v20 here), else this Node with type stripping turned off. Either way the
 * entry point has to find another Node or refuse cleanly.
 */
export function oldNode(): NodeCmd {
  const system = '/usr/bin/node';
  if (existsSync(system)) {
    const [major, minor] = execFileSync(system, ['-p', 'process.versions.node']).toString().trim().split('.').map(Number);
    if (major !== undefined && minor !== undefined && (major < 22 || (major === 22 && minor < 6))) return [system];
  }
  return [process.execPath, '--no-experimental-strip-types'];
}

/** Spawn `node bin/greenlight.js ...args` with stdin piped (ended with `stdin` unless keepStdinOpen). */
export function spawnCli(args: string[], opts: { node?: NodeCmd; bin?: string; cwd?: string; env?: Record<string, string | undefined>; stdin?: string; keepStdinOpen?: boolean } = {}): Running {
  const [node = process.execPath, ...flags]: string[] = opts.node ?? [process.execPath];
  // Hooks keep held leases on disk: a test's never land in the real ~/.local/state.
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', GREENLIGHT_STATE_DIR: join(tmpdir(), 'greenlight-test-hook-state') };
  for (const [k, v] of Object.entries(opts.env ?? {})) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  const started = Date.now();
  const child: ChildProcessWithoutNullStreams = spawn(node, [...flags, opts.bin ?? BIN, ...args], { cwd: opts.cwd ?? ROOT_DIR, env, stdio: 'pipe' });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdin.on('error', () => {});
  if (opts.stdin !== undefined) child.stdin.write(opts.stdin);
  if (!opts.keepStdinOpen) child.stdin.end();
  const result = new Promise<Run>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr, ms: Date.now() - started })));
  return { child, result };
}

const SIGNUM: Partial<Record<NodeJS.Signals, number>> = { SIGHUP: 1, SIGINT: 2, SIGUSR2: 12, SIGTERM: 15 };

/** Whether the process has a handler for `signal`, from /proc/<pid>/status (SigCgt); undefined where there is no /proc. */
function catches(pid: number, signal: NodeJS.Signals): boolean | undefined {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const mask = /^SigCgt:\s*([0-9a-f]+)$/m.exec(status)?.[1];
  const n = SIGNUM[signal];
  if (!mask || n === undefined) return undefined;
  return (BigInt(`0x${mask}`) >> BigInt(n - 1)) & 1n ? true : false;
}

/**
 * Resolve once the process handles every one of `signals` (so a signal sent now meets our
 * code, not Node's default of dying). Without /proc, wait a generous second and a half.
 * Node itself catches SIGINT and SIGTERM from the start (to restore the terminal, then
 * die), so SIGHUP, which bin/greenlight.js handles last of the three, is the one that
 * shows our handlers are in place.
 */
export async function untilCatching(pid: number, signals: NodeJS.Signals[], timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const seen = signals.map((s) => catches(pid, s));
    if (seen.some((s) => s === undefined)) return void (await new Promise((r) => setTimeout(r, 1_500)));
    if (seen.every(Boolean)) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`process ${pid} never handled ${signals.join(', ')}`);
}

/** The first child process of `pid` (from /proc), once it has one; undefined where there is no /proc. */
export async function childOf(pid: number, timeoutMs = 20_000): Promise<number | undefined> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    let children: string;
    try {
      children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
    } catch {
      return undefined;
    }
    if (children) return Number(children.split(/\s+/)[0]);
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`process ${pid} started no child`);
}

/** A TCP server that accepts every connection and never says a word. */
export async function blackHole(): Promise<{ url: string; close: () => Promise<void> }> {
  const sockets: Socket[] = [];
  const server: Server = createServer((s) => {
    sockets.push(s);
    s.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('no port');
  return {
    url: `http://127.0.0.1:${address.port}`,
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** The one non-empty line of stderr, or a failure listing all of them. */
export function oneLine(stderr: string): string {
  const lines = stderr.split('\n').filter((l) => l.trim() !== '');
  if (lines.length !== 1) throw new Error(`expected one line on stderr, got ${lines.length}:\n${stderr}`);
  return lines[0]!;
}
