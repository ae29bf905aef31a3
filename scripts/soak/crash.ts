/**
 * Crashing the local server for real. `wrangler dev` runs as node -> node (cli) ->
 * workerd; a SIGKILL to the first alone lets the cli shut workerd down cleanly (it
 * exits when its parent's IPC channel closes), and workerd kept serving for a moment
 * in a trial. So the whole tree is found first (Linux /proc) and SIGKILLed at once.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** The process ids below `root`, children before grandchildren. */
function descendants(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${name}/stat`, 'utf8');
    } catch {
      continue; // gone meanwhile
    }
    // After "pid (comm) ": state, then ppid. comm may hold spaces and parentheses.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    children.set(ppid, [...(children.get(ppid) ?? []), Number(name)]);
  }
  const out: number[] = [];
  for (let frontier = [root]; frontier.length > 0; ) {
    frontier = frontier.flatMap((p) => children.get(p) ?? []);
    out.push(...frontier);
  }
  return out;
}

const alive = (pid: number): boolean => {
  try {
    return !/^\d+ \(.*\) Z/s.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
};

/** SIGKILL `root` and everything it started; resolves once none of them runs. */
export async function killTree(root: number): Promise<number[]> {
  const pids = [root, ...descendants(root)];
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  for (const deadline = Date.now() + 10_000; pids.some(alive) && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 50));
  return pids;
}
