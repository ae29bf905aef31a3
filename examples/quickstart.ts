// The README's quick start: an agent plans, a reviewer approves, the agent executes.
// Run it against `npm start`: GREENLIGHT_URL, AGENT_KEY and APPROVER_KEY from its output.
import { createClient } from '@greenlight/sdk';

const url = process.env.GREENLIGHT_URL ?? 'http://127.0.0.1:8787';
const agent = createClient({ url, key: process.env.AGENT_KEY! });
const reviewer = createClient({ url, key: process.env.APPROVER_KEY! });

const task = await agent.plan({
  title: 'Say hello',
  steps: [{ key: 'hello', kind: 'run_command', title: 'Print hello', params: { command: 'echo hello' } }],
});
const [approval] = (await reviewer.approvals.list.query({ taskId: task.id })).items;
await reviewer.approvals.decide.mutate({ approvalId: approval!.approvalId, decision: 'approve', paramsHash: approval!.paramsHash });
const [step] = (await agent.steps.claim.mutate({ taskId: task.id })).steps;
await agent.steps.complete.mutate({ stepId: step!.stepId, leaseId: step!.leaseId, output: { stdout: 'hello\n' } });
console.log((await agent.tasks.get.query({ taskId: task.id })).status); // completed
