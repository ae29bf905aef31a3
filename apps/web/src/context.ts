/**
 * Where an agent's step comes from and how long its agent waits, from the metadata the
 * hooks send (issue 16 item 3). Claude Code's hook puts `source: 'claude-code'`,
 * `sessionId`, `cwd` (and, where it knows them, `repository`) on the task; a hook that
 * waits for the decision may say for how long with `waitSeconds` (counted from when the
 * approval was asked: the server's clock, not the agent's) and what it does then with
 * `onTimeout` ('ask' | 'deny' | 'allow'). Metadata is the agent's JSON: every field is
 * checked before use. Pure: context.test.ts.
 */
const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v : undefined);

export type AgentContext = { source?: string; sessionId?: string; cwd?: string; repository?: string; branch?: string };

const SOURCES: Record<string, string> = { 'claude-code': 'Claude Code', codex: 'Codex', cursor: 'Cursor' };

/** The host, session, working directory, repository and branch in `metadata` (task's, then step's). */
export function agentContext(...metadata: (Record<string, unknown> | undefined)[]): AgentContext {
  const get = (names: string[]) => metadata.flatMap((m) => (m ? names.map((n) => str(m[n])) : [])).find((v) => v !== undefined);
  const source = get(['source']);
  const out: AgentContext = {};
  if (source) out.source = SOURCES[source] ?? source;
  const session = get(['sessionId', 'session', 'session_id']);
  if (session) out.sessionId = session;
  const cwd = get(['cwd', 'workingDirectory']);
  if (cwd) out.cwd = cwd;
  const repository = get(['repository', 'repo', 'gitRemote']);
  if (repository) out.repository = repository;
  const branch = get(['branch', 'gitBranch']);
  if (branch) out.branch = branch;
  return out;
}

export type Waiting = {
  /** When the agent stops waiting (epoch ms), and what it does then. */
  until: number;
  afterwards?: string;
};

const THEN: Record<string, string> = {
  ask: 'it asks in the terminal instead',
  deny: 'it denies the call',
  allow: 'it allows the call',
};

/**
 * How long the agent waits for a decision asked at `requestedAt`, when its metadata says
 * (`waitSeconds`, `onTimeout`); undefined when it does not.
 */
export function agentWaiting(requestedAt: number, ...metadata: (Record<string, unknown> | undefined)[]): Waiting | undefined {
  const seconds = metadata.map((m) => m?.waitSeconds).find((v): v is number => typeof v === 'number' && Number.isFinite(v) && v > 0);
  if (seconds === undefined) return undefined;
  const onTimeout = metadata.map((m) => str(m?.onTimeout)).find((v) => v !== undefined);
  const afterwards = onTimeout ? THEN[onTimeout] : undefined;
  return { until: requestedAt + seconds * 1000, ...(afterwards ? { afterwards } : {}) };
}
