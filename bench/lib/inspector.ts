/**
 * A CPU profile of one workerd isolate over the DevTools protocol (the inspector
 * Miniflare opens), summed per function: where a request's time goes inside the Worker
 * and its Durable Objects, measured rather than guessed.
 */
type CallFrame = { functionName: string; url: string; lineNumber: number };
type ProfileNode = { id: number; callFrame: CallFrame; hitCount: number; children?: number[] };
export type CpuProfile = { nodes: ProfileNode[] };

export type Session = { send: <T>(method: string, params?: Record<string, unknown>) => Promise<T>; close: () => void };

/** Attach to the isolate whose inspector title contains `name` (e.g. "core:user:greenlight"). */
export async function attach(inspectorPort: number, name: string): Promise<Session> {
  const targets = (await (await fetch(`http://127.0.0.1:${inspectorPort}/json/list`)).json()) as { title: string; webSocketDebuggerUrl: string }[];
  const target = targets.find((t) => t.title.includes(name));
  if (!target) throw new Error(`no inspector target named ${name}: ${targets.map((t) => t.title).join(', ')}`);
  const ws = new WebSocket(target.webSocketDebuggerUrl);
  await new Promise((resolve, reject) => {
    ws.addEventListener('open', resolve, { once: true });
    ws.addEventListener('error', () => reject(new Error('inspector socket failed')), { once: true });
  });
  const pending = new Map<number, (result: unknown) => void>();
  let next = 0;
  ws.addEventListener('message', (e: MessageEvent) => {
    const msg = JSON.parse(String(e.data)) as { id?: number; result?: unknown };
    if (msg.id !== undefined) pending.get(msg.id)?.(msg.result);
  });
  return {
    send: <T>(method: string, params: Record<string, unknown> = {}) =>
      new Promise<T>((resolve) => {
        const id = ++next;
        pending.set(id, (r) => resolve(r as T));
        ws.send(JSON.stringify({ id, method, params }));
      }),
    close: () => ws.close(),
  };
}

/**
 * Samples by the innermost frame, on each sample's stack, whose function is one of
 * `names`: "readMeta" gets readMeta's own time plus the SQL it runs. The rest is
 * labelled by its own function. Returns shares of all samples.
 */
export function byFunction(profile: CpuProfile, names: readonly string[]): { label: string; share: number }[] {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const total = profile.nodes.reduce((a, n) => a + n.hitCount, 0) || 1;
  const tally = new Map<string, number>();
  for (const n of profile.nodes) {
    if (n.hitCount === 0) continue;
    let label: string | undefined;
    for (let p: number | undefined = n.id; p !== undefined && !label; p = parent.get(p)) {
      // The bundler suffixes clashing names with digits (decide2): match without them.
      const f = byId.get(p)!.callFrame.functionName.replace(/\d+$/, '');
      if (names.includes(f)) label = f;
    }
    label ??= `(other) ${n.callFrame.functionName || '(anonymous)'}`;
    tally.set(label, (tally.get(label) ?? 0) + n.hitCount);
  }
  return [...tally].map(([label, hits]) => ({ label, share: hits / total })).sort((a, b) => b.share - a.share);
}
