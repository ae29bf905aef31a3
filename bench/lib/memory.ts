/**
 * Resident memory of the workerd processes this bench started (Linux /proc), the only
 * memory figure observable from outside: workerd shares one isolate between objects,
 * so there is no per-object heap to read.
 */
import { readdirSync, readFileSync } from 'node:fs';

function ppidAndName(pid: string): { ppid: number; name: string } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // "pid (comm) state ppid ...": comm may hold spaces, so split after the last ')'.
    const close = stat.lastIndexOf(')');
    const name = stat.slice(stat.indexOf('(') + 1, close);
    const ppid = Number(stat.slice(close + 2).split(' ')[1]);
    return { ppid, name };
  } catch {
    return undefined;
  }
}

/** Total RSS in KiB of workerd processes descended from this process, or undefined off Linux. */
export function workerdRssKiB(): number | undefined {
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((p) => /^\d+$/.test(p));
  } catch {
    return undefined;
  }
  const info = new Map(
    pids.flatMap((p) => {
      const i = ppidAndName(p);
      return i ? [[Number(p), i] as const] : [];
    }),
  );
  const mine = (pid: number): boolean => {
    for (let p = pid, hops = 0; p > 1 && hops < 10; hops++) {
      if (p === process.pid) return true;
      p = info.get(p)?.ppid ?? 0;
    }
    return false;
  };
  let total = 0;
  for (const [pid, i] of info) {
    if (i.name !== 'workerd' || !mine(pid)) continue;
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    total += Number(m?.[1] ?? 0);
  }
  return total || undefined;
}
