/**
 * Tasks that put the review page in each of its states, filled with the content that
 * breaks layouts: long unbreakable paths, command lines, diff lines, URLs, keys, titles
 * and names. Built through the SDK against the real server, as an agent and reviewers would.
 */
import type { TaskView } from '@greenlight/core';
import type { GreenlightClient } from '@greenlight/sdk';

const key = (prefix: string) => `${prefix}-${'and-so-on'.repeat(20)}`.slice(0, 100);

export const LONG = {
  path: `packages/${'a-deeply-nested-directory/'.repeat(6)}with-a-file-name-that-goes-on-without-a-single-space.config.ts`,
  title: `Rename ${'SomeVeryLongIdentifierName'.repeat(6)}`,
  word: 'Supercalifragilisticexpialidocious'.repeat(5),
  command: `node scripts/migrate.js --config=${'config/'.repeat(20)}db.json --tables=${'users,orders,'.repeat(20)}audit && echo done`,
  url: `https://example.com/${'path-segment/'.repeat(25)}?query=${'x'.repeat(120)}`,
  line: `export const ROUTES = ['/api/v1/${'segment/'.repeat(40)}end'];`,
  /** A principal is up to 200 characters and has no spaces. */
  agent: `release-bot.${'platform-infrastructure-'.repeat(5)}team@ci.example.com`,
};

const patch = (path: string) =>
  [
    `--- a/${path}`,
    `+++ b/${path}`,
    '@@ -1,3 +1,4 @@',
    ' // routes',
    `-${LONG.line.replace('end', 'old')}`,
    `+${LONG.line}`,
    `+export const ${'LONG_NAME_'.repeat(12)} = true;`,
    ' export default ROUTES;',
    '',
  ].join('\n');

/** One task with one open approval of every kind (the read is allowed by the policy). */
export function planEveryKind(agent: GreenlightClient): Promise<TaskView> {
  const read = key('read');
  return agent.plan({
    title: LONG.title,
    goal: `Tidy the routes. ${LONG.word}`,
    steps: [
      { key: read, kind: 'read', title: 'Read the routes', params: { tool: 'read_file', paths: [LONG.path, `${LONG.path}.bak`] } },
      {
        key: key('edit'),
        kind: 'edit_file',
        title: 'Point the routes at v1',
        params: { path: LONG.path, patch: patch(LONG.path) },
        dependsOn: [read],
        explanation: `The old route is gone: ${LONG.word}`,
        risk: 'high',
      },
      { key: 'new-file', kind: 'edit_file', title: 'Add a config', params: { path: `${LONG.path}.new`, content: `${LONG.line}\n${LONG.word}\n` }, risk: 'medium' },
      { key: 'delete', kind: 'delete_file', title: 'Delete the old config', params: { path: `${LONG.path}.old` }, dependsOn: [read] },
      { key: 'command', kind: 'run_command', title: 'Migrate', params: { command: LONG.command, cwd: LONG.path.slice(0, 120) } },
      { key: 'code', kind: 'execute_code', title: 'Count routes', params: { language: 'python', code: `print(len(${'routes_and_more_'.repeat(12)}))` } },
      { key: 'fetch', kind: 'network', title: 'Fetch the spec', params: { method: 'GET', url: LONG.url } },
      { key: 'ask', kind: 'clarify', title: 'Which API version?', params: { questions: [`Which of ${LONG.word} should I pick?`, 'v1 or v2?'], placeholder: 'v1 or v2' } },
      { key: 'custom', kind: 'custom', title: 'Summarise', params: { tool: 'llm', input: { prompt: LONG.word, files: [LONG.path] } } },
    ],
  });
}

/** Decides `stepKey`'s open approval as `who`. */
async function decide(
  who: GreenlightClient,
  taskId: string,
  stepKey: string,
  decision: 'approve' | 'reject' | 'request_changes' | 'skip' | 'modify' | 'answer',
  extra: { feedback?: string; answer?: string; params?: Record<string, unknown> } = {},
) {
  const { items } = await who.approvals.list.query({ taskId });
  const a = items.find((i) => i.stepKey === stepKey);
  if (!a) throw new Error(`no open approval for ${stepKey}`);
  await who.approvals.decide.mutate({ approvalId: a.approvalId, decision, paramsHash: a.paramsHash, ...extra });
}

/**
 * One active task whose steps ended every way: completed with output and usage, failed,
 * executing after a modify, rejected (and its dependent blocked), changes requested,
 * skipped, a question answered, and one vote of two.
 */
export async function planDecided(agent: GreenlightClient, reviewer: GreenlightClient): Promise<TaskView> {
  const task = await agent.plan({
    title: 'Every outcome',
    steps: [
      { key: 'done', kind: 'run_command', title: 'Build', params: { command: 'npm run build' } },
      { key: 'broken', kind: 'run_command', title: 'Lint', params: { command: 'npm run lint' } },
      { key: 'running', kind: 'execute_code', title: 'Long job', params: { language: 'python', code: 'run()' } },
      { key: 'no', kind: 'edit_file', title: 'Rewrite everything', params: { path: LONG.path, content: 'x\n' } },
      { key: 'later', kind: 'run_command', title: 'After the rewrite', params: { command: 'npm test' }, dependsOn: ['no'] },
      { key: 'redo', kind: 'run_command', title: 'Deploy', params: { command: 'npm run deploy' } },
      { key: 'skip', kind: 'network', title: 'Ping', params: { method: 'GET', url: LONG.url } },
      { key: 'asked', kind: 'clarify', title: 'Which region?', params: { questions: ['Which region?'] } },
      { key: 'two', kind: 'delete_file', title: 'Delete the cache', params: { path: LONG.path } },
    ],
  });
  const id = task.id;
  await decide(reviewer, id, 'done', 'approve');
  await decide(reviewer, id, 'broken', 'approve');
  await decide(reviewer, id, 'running', 'modify', { params: { language: 'python', code: `run(${'"--verbose", '.repeat(30)})` } });
  await decide(reviewer, id, 'no', 'reject', { feedback: `Too much at once: ${LONG.word}` });
  await decide(reviewer, id, 'redo', 'request_changes', { feedback: `Deploy to staging first, ${LONG.url}` });
  await decide(reviewer, id, 'skip', 'skip');
  await decide(reviewer, id, 'asked', 'answer', { answer: `eu-west-1 ${LONG.word}` });
  await decide(reviewer, id, 'two', 'approve');
  const { steps } = await agent.steps.claim.mutate({ taskId: id, max: 10 });
  const lease = (k: string) => {
    const s = steps.find((c) => c.key === k);
    if (!s) throw new Error(`${k} was not claimed`);
    return { stepId: s.stepId, leaseId: s.leaseId };
  };
  await agent.steps.complete.mutate({ ...lease('done'), output: { stdout: `${LONG.line}\n${LONG.word}` }, usage: { inputTokens: 12_000, outputTokens: 3400, costUsd: 0.42 } });
  await agent.steps.fail.mutate({ ...lease('broken'), error: { message: `lint failed in ${LONG.path}: ${LONG.word}`, code: 'exit_code' } });
  return agent.tasks.get.query({ taskId: id });
}

/** A finished task: one step approved and completed. */
export async function planCompleted(agent: GreenlightClient, reviewer: GreenlightClient): Promise<TaskView> {
  const task = await agent.plan({ title: 'Done and dusted', steps: [{ key: 'only', kind: 'run_command', title: 'Test', params: { command: 'npm test' } }] });
  await decide(reviewer, task.id, 'only', 'approve');
  const [s] = (await agent.steps.claim.mutate({ taskId: task.id })).steps;
  if (!s) throw new Error('nothing to claim');
  await agent.steps.complete.mutate({ stepId: s.stepId, leaseId: s.leaseId, output: { passed: 12 } });
  return agent.tasks.get.query({ taskId: task.id });
}

/** A cancelled task, with a long reason. */
export async function planCancelled(agent: GreenlightClient, reviewer: GreenlightClient): Promise<TaskView> {
  const task = await agent.plan({ title: 'Never mind', steps: [{ key: 'only', kind: 'run_command', title: 'Test', params: { command: 'npm test' } }] });
  await reviewer.tasks.cancel.mutate({ taskId: task.id, reason: `Superseded by ${LONG.url}` });
  return agent.tasks.get.query({ taskId: task.id });
}
