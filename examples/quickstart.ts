// The README's quick start: an agent plans, a reviewer approves, the agent executes.
// Run it while `npm start` runs: it reads the demo keys `npm start` saved (or
// GREENLIGHT_URL, AGENT_KEY and APPROVER_KEY from the environment).
import { createClient } from '@greenlight/sdk';
import { explain, fail, localKey, localUrl, requireServer } from './local.ts';

const url = localUrl();
const agentKey = localKey('agent', ['AGENT_KEY', 'GREENLIGHT_AGENT_KEY'], 'quickstart');
const approverKey = localKey('approver', ['APPROVER_KEY', 'GREENLIGHT_APPROVER_KEY'], 'quickstart');
await requireServer(url, 'quickstart');

async function main(): Promise<string> {
  const agent = createClient({ url, key: agentKey });
  const reviewer = createClient({ url, key: approverKey });

  const task = await agent.plan({
    title: 'Say hello',
    steps: [{ key: 'hello', kind: 'run_command', title: 'Print hello', params: { command: 'echo hello' } }],
  });
  const [approval] = (await reviewer.approvals.list.query({ taskId: task.id })).items;
  await reviewer.approvals.decide.mutate({ approvalId: approval!.approvalId, decision: 'approve', paramsHash: approval!.paramsHash });
  const [step] = (await agent.steps.claim.mutate({ taskId: task.id })).steps;
  await agent.steps.complete.mutate({ stepId: step!.stepId, leaseId: step!.leaseId, output: { stdout: 'hello\n' } });
  return (await agent.tasks.get.query({ taskId: task.id })).status; // completed
}

await main().then(console.log, (err: unknown) => fail('quickstart', explain(err, url)));
