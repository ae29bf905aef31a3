/**
 * Where a hook that was handed a step keeps its lease until the tool's result arrives.
 * The PreToolUse (or PermissionRequest) hook claims the approved step, writes the lease
 * here BEFORE it answers allow, and exits; the host runs the tool and then starts the
 * PostToolUse hook, another process, which finds the lease here by the call's id (or, for
 * a call the host gave no id, by the tool and its input) and completes or fails the step
 * with the tool's real result. Whichever order the hooks' processes end in, the lease is
 * on disk before the tool can run. A repeat of the same PreToolUse finds its own lease
 * and gives the same allow; a repeat of PostToolUse finds none and does nothing.
 *
 * One file per call, under $GREENLIGHT_STATE_DIR (default $XDG_STATE_HOME/greenlight/hooks,
 * else ~/.local/state/greenlight/hooks), mode 0600, written whole (tmp + rename). A
 * lease lives at most HANDOFF_LEASE_SECONDS on the server; older files are ignored.
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';

export type HeldLease = { stepId: string; taskId: string; leaseId: string; tool: string; at: number };
/** Written when a decision hook starts on a call, so the call's result hook knows to wait for the lease. */
export type Pending = { pending: true; at: number };

const sha = (s: string): string => createHash('sha256').update(s).digest('hex').slice(0, 32);

/** The state directory for the hooks' leases. */
export function stateDir(env: Record<string, string | undefined> = process.env): string {
  if (env.GREENLIGHT_STATE_DIR) return env.GREENLIGHT_STATE_DIR;
  const base = env.XDG_STATE_HOME || join(homedir(), '.local', 'state');
  return join(base, 'greenlight', 'hooks');
}

/** A canonical JSON text (sorted keys), for a call's fingerprint. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

/**
 * The names a call is known by: its id when the host sent one, and its fingerprint
 * (tool, turn, and the command or the whole input), for hosts or events without an id.
 */
export function callNames(call: { tool: string; input: Record<string, unknown>; toolUseId?: string | undefined; turn?: string | undefined }): string[] {
  const what = typeof call.input.command === 'string' ? call.input.command : canonical(call.input);
  const names = [`in:${call.tool}:${call.turn ?? ''}:${sha(what)}`];
  return call.toolUseId ? [`id:${call.toolUseId}`, ...names] : names;
}

export class LeaseStore {
  private readonly root: string;
  private readonly maxAgeMs: number;

  constructor(root: string, maxAgeMs: number) {
    this.root = root;
    this.maxAgeMs = maxAgeMs;
  }

  private dir(session: string): string {
    return join(this.root, sha(session));
  }

  /** Record the lease (or that one is coming) under every name of the call (before answering allow). */
  async put(session: string, names: string[], lease: HeldLease | Pending): Promise<void> {
    const dir = this.dir(session);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const body = JSON.stringify(lease);
    for (const name of names) {
      const file = join(dir, `${sha(name)}.json`);
      const tmp = `${file}.${randomUUID()}.tmp`;
      await writeFile(tmp, body, { mode: 0o600 });
      await rename(tmp, file);
    }
  }

  /** The lease held for a call, by the first of its names that has one (and is not stale). */
  async get(session: string, names: string[], now = Date.now()): Promise<HeldLease | undefined> {
    const found = await this.find(session, names, now);
    return found && 'leaseId' in found ? found : undefined;
  }

  /** The lease, or the mark that a decision hook is working on the call, or nothing. */
  async find(session: string, names: string[], now = Date.now()): Promise<HeldLease | Pending | undefined> {
    let pending: Pending | undefined;
    for (const name of names) {
      const found = await this.read(join(this.dir(session), `${sha(name)}.json`), now);
      if (found && 'leaseId' in found) return found;
      pending ??= found;
    }
    return pending;
  }

  private async read(file: string, now: number): Promise<HeldLease | Pending | undefined> {
    try {
      const found = JSON.parse(await readFile(file, 'utf8')) as HeldLease | Pending;
      if (typeof found.at !== 'number' || now - found.at >= this.maxAgeMs) return undefined;
      return 'leaseId' in found && typeof found.leaseId === 'string' ? found : 'pending' in found ? found : undefined;
    } catch {
      return undefined;
    }
  }

  /** Remember the session's task (for its end). */
  async setTask(session: string, taskId: string): Promise<void> {
    const dir = this.dir(session);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const tmp = join(dir, `task.${randomUUID()}.tmp`);
    await writeFile(tmp, JSON.stringify({ taskId, at: Date.now() }), { mode: 0o600 });
    await rename(tmp, join(dir, 'task.txt'));
  }

  /** The session's task, if this machine saw it. */
  async task(session: string): Promise<string | undefined> {
    try {
      const { taskId } = JSON.parse(await readFile(join(this.dir(session), 'task.txt'), 'utf8')) as { taskId?: unknown };
      return typeof taskId === 'string' ? taskId : undefined;
    } catch {
      return undefined;
    }
  }

  /** Forget a call (after its result was reported). */
  async drop(session: string, names: string[]): Promise<void> {
    await Promise.all(names.map((n) => rm(join(this.dir(session), `${sha(n)}.json`), { force: true })));
  }

  /** Every lease still held in the session (one per step), and forget them all. */
  async drain(session: string, now = Date.now()): Promise<HeldLease[]> {
    const dir = this.dir(session);
    let files: string[];
    try {
      files = (await readdir(dir)).filter((f) => f.endsWith('.json'));
    } catch {
      return [];
    }
    const byStep = new Map<string, HeldLease>();
    for (const f of files) {
      const lease = await this.read(join(dir, f), now);
      if (lease && 'leaseId' in lease) byStep.set(lease.stepId, lease);
    }
    await Promise.all(files.map((f) => rm(join(dir, f), { force: true })));
    return [...byStep.values()];
  }
}
