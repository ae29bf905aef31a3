/**
 * Inputs for the API fuzzer (../fuzz.test.ts): the ids a run has seen, a valid input
 * for each known procedure built from them, and mutations of those inputs.
 */
import fc, { type GeneratorValue } from 'fast-check';
import { patch, uniqueId } from '../harness.ts';

export type G = GeneratorValue;
export type Obj = Record<string, unknown>;
const KINDS = ['read', 'edit_file', 'delete_file', 'run_command', 'execute_code', 'network', 'clarify', 'custom'] as const;
type Kind = (typeof KINDS)[number];
export type Call = { path: string; input: unknown };

/** Ids seen in one workspace. `open` and `live` are the ones still usable; the rest are kept to be misused. */
export type Pool = {
  tasks: Set<string>;
  steps: Set<string>;
  approvals: Map<string, string>;
  open: Map<string, string>;
  leases: Map<string, string>;
  live: Map<string, string>;
  hashes: Set<string>;
  keys: Set<string>;
  webhooks: Set<string>;
  /** Remembered grants and the rules `always` proposed (docs/sessions.md). */
  grants: Set<string>;
  proposals: Set<string>;
  /** The task and kind of each step (and the kind behind each approval), for revisions and modifies that fit. */
  taskOf: Map<string, string>;
  kindOf: Map<string, Kind>;
};
export const newPool = (): Pool => ({
  tasks: new Set(),
  steps: new Set(),
  approvals: new Map(),
  open: new Map(),
  leases: new Map(),
  live: new Map(),
  hashes: new Set(),
  keys: new Set(),
  webhooks: new Set(),
  grants: new Set(),
  proposals: new Set(),
  taskOf: new Map(),
  kindOf: new Map(),
});

export const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
export const pick = <T>(g: G, items: Iterable<T>): T | undefined => {
  const all = [...items];
  return all.length === 0 ? undefined : all[g(fc.nat, all.length - 1)];
};

/** Remember every id a response shows (tasks, steps, approvals and their hashes, leases, keys, webhooks). */
export function harvest(pool: Pool, v: unknown): void {
  if (Array.isArray(v)) return v.forEach((x) => harvest(pool, x));
  if (!isObj(v)) return;
  const [id, taskId, stepId, leaseId, hash, approvalId] = [str(v.id), str(v.taskId), str(v.stepId), str(v.leaseId), str(v.paramsHash), str(v.approvalId)];
  if (taskId) pool.tasks.add(taskId);
  if (stepId) pool.steps.add(stepId);
  if (stepId && leaseId) {
    pool.leases.set(leaseId, stepId);
    pool.live.set(leaseId, stepId);
  }
  if (hash) pool.hashes.add(hash);
  if (approvalId && hash) pool.approvals.set(approvalId, hash);
  if (id && Array.isArray(v.steps)) pool.tasks.add(id);
  const kind = KINDS.find((k) => k === v.kind);
  if (approvalId && kind) pool.kindOf.set(approvalId, kind);
  if (id && taskId && hash) {
    // A step, with its open approval when it has one.
    pool.steps.add(id);
    pool.taskOf.set(id, taskId);
    if (kind) pool.kindOf.set(id, kind);
    if (isObj(v.approval) && str(v.approval.id)) {
      pool.approvals.set(v.approval.id as string, hash);
      if (kind) pool.kindOf.set(v.approval.id as string, kind);
    }
  }
  if (id && str(v.principal) && str(v.role)) pool.keys.add(id);
  if (id && str(v.url) && Array.isArray(v.events)) pool.webhooks.add(id);
  if (id && taskId && isObj(v.matcher) && !str(v.grantId)) pool.grants.add(id);
  if (id && str(v.grantId) && isObj(v.rule)) pool.proposals.add(id);
  for (const x of Object.values(v)) harvest(pool, x);
}

// ------------------------------------------------------------------ values

export const EDGE_NUMBERS: unknown[] = [-1, 0, -0, 0.5, 3601, 1e21, 2 ** 53 + 1, -1e308, 1e308, Number.NaN, Number.POSITIVE_INFINITY, 'NaN', 'Infinity', '-1', '5', '1e3', null];
export const ODD_TEXT = ['\u0000', '\ud800', '\udfff\ud800', '\u202eevil', 'é', '👩‍👩‍👧', '\ufeff', 'ﷺ'.repeat(300), '../../etc/passwd', "'; DROP TABLE steps; --", '%00', '${x}'];
const ODD_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', '', 'extra', '\u0000'];
const SIZES = [65, 101, 201, 501, 1001, 4097, 20_001, 262_145];
export const GENEROUS = { ratePerSecond: 100_000, burst: 100_000 };

const junk = (g: G): unknown => g(() => fc.oneof(fc.constant(null), fc.boolean(), fc.constantFrom(...EDGE_NUMBERS), fc.string(), fc.constant([]), fc.constant({}), fc.jsonValue({ maxDepth: 2 })));
const oddString = (g: G): string => (g(fc.boolean) ? g(fc.constantFrom, ...ODD_TEXT) : g(fc.string, { unit: 'binary', maxLength: 40 }));
const hex64 = (g: G): string => g(fc.stringMatching, /^[0-9a-f]{64}$/);

/** An id: mostly one seen in this workspace, sometimes the other workspace's, sometimes anything. */
function idOf(g: G, own: Iterable<string>, foreign: Iterable<string>): string {
  const choice = g(fc.nat, 19);
  if (choice < 16) return pick(g, own) ?? g(fc.ulid);
  if (choice < 19) return pick(g, foreign) ?? g(fc.uuid);
  return g(() => fc.oneof(fc.ulid(), fc.uuid(), fc.constant(''), fc.constant('x'.repeat(65)), fc.string({ unit: 'grapheme', maxLength: 20 })));
}

function paramsFor(g: G, kind: Kind): Obj {
  switch (kind) {
    case 'read':
      return { tool: g(fc.constantFrom, 'read_file', 'search', 'grep'), paths: ['src/a.ts'] };
    case 'edit_file':
      return g(fc.boolean) ? { path: 'src/a.ts', patch: patch('src/a.ts') } : { path: 'src/b.ts', content: g(fc.string) };
    case 'delete_file':
      return { path: g(fc.constantFrom, 'tmp/x', '/etc/passwd', 'src/../../x') };
    case 'run_command':
      return { command: g(fc.constantFrom, 'npm test', 'ls -la', 'rm -rf /'), ...(g(fc.boolean) ? { cwd: 'src' } : {}) };
    case 'execute_code':
      return { language: 'python', code: 'print(1)' };
    case 'network':
      return { method: 'GET', url: 'https://example.com/api' };
    case 'clarify':
      return { questions: ['Which branch?', 'Why?'].slice(0, g(fc.integer, { min: 1, max: 2 })) };
    case 'custom':
      return { tool: 'deploy', input: g(fc.jsonValue, { maxDepth: 2 }) };
  }
}
function stepInput(g: G, key: string, earlier: string[]): Obj {
  const kind = g(fc.constantFrom, ...KINDS);
  return {
    key,
    kind,
    title: `Step ${key}`,
    params: paramsFor(g, kind),
    dependsOn: earlier.filter(() => g(fc.boolean)).slice(0, 2),
    ...(g(fc.boolean) ? { idempotent: g(fc.boolean) } : {}),
    ...(g(fc.boolean) ? { risk: g(fc.constantFrom, 'low', 'medium', 'high') } : {}),
  };
}
function policyInput(g: G): Obj {
  return {
    mode: g(fc.constantFrom, 'manual', 'copilot', 'autopilot'),
    rules: g(fc.boolean)
      ? [
          { name: 'no-rm', match: { kind: 'run_command', command: 'rm -rf' }, action: 'deny' },
          { match: { kind: g(fc.constantFrom, ...KINDS) }, action: g(fc.constantFrom, 'allow', 'ask', 'deny') },
        ]
      : [],
    requiredApprovals: g(fc.integer, { min: 1, max: 2 }),
    preventSelfApproval: g(fc.boolean),
    leaseSeconds: 3600,
  };
}

/** A valid input for each known procedure, from the ids seen so far; anything for one it does not know. */
export function validInput(g: G, path: string, own: Pool, foreign: Pool): unknown {
  const task = () => idOf(g, own.tasks, foreign.tasks);
  const step = () => idOf(g, own.steps, foreign.steps);
  const lease = (): Obj => {
    const [leaseId, stepId] = pick(g, g(fc.nat, 4) > 0 ? own.live : own.leases) ?? [g(fc.ulid), step()];
    return { stepId, leaseId };
  };
  const approval = (): Obj => {
    const [approvalId, paramsHash] = pick(g, g(fc.nat, 4) > 0 ? own.open : own.approvals) ?? [idOf(g, [], foreign.approvals.keys()), hex64(g)];
    const decision = g(fc.constantFrom, 'approve', 'approve', 'reject', 'request_changes', 'skip', 'answer', 'modify');
    return {
      approvalId,
      decision,
      paramsHash,
      ...(decision === 'request_changes' ? { feedback: 'smaller, please' } : {}),
      ...(decision === 'answer' ? { answer: 'main' } : {}),
      ...(decision === 'modify' ? { params: paramsFor(g, own.kindOf.get(String(approvalId)) ?? g(fc.constantFrom, ...KINDS)) } : {}),
    };
  };
  // A few shared keys, so replays and reuse with other input both happen.
  const idem = () => (g(fc.nat, 3) === 0 ? { idempotencyKey: `idem-${g(fc.nat, 4)}` } : {});
  switch (path) {
    case 'workspaces.create':
      return { id: uniqueId('fz'), name: 'Fuzzed' };
    case 'workspaces.list':
      return { limit: g(fc.integer, { min: 1, max: 200 }) };
    case 'workspaces.setLimits':
      return { limits: { perKey: { ...GENEROUS }, perWorkspace: { ...GENEROUS } } };
    case 'keys.create':
      return { principal: `fz-${g(fc.nat, 20)}`, role: g(fc.constantFrom, 'viewer', 'agent', 'approver', 'admin'), ...idem() };
    case 'keys.revoke':
      return { id: idOf(g, own.keys, foreign.keys), ...idem() };
    // People, groups, delegations (docs/people.md): a few names, so links, chains and repeats all happen.
    case 'people.link':
      return { principal: `fz-${g(fc.nat, 6)}`, person: `fz-${g(fc.nat, 6)}`, ...idem() };
    case 'people.unlink':
      return { principal: `fz-${g(fc.nat, 6)}`, ...idem() };
    case 'people.list':
      return g(fc.boolean) ? { person: `fz-${g(fc.nat, 6)}` } : {};
    case 'groups.set':
      return { name: `g${g(fc.nat, 3)}`, members: [`fz-${g(fc.nat, 6)}`, 'alice'], ...idem() };
    case 'groups.delete':
      return { name: `g${g(fc.nat, 3)}`, ...idem() };
    case 'delegations.set':
      return { to: `fz-${g(fc.nat, 6)}`, until: Date.now() + g(fc.integer, { min: -1000, max: 100 * 86_400_000 }), ...idem() };
    case 'delegations.list':
      return { all: g(fc.boolean) };
    case 'delegations.revoke':
      return { id: g(fc.uuid), ...idem() };
    case 'policy.set':
      return { policy: policyInput(g), ...idem() };
    case 'policy.simulate':
      return { policy: policyInput(g), limit: g(fc.integer, { min: 1, max: 500 }) };
    case 'policy.evaluate':
      return { step: stepInput(g, 'e', []), ...(g(fc.boolean) ? { mode: 'autopilot' } : {}) };
    case 'tasks.plan': {
      // Sometimes an agent session: an open task (maybe with no step yet), found again by its session.
      const open = g(fc.nat, 3) === 0;
      const keys = Array.from({ length: g(fc.integer, { min: open ? 0 : 1, max: 4 }) }, (_, i) => `s${i}`);
      const session = open && g(fc.boolean) ? { session: `fz-${g(fc.nat, 3)}` } : {};
      return { title: `${g(fc.string, { maxLength: 30 })}x`, steps: keys.map((k, i) => stepInput(g, k, keys.slice(0, i))), ...(open ? { open: true } : {}), ...session, ...idem() };
    }
    case 'tasks.append': {
      const key = `a${g(fc.nat, 50)}`;
      return { taskId: task(), steps: [stepInput(g, key, g(fc.boolean) ? ['s0'] : [])], ...idem() };
    }
    case 'tasks.close':
      return { taskId: task(), ...idem() };
    case 'grants.list':
      return { ...(g(fc.boolean) ? { taskId: task() } : {}), includeRevoked: g(fc.boolean) };
    case 'grants.revoke':
      return { grantId: idOf(g, own.grants, foreign.grants), ...idem() };
    case 'grants.proposals':
      return { all: g(fc.boolean) };
    case 'grants.confirm':
      return { proposalId: idOf(g, own.proposals, foreign.proposals), ...idem() };
    case 'tasks.get':
      return { taskId: task() };
    case 'tasks.list':
      return { limit: g(fc.integer, { min: 1, max: 200 }), ...(g(fc.boolean) ? { status: 'active' } : {}) };
    case 'tasks.revise': {
      const stepId = step();
      return { taskId: own.taskOf.get(stepId) ?? task(), stepId, params: paramsFor(g, own.kindOf.get(stepId) ?? g(fc.constantFrom, ...KINDS)), ...idem() };
    }
    case 'tasks.setMode':
      return { taskId: task(), mode: g(fc.constantFrom, 'manual', 'copilot', 'autopilot'), ...idem() };
    case 'tasks.cancel':
      return { taskId: task(), reason: 'fuzz', ...idem() };
    case 'approvals.list':
      return { limit: 200, ...(g(fc.boolean) ? { taskId: task() } : {}) };
    case 'approvals.decide': {
      // Sometimes "for this session" or "always" (refused with a decision other than approve or modify).
      const scope = g(fc.constantFrom, undefined, undefined, 'once', 'task', 'always');
      return { ...approval(), ...(scope ? { scope } : {}), ...idem() };
    }
    case 'approvals.decideMany':
      return { items: Array.from({ length: g(fc.integer, { min: 1, max: 3 }) }, approval), ...idem() };
    case 'steps.get':
      return g(fc.nat, 3) === 0 ? { taskId: task(), key: g(fc.constantFrom, 's0', 's1', 'a1') } : { stepId: step() };
    case 'steps.claim':
      return { max: g(fc.integer, { min: 1, max: 5 }), ...(g(fc.boolean) ? { taskId: task() } : {}), ...(g(fc.boolean) ? { leaseSeconds: 3600 } : {}) };
    case 'steps.heartbeat':
      return { ...lease(), leaseSeconds: 3600 };
    case 'steps.complete':
      return { ...lease(), ...(g(fc.boolean) ? { output: g(fc.jsonValue, { maxDepth: 2 }) } : {}), ...(g(fc.boolean) ? { usage: { inputTokens: 10, costUsd: 0.01 } } : {}), ...idem() };
    case 'steps.fail':
      return { ...lease(), error: { message: 'boom', retryable: g(fc.boolean) }, ...idem() };
    case 'events.list':
      return { after: g(fc.nat, 50), limit: g(fc.integer, { min: 1, max: 200 }), ...(g(fc.boolean) ? { taskId: task() } : {}) };
    // Loopback, port 9: deliveries fail at once and never leave the machine.
    case 'webhooks.create':
      return { url: 'http://127.0.0.1:9/hook', events: ['task.finished'], ...idem() };
    case 'webhooks.delete':
      return { id: idOf(g, own.webhooks, foreign.webhooks), ...idem() };
    case 'webhooks.deliveries':
      return { limit: 10 };
    case 'audit.export':
      return {
        after: g(fc.nat, 50),
        format: g(fc.constantFrom, 'ndjson', 'csv'),
        limit: g(fc.integer, { min: 1, max: 50 }),
        ...(g(fc.boolean) ? { before: g(fc.integer, { min: 51, max: 200 }) } : {}),
      };
    default:
      return g(fc.boolean) ? undefined : junk(g);
  }
}

// ------------------------------------------------------------------ mutations

type Seg = string | number;
function paths(v: unknown, at: Seg[] = [], out: Seg[][] = []): Seg[][] {
  out.push(at);
  if (Array.isArray(v)) v.forEach((x, i) => paths(x, [...at, i], out));
  else if (isObj(v)) for (const [k, x] of Object.entries(v)) paths(x, [...at, k], out);
  return out;
}
/** Set an own, enumerable property, even "__proto__", so it reaches the wire. */
const put = <T extends object>(o: T, k: Seg, value: unknown): T => Object.defineProperty(o, k, { value, enumerable: true, writable: true, configurable: true });
function replaceAt(root: unknown, at: Seg[], f: (v: unknown) => unknown): unknown {
  if (at.length === 0) return f(root);
  const parent = at.slice(0, -1).reduce<unknown>((v, k) => (v as Obj)[k as string], root) as Obj;
  const last = at.at(-1)!;
  const next = f(parent[last as string]);
  if (next === undefined && !Array.isArray(parent)) delete parent[last as string];
  else put(parent, last, next);
  return root;
}

const ID_FIELDS = new Set(['taskId', 'stepId', 'approvalId', 'id', 'webhookId', 'cursor']);

/** One to three mutations of a valid input. */
export function mutate(g: G, input: unknown, own: Pool, foreign: Pool): unknown {
  let v: unknown = input === undefined ? {} : structuredClone(input);
  for (let n = g(fc.integer, { min: 1, max: 3 }); n > 0; n--) {
    const all = paths(v);
    const at = pick(g, all) ?? [];
    switch (g(fc.constantFrom, 'drop', 'extraKey', 'retype', 'oversize', 'number', 'unicode', 'wrap', 'ids', 'ids', 'whole')) {
      case 'drop':
        v = replaceAt(v, at, () => undefined);
        break;
      case 'extraKey':
        v = replaceAt(v, at, (x) => (isObj(x) ? put(x, g(fc.constantFrom, ...ODD_KEYS), g(fc.boolean) ? { polluted: true } : junk(g)) : x));
        break;
      case 'retype':
        v = replaceAt(v, at, () => junk(g));
        break;
      case 'oversize':
        v = replaceAt(v, at, () => g(fc.constantFrom, 'x', 'é', '\u{1F600}').repeat(g(fc.constantFrom, ...SIZES)));
        break;
      case 'number':
        v = replaceAt(v, at, () => g(fc.constantFrom, ...EDGE_NUMBERS));
        break;
      case 'unicode':
        v = replaceAt(v, at, () => oddString(g));
        break;
      case 'wrap':
        v = replaceAt(v, at, (x) => [x]);
        break;
      case 'whole':
        v = g(() => fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.constant([input]), fc.constant('input')));
        break;
      case 'ids':
        // The other workspace's ids, stale paramsHashes and old leases, in every id-like field.
        for (const p of all) {
          const key = p.at(-1);
          if (key === 'paramsHash') v = replaceAt(v, p, () => pick(g, [...own.hashes, ...foreign.hashes]) ?? hex64(g));
          else if (key === 'leaseId') v = replaceAt(v, p, () => pick(g, [...own.leases.keys(), ...foreign.leases.keys()]) ?? g(fc.ulid));
          else if (typeof key === 'string' && ID_FIELDS.has(key)) v = replaceAt(v, p, () => idOf(g, [], [...foreign.tasks, ...foreign.steps, ...foreign.approvals.keys()]));
        }
        break;
    }
  }
  return v;
}

/**
 * Lengthen leases, timeouts and rate limits that would fall due during the run: an alarm
 * firing between two snapshots would look like a change made by an error. Only values
 * the schema accepts are touched; invalid ones go out as generated.
 */
export function keepTimeStill({ path, input }: Call): void {
  const lengthen = (o: unknown, field: string, below: number, to: unknown, ifMissing = false) => {
    if (!isObj(o)) return;
    const x = o[field];
    if ((typeof x === 'number' && x > 0 && x < below) || (ifMissing && x === undefined)) o[field] = to;
  };
  if (path === 'steps.claim' || path === 'steps.heartbeat') lengthen(input, 'leaseSeconds', 600, 3600);
  if (path === 'policy.set' && isObj(input)) {
    // A policy without leaseSeconds means the default, 60 s.
    lengthen(input.policy, 'leaseSeconds', 600, 3600, true);
    lengthen(input.policy, 'timeoutSeconds', 600, 3600);
    if (isObj(input.policy) && Array.isArray(input.policy.rules)) for (const r of input.policy.rules) lengthen(r, 'timeoutSeconds', 600, 3600);
  }
  if (path === 'workspaces.setLimits' && isObj(input) && isObj(input.limits)) {
    for (const scope of ['perKey', 'perWorkspace']) {
      lengthen(input.limits, scope, 0, { ...GENEROUS }, true);
      for (const f of ['ratePerSecond', 'burst']) lengthen(input.limits[scope], f, 10_000, 100_000, true);
    }
  }
}
