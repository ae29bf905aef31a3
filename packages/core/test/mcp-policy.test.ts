import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CustomParams,
  McpServerName,
  Policy,
  effectiveAnnotations,
  evaluatePolicy,
  mcpServerOf,
  mcpToolName,
  pickAnnotations,
  type McpAnnotations,
  type PolicyInput,
  type PolicySubject,
} from '../src/index.ts';

const call = (server: string, tool: string, annotations?: McpAnnotations): PolicySubject => ({
  kind: 'custom',
  params: { tool: mcpToolName(server, tool), input: {}, ...(annotations ? { annotations } : {}) },
});
const verdict = (p: PolicyInput, s: PolicySubject) => evaluatePolicy(Policy.parse(p), s);
const issues = (p: PolicyInput) => {
  const r = Policy.safeParse(p);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};

describe('MCP tool names', () => {
  it('mcp__<server>__<tool> splits back to its server', () => {
    expect(mcpToolName('files', 'read_file')).toBe('mcp__files__read_file');
    expect(mcpServerOf('mcp__files__read_file')).toBe('files');
    expect(mcpServerOf('mcp__my-srv__a__b')).toBe('my-srv');
    for (const t of ['read_file', 'mcp__', 'mcp____x', 'mcpx__a__b']) expect(mcpServerOf(t)).toBeUndefined();
  });

  it('server names: letters, digits, "-" and single "_"; never "__", which would make the split ambiguous', () => {
    for (const ok of ['files', 'my-server', 'a_b', 'GitHub2']) expect(McpServerName.safeParse(ok).success).toBe(true);
    for (const bad of ['', 'a__b', '_a', 'a_', 'a b', 'a/b', 'x'.repeat(41)]) expect(McpServerName.safeParse(bad).success).toBe(false);
  });

  it('property: for every valid server name and any tool, the server comes back out of the tool name', () => {
    const server = fc.stringMatching(/^[A-Za-z0-9](?:[A-Za-z0-9-]|_[A-Za-z0-9-])*$/).filter((s) => s.length <= 40 && !s.includes('__'));
    fc.assert(
      fc.property(server, fc.string({ minLength: 1, maxLength: 128 }), (s, t) => {
        expect(McpServerName.safeParse(s).success).toBe(true);
        expect(mcpServerOf(mcpToolName(s, t))).toBe(s);
      }),
    );
  });

  it('a 128-character MCP tool of a 40-character server fits a custom step', () => {
    const tool = mcpToolName('s'.repeat(40), 't'.repeat(128));
    expect(CustomParams.safeParse({ tool, input: {}, annotations: { readOnlyHint: true } }).success).toBe(true);
    expect(CustomParams.safeParse({ tool, input: {}, annotations: { readOnlyHint: 'yes' } }).success).toBe(false);
  });
});

describe('MCP annotations: the spec defaults', () => {
  it('a tool that declares nothing is destructive, open-world, not read-only, not idempotent', () => {
    expect(effectiveAnnotations({})).toEqual({ readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true });
  });
  it('a read-only tool is never destructive, whatever destructiveHint says', () => {
    expect(effectiveAnnotations({ readOnlyHint: true, destructiveHint: true }).destructiveHint).toBe(false);
  });
  it('pickAnnotations keeps the four boolean hints and drops the rest', () => {
    expect(pickAnnotations({ title: 'T', readOnlyHint: true, destructiveHint: 'no', openWorldHint: false })).toEqual({ readOnlyHint: true, openWorldHint: false });
    expect(pickAnnotations(null)).toEqual({});
  });
});

describe('policy: MCP rules', () => {
  const trustedReads = { name: 'files-reads', match: { server: 'files', annotations: { readOnlyHint: true } }, action: 'allow', trustAnnotations: true } as const;

  it("a rule that trusts a server allows its read-only tools at once, and only that server's", () => {
    expect(verdict({ rules: [trustedReads] }, call('files', 'read', { readOnlyHint: true }))).toMatchObject({ action: 'allow', rule: 'files-reads' });
    expect(verdict({ rules: [trustedReads] }, call('other', 'read', { readOnlyHint: true }))).toMatchObject({ action: 'ask', rule: 'mode:copilot' });
    expect(verdict({ rules: [trustedReads] }, call('files', 'write', { readOnlyHint: false }))).toMatchObject({ action: 'ask' });
    expect(verdict({ rules: [trustedReads] }, call('files', 'unknown'))).toMatchObject({ action: 'ask' });
  });

  it('untrusted hints can make a rule ask or deny: destructive (declared or by default) is denied', () => {
    const rules = [{ name: 'no-destruction', match: { annotations: { destructiveHint: true } }, action: 'deny', reason: 'destructive' }] as const;
    expect(verdict({ mode: 'autopilot', rules: [...rules] }, call('db', 'drop', { destructiveHint: true }))).toMatchObject({ action: 'deny', rule: 'no-destruction' });
    expect(verdict({ mode: 'autopilot', rules: [...rules] }, call('db', 'drop'))).toMatchObject({ action: 'deny' });
    expect(verdict({ mode: 'autopilot', rules: [...rules] }, call('db', 'select', { readOnlyHint: true }))).toMatchObject({ action: 'allow', rule: 'mode:autopilot' });
    // Not an MCP tool: annotations rules do not apply to the agent's own custom tools.
    expect(verdict({ mode: 'autopilot', rules: [...rules] }, { kind: 'custom', params: { tool: 'deploy', input: {} } })).toMatchObject({ action: 'allow' });
  });

  it('a server rule matches every tool of that server', () => {
    const p: PolicyInput = { mode: 'autopilot', rules: [{ match: { server: 'prod' }, action: 'ask' }] };
    expect(verdict(p, call('prod', 'anything'))).toMatchObject({ action: 'ask', rule: 'rules[0]' });
    expect(verdict(p, call('dev', 'anything'))).toMatchObject({ action: 'allow' });
    expect(verdict(p, { kind: 'run_command', params: { command: 'prod' } })).toMatchObject({ action: 'allow' });
  });

  it('policy.set refuses an allow rule that believes hints without trustAnnotations, and trust that names nobody', () => {
    expect(issues({ rules: [{ match: { annotations: { readOnlyHint: true } }, action: 'allow' }] })).toEqual([
      "rules.0.match.annotations: rule rules[0]: an MCP server's annotations are untrusted hints: an allow rule may match on them only with trustAnnotations: true and match.server",
    ]);
    expect(issues({ rules: [{ match: { annotations: { readOnlyHint: true } }, action: 'allow', trustAnnotations: true }] })).toEqual([
      'rules.0.trustAnnotations: rule rules[0]: trustAnnotations must name whom it trusts: add match.server (or match.tool)',
    ]);
    expect(issues({ rules: [{ match: { kind: 'run_command', server: 'x' }, action: 'ask' }] })[0]).toMatch(/server and annotations match MCP tools/);
    expect(issues({ rules: [{ match: { annotations: { destructiveHint: true } }, action: 'deny' }] })).toEqual([]);
    expect(issues({ rules: [trustedReads] })).toEqual([]);
  });

  const annotations = fc.record({ readOnlyHint: fc.boolean(), destructiveHint: fc.boolean(), idempotentHint: fc.boolean(), openWorldHint: fc.boolean() }, { requiredKeys: [] });
  const rule = fc.record({
    match: fc.record({ annotations, server: fc.constantFrom('a', 'b') }, { requiredKeys: [] }),
    action: fc.constantFrom('ask', 'deny', 'allow'),
    trustAnnotations: fc.constantFrom(undefined, true),
  });

  it('property: an allow comes from hints only through a rule that trusts the server the call is from', () => {
    fc.assert(
      fc.property(fc.array(rule, { maxLength: 6 }), fc.constantFrom('a', 'b', 'c'), annotations, (raw, server, a) => {
        const parsed = Policy.safeParse({ mode: 'manual', rules: raw });
        fc.pre(parsed.success);
        const policy = parsed.success ? parsed.data : Policy.parse({});
        const v = evaluatePolicy(policy, call(server, 't', a));
        if (v.action !== 'allow') return;
        const index = Number(/^rules\[(\d+)\]$/.exec(v.rule ?? '')?.[1]);
        const r = policy.rules[index]!;
        expect(r.action).toBe('allow');
        if (r.match.annotations !== undefined) {
          expect(r.trustAnnotations).toBe(true);
          expect(r.match.server).toBe(server);
        }
      }),
    );
  });
});
