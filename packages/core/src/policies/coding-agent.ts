/**
 * A worked example policy, as a real coding-agent setup uses it: reads anywhere;
 * writes allowed in the source tree (apps/, packages/, docs/, tests/); never in the
 * agent's own memory and persona, logs, git internals or dependencies; the test
 * command runs by itself; destructive commands never; everything else asks.
 */
import type { PolicyInput } from '../schemas/policy.ts';

/** Recursive rm of /, ~, $HOME, .., * or an absolute path; a forced git push; mkfs; dd onto a device (RE2 syntax). */
const DESTRUCTIVE = "^(rm( -[^ ]+)* -([a-zA-Z]*[rR][a-zA-Z]*|-recursive)( [^ ]+)* ('?/|~|\\$HOME|\\.\\.|\\*)|git push( .*)? (--force|--force-with-lease|-f)( |$)|mkfs|dd .*of=/dev/)";

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
    // Command rules see one simple command at a time (`npm test; rm -rf ~` is `npm test`, then `rm -rf ~`),
    // with wrappers unwrapped (`sudo rm -rf /` is also `rm -rf /`): anchors mean the start of a command.
    { name: 'no-destructive-commands', match: { kind: 'run_command', command: DESTRUCTIVE }, action: 'deny', reason: 'destructive command' },
    { name: 'source-edits', match: { kind: 'edit_file', path: '{apps,packages,docs,tests}/**' }, action: 'allow' },
    // Allowed only when every command of the line is, and with no substitution, redirection into a file, subshell or payload.
    { name: 'run-the-tests', match: { kind: 'run_command', command: '^(npm (test|run (test|lint|typecheck))|node --test)( |$)' }, action: 'allow' },
    { name: 'deletes-need-two', match: { kind: 'delete_file' }, action: 'ask', requiredApprovals: 2, timeoutSeconds: 3600, defaultOnTimeout: 'reject' },
  ],
  requiredApprovals: 1,
  preventSelfApproval: true,
  defaultOnTimeout: 'reject',
};
