/**
 * A worked example policy, as a real coding-agent setup uses it: reads anywhere;
 * writes allowed in the source tree (apps/, packages/, docs/, tests/); never in the
 * agent's own memory and persona, logs, git internals or dependencies; the test
 * command runs by itself; destructive commands never; everything else asks.
 */
import type { PolicyInput } from '../schemas/policy.ts';

export const CODING_AGENT_POLICY_INPUT: PolicyInput = {
  mode: 'copilot',
  rules: [
    { name: 'reads-everywhere', match: { kind: 'read' }, action: 'allow' },
    {
      name: 'protected-paths',
      match: { path: '{memory,persona,logs,.git,node_modules}/**' },
      action: 'deny',
      reason: 'agent memory, persona, logs, git internals and dependencies are never written by an agent',
    },
    { name: 'nested-dependencies', match: { path: '**/node_modules/**' }, action: 'deny', reason: 'dependencies are installed, not edited' },
    { name: 'no-destructive-commands', match: { kind: 'run_command', command: '(^|[;&|]\\s*)(rm\\s+-[a-zA-Z]*r[a-zA-Z]*f?\\s+/|git\\s+push\\s+.*--force|mkfs|dd\\s+if=)' }, action: 'deny', reason: 'destructive command' },
    { name: 'source-edits', match: { kind: 'edit_file', path: '{apps,packages,docs,tests}/**' }, action: 'allow' },
    { name: 'run-the-tests', match: { kind: 'run_command', command: '^(npm (test|run (test|lint|typecheck))|node --test)(\\s|$)' }, action: 'allow' },
    { name: 'deletes-need-two', match: { kind: 'delete_file' }, action: 'ask', requiredApprovals: 2, timeoutSeconds: 3600, defaultOnTimeout: 'reject' },
  ],
  requiredApprovals: 1,
  preventSelfApproval: true,
  defaultOnTimeout: 'reject',
};
