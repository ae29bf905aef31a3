/** `greenlight show <taskId>`: the task, its steps with status, dependencies and decisions, and a preview of each. */
import { approvalProgress, decidersText, decisionPeople, revealHiddenDeep, STEP_PAGE_MAX, taskView, type Step, type TaskView } from '@greenlight/core';
import type { GreenlightClient } from '@greenlight/sdk';
import { UsageError } from '../errors.ts';
import { age, oneLine, paintStatus, type Out } from '../output.ts';
import { collectPages } from '../pages.ts';
import { previewLines } from '../preview.ts';
import type { Command } from './spec.ts';

function decisionLine(step: Step, out: Out, now: number): string | undefined {
  const d = step.decision;
  if (!d) return undefined;
  // The people behind it (core's decisionPeople): a rule's own decision names nobody, a raised mode its raiser.
  const people = decisionPeople(d);
  // With how each proved who they are, when recorded (issue 15): "by alice · SSO via Slack".
  const who = d.deciders && d.deciders.length > 0 ? ` by ${decidersText(d)}` : people.length > 0 ? ` by ${people.join(', ')}` : '';
  const why = [d.rule && `rule ${d.rule}`, d.reason, d.feedback && `“${d.feedback}”`, d.answer !== undefined && `answer: ${oneLine(d.answer, 60)}`]
    .filter((x): x is string => typeof x === 'string' && x !== '')
    .join(' · ');
  return `decision: ${out.paint('bold', d.decision)}${who} ${age(d.at, now)} ago${why ? ' — ' + why : ''}`;
}

/**
 * The task as lines for a terminal. Every string from the task (titles, commands,
 * diffs, feedback, errors) is shown through core's revealHidden: an escape sequence
 * or a bidi override in what an agent sent is printed as a visible escape, never obeyed.
 */
export function renderTask(shown: TaskView, out: Out, opts: { full: boolean; now?: number }): string[] {
  const task = revealHiddenDeep(shown);
  const now = opts.now ?? Date.now();
  const lines = [`${out.paint('bold', task.title)}  ${out.paint('gray', task.id)}`, `  ${paintStatus(out, task.status)} · mode ${task.mode} · by ${task.createdBy} · ${age(task.createdAt, now)} ago`];
  if (task.goal) lines.push(`  goal: ${task.goal}`);
  if (task.cancel) lines.push(out.paint('gray', `  cancelled by ${task.cancel.by}${task.cancel.reason ? `: ${task.cancel.reason}` : ''}`));
  const { inputTokens, outputTokens, costUsd } = task.usage;
  if (inputTokens + outputTokens + costUsd > 0) lines.push(`  usage: ${inputTokens} in / ${outputTokens} out tokens, $${costUsd}`);
  lines.push('', out.paint('bold', `Steps (${task.steps.length})`));
  for (const step of task.steps) {
    lines.push(`  ${step.index + 1}. ${out.paint('bold', step.key)} [${step.kind}] ${paintStatus(out, step.status)}  ${step.title}`);
    const more: string[] = [];
    if (step.dependsOn.length > 0) more.push(`depends on: ${step.dependsOn.join(', ')}`);
    if (step.explanation) more.push(`why: ${oneLine(step.explanation, 100)}`);
    more.push(`risk: ${step.policy.risk.level} (${oneLine(step.policy.risk.reason, 80)})`);
    if (step.approval && step.status === 'awaiting_approval') {
      // Votes toward N as the core counts them (a modify is its author's approval).
      const votes = approvalProgress(step.approvals, step.approval.requiredApprovals);
      more.push(
        `approval: ${out.paint('cyan', step.approval.id)} (${votes.count}/${votes.required} votes${votes.count > 0 ? `: ${votes.approvers.join(', ')}` : ''})${step.approval.expiresAt ? `, expires in ${age(now, step.approval.expiresAt)}` : ''}`,
      );
    }
    const decision = decisionLine(step, out, now);
    if (decision) more.push(decision);
    if (step.result?.error) more.push(out.paint('red', `error: ${step.result.error.message}`));
    if (step.revision > 1) more.push(`revision ${step.revision}`);
    more.push(`paramsHash ${out.paint('gray', step.paramsHash)}`);
    for (const l of more) lines.push(`     ${l}`);
    for (const l of previewLines(step.kind, step.params, out, opts.full ? Infinity : 12)) lines.push(`     │ ${l}`);
  }
  const answered = task.context.clarifications.filter((c) => c.answer !== undefined);
  if (answered.length > 0) {
    lines.push('', out.paint('bold', 'Clarifications'));
    for (const c of answered) lines.push(`  ${c.stepKey}: ${c.questions.join(' / ')} → ${c.answer}`);
  }
  return lines;
}

/**
 * The task with every step, read a page at a time: a window of up to STEP_PAGE_MAX steps
 * first (the whole of most tasks, one request), then, for a longer session, steps.list
 * pages (each bounded) up to the total the window gave. The answer has tasks.get's old
 * shape (no stepsTotal), clarifications from every step.
 */
export async function wholeTask(client: GreenlightClient, taskId: string): Promise<TaskView> {
  const { stepsTotal, ...head } = await client.tasks.get.query({ taskId, steps: { newest: STEP_PAGE_MAX } });
  if (stepsTotal === undefined || stepsTotal <= head.steps.length) return head;
  const all = await collectPages(stepsTotal, undefined, (size, cursor) => client.steps.list.query({ taskId, limit: Math.min(size, STEP_PAGE_MAX), ...(cursor ? { cursor } : {}) }));
  return taskView({ ...head, steps: all.items });
}

export const show: Command = {
  usage: 'show <taskId> [--full]',
  summary: 'a task: its steps, dependencies, decisions and a diff/command preview',
  options: { full: { type: 'boolean' } },
  async run(ctx, args, values) {
    const [taskId, ...rest] = args;
    if (!taskId || rest.length > 0) throw new UsageError('show takes one task id');
    const task = await wholeTask(ctx.client(), taskId);
    if (ctx.out.json) ctx.out.line(JSON.stringify(task));
    else for (const line of renderTask(task, ctx.out, { full: values.full === true })) ctx.out.line(line);
    return 0;
  },
};
