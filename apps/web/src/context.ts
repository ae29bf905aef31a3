/**
 * Where an agent's step comes from and how long its agent waits (issue 16 item 3). The
 * step carries `context` (cwd, gitRoot, gitRemote, gitBranch: core's StepContext) and
 * `waitUntil` (when the waiting agent gives up, epoch ms, the agent's clock) when the
 * agent sends them (h/review). The hooks' metadata fills the rest: `source`
 * ('claude-code' | 'codex' | 'cursor'), `session`, and for older hooks `cwd`,
 * `repository`, `waitSeconds` (counted from the approval's request) and `onTimeout`.
 * Metadata is the agent's JSON: every field is checked before use. Pure: context.test.ts.
 */
import type { StepContext } from '@greenlight/core';

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v : undefined);

export type AgentContext = { source?: string; sessionId?: string; cwd?: string; repository?: string; branch?: string };

type Meta = Record<string, unknown> | undefined;

const SOURCES: Record<string, string> = { 'claude-code': 'Claude Code', codex: 'Codex', cursor: 'Cursor' };

/** The host, session, working directory, repository and branch: the step's `context` first, then the metadata given (in order). */
export function agentContext(context: StepContext | undefined, ...metadata: Meta[]): AgentContext {
  const get = (names: string[]) => metadata.flatMap((m) => (m ? names.map((n) => str(m[n])) : [])).find((v) => v !== undefined);
  const source = get(['source', 'host']);
  const out: AgentContext = {};
  if (source) out.source = SOURCES[source] ?? source;
  const session = get(['sessionId', 'session', 'session_id']);
  if (session) out.sessionId = session;
  const cwd = str(context?.cwd) ?? get(['cwd', 'workingDirectory']);
  if (cwd) out.cwd = cwd;
  const repository = str(context?.gitRemote) ?? get(['repository', 'repo', 'gitRemote']) ?? str(context?.gitRoot);
  if (repository) out.repository = repository;
  const branch = str(context?.gitBranch) ?? get(['branch', 'gitBranch']);
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
 * How long the agent waits for a decision asked at `requestedAt`: the step's `waitUntil`,
 * else the metadata's `waitSeconds` after the request; undefined when neither says.
 */
export function agentWaiting(step: { waitUntil?: number | undefined }, requestedAt: number, ...metadata: Meta[]): Waiting | undefined {
  const onTimeout = metadata.map((m) => str(m?.onTimeout)).find((v) => v !== undefined);
  const afterwards = onTimeout ? THEN[onTimeout] : undefined;
  const extra = afterwards ? { afterwards } : {};
  if (step.waitUntil !== undefined) return { until: step.waitUntil, ...extra };
  const seconds = metadata.map((m) => m?.waitSeconds).find((v): v is number => typeof v === 'number' && Number.isFinite(v) && v > 0);
  return seconds === undefined ? undefined : { until: requestedAt + seconds * 1000, ...extra };
}
