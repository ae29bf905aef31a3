/**
 * `npm run demo`: a real agent working through Greenlight. On a scratch copy of
 * examples/sample-project it reads the code, asks one question, then plans a fix:
 * two file edits as real unified diffs bound to the files' hashes, and a run of the
 * tests. It waits for people to decide (web page or CLI), executes exactly what was
 * approved with the SDK's run() and built-in handlers, and prints the outcome.
 */
import { cp, mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTwoFilesPatch } from 'diff';
import { createClient, type TaskView } from '@greenlight/sdk';
import { commandHandler, fileHandlers, sha256File } from '@greenlight/sdk/node';
import { explain, fail, localKey, localUrl, requireServer } from './local.ts';

const repo = new URL('..', import.meta.url).pathname;
const url = localUrl();
const key = localKey('agent', ['GREENLIGHT_AGENT_KEY', 'AGENT_KEY'], 'demo-agent');
await requireServer(url, 'demo-agent');
const agent = createClient({ url, key });
async function main(): Promise<number> {
  const root = await mkdtemp(join(process.env.DEMO_DIR ?? tmpdir(), 'greenlight-demo-'));
  await cp(join(repo, 'examples', 'sample-project'), root, { recursive: true });
  const say = (line: string) => console.log(`[demo-agent] ${line}`);
  const reviewAt = (task: TaskView) => say(`waiting for review: ${url}/#/tasks/${task.id}  (or: npm run greenlight -- inbox)`);

  say(`working on a scratch copy: ${root}`);

  // Round one: look, and ask.
  const understand = await agent.plan({
    title: 'Understand the temperature module',
    goal: 'find why Fahrenheit conversions are wrong',
    steps: [
      { key: 'read', kind: 'read', title: 'Read the module and its test', params: { tool: 'read_file', paths: ['src/temperature.js', 'test/temperature.test.js'] } },
      {
        key: 'ask',
        kind: 'clarify',
        title: 'Rounding',
        dependsOn: ['read'],
        params: { questions: ['toFahrenheit adds 23 instead of 32. Should results also be rounded to one decimal place? (yes/no)'], placeholder: 'yes or no' },
        explanation: 'The fix changes results; rounding would change them further.',
      },
    ],
  });
  reviewAt(understand);
  const read = async (step: { params: Record<string, unknown> }) => {
    const paths = (step.params.paths as string[] | undefined) ?? [];
    return { output: Object.fromEntries(await Promise.all(paths.map(async (p) => [p, (await readFile(join(root, p), 'utf8')).length] as const))) };
  };
  const first = await agent.run(understand.id, { read }, { concurrency: 2 });
  const answer = first.context.clarifications[0]?.answer;
  if (!answer) {
    say(`the question was not answered (task ${first.status}); stopping`);
    return 1;
  }
  const round = /^\s*y/i.test(answer);
  say(`answer: "${answer}" -> ${round ? 'round to one decimal' : 'no rounding'}`);

  // Round two: the fix, as diffs against the files exactly as read.
  const modulePath = 'src/temperature.js';
  const testPath = 'test/temperature.test.js';
  const before = { module: await readFile(join(root, modulePath), 'utf8'), test: await readFile(join(root, testPath), 'utf8') };
  const fahrenheit = round ? 'Math.round(((celsius * 9) / 5 + 32) * 10) / 10' : '(celsius * 9) / 5 + 32';
  const afterModule = before.module.replace('return (celsius * 9) / 5 + 23;', `return ${fahrenheit};`);
  // Tests appended in the file's own style (top-level, two-space bodies), so the diff reads cleanly.
  const testFor = (name: string, body: string) => `\ntest('${name}', () => {\n  ${body}\n});\n`;
  const afterTest =
    before.test.replace("import { toCelsius } from '../src/temperature.js';", "import { toCelsius, toFahrenheit } from '../src/temperature.js';") +
    testFor('toFahrenheit converts the boiling point', 'assert.equal(toFahrenheit(100), 212);') +
    (round ? testFor('toFahrenheit rounds to one decimal', 'assert.equal(toFahrenheit(36.6), 97.9);') : '');
  const fix = await agent.plan({
    title: 'Fix toFahrenheit and cover it with tests',
    goal: 'npm test passes with a test for toFahrenheit',
    metadata: { answer },
    steps: [
      {
        key: 'fix',
        kind: 'edit_file',
        title: `Fix the offset in ${modulePath}`,
        risk: 'low',
        params: { path: modulePath, patch: createTwoFilesPatch(`a/${modulePath}`, `b/${modulePath}`, before.module, afterModule) },
        baseHash: await sha256File(join(root, modulePath)),
        explanation: 'Fahrenheit is Celsius × 9/5 + 32, not + 23.',
      },
      {
        key: 'test',
        kind: 'edit_file',
        title: `Test toFahrenheit in ${testPath}`,
        params: { path: testPath, patch: createTwoFilesPatch(`a/${testPath}`, `b/${testPath}`, before.test, afterTest) },
        baseHash: await sha256File(join(root, testPath)),
      },
      { key: 'run', kind: 'run_command', title: 'Run the tests', params: { command: 'node --test', cwd: '.' }, dependsOn: ['fix', 'test'] },
    ],
  });
  reviewAt(fix);
  const done = await agent.run(fix.id, { ...fileHandlers({ root }), ...commandHandler({ cwd: root, timeoutMs: 60_000 }) }, { concurrency: 2 });

  for (const s of done.steps) say(`${s.status.padEnd(10)} ${s.key}: ${s.title}`);
  const testRun = done.steps.find((s) => s.key === 'run');
  const out = testRun?.result?.output as { stdout?: string } | undefined;
  if (out?.stdout)
    say(
      `node --test said:\n${out.stdout
        .trim()
        .split('\n')
        .filter((l) => /^(# |ℹ )(pass|fail) /.test(l))
        .join('\n')}`,
    );
  say(`task ${done.status}; the changed files are in ${root}`);
  return done.status === 'completed' ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => fail('demo-agent', explain(err, url)),
);
