/**
 * `greenlight mcp serve`: an MCP server (stdio) for agents that cooperate. ADVISORY: an
 * agent asks before it acts, but nothing stops one that does not ask or ignores the
 * answer; `greenlight mcp proxy` is the enforcing form. Tools:
 *   request_approval: plan a one-step task for what the agent wants to do; answers at once
 *     with the approval id and the review URL (or the policy's decision), or waits up to
 *     `wait_seconds` (bounded by --wait-max) for a reviewer;
 *   check_approval: where an approval stands (optionally waiting, bounded likewise);
 *   ask_human: a clarify step: a question for a person, answered on the review page.
 * An approved action is handed over at once (claimed and completed with a note), since
 * the agent does it itself and Greenlight never sees the result.
 */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { z } from 'zod';
import { Risk, StepKind, type Step, type StepInput } from '@greenlight/core';
import { createClient, GreenlightError, type GreenlightClient } from '@greenlight/sdk';
import { budgetedFetch } from '../budget.ts';
import type { Config } from '../config.ts';

export type ServeOptions = { config: Config; requestMs: number; waitMaxMs: number; version: string; log: (line: string) => void };

/** What the agent reads: one status word and the details it needs next. */
type Answer = {
  status: 'pending' | 'approved' | 'rejected' | 'changes_requested' | 'skipped' | 'answered' | 'cancelled' | 'blocked' | 'expired';
  approval_id?: string;
  task_id: string;
  step_id: string;
  review_url: string;
  decided_by?: string[];
  feedback?: string;
  answer?: string;
  /** The action as approved, when a reviewer modified it: do this, not the original. */
  approved_params?: Record<string, unknown>;
  advice: string;
};

const ADVICE: Record<Answer['status'], string> = {
  pending: 'Not decided yet. Do not do it now; call check_approval with approval_id later (wait_seconds to wait).',
  approved: 'Approved: you may do exactly this (approved_params, when present, is the version to do).',
  rejected: 'Rejected: do not do it. Read feedback.',
  changes_requested: 'Changes requested: do not do it as proposed; read feedback and ask again with a new request.',
  skipped: 'Skipped by the reviewer: do not do it.',
  answered: 'The person answered: see answer.',
  cancelled: 'The request was cancelled: do not do it.',
  blocked: 'Blocked: do not do it.',
  expired: 'No decision in time: do not do it.',
};

const STATUS: Partial<Record<Step['status'], Answer['status']>> = {
  awaiting_approval: 'pending',
  approved: 'approved',
  executing: 'approved',
  rejected: 'rejected',
  changes_requested: 'changes_requested',
  skipped: 'skipped',
  cancelled: 'cancelled',
  blocked: 'blocked',
  failed: 'cancelled',
};

const reply = (a: Answer) => ({ content: [{ type: 'text' as const, text: JSON.stringify(a, null, 2) }], structuredContent: a });
const problem = (err: unknown) => {
  const e = GreenlightError.from(err);
  const issues = e.issues.length > 0 ? ` (${e.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')})` : '';
  return { content: [{ type: 'text' as const, text: `Greenlight: ${e.code}: ${e.message}${issues}` }], isError: true };
};

export function createServeServer(opts: ServeOptions): McpServer {
  const client = createClient({ url: opts.config.url, key: opts.config.key, fetch: budgetedFetch(opts.requestMs) });
  const waitMaxS = Math.floor(opts.waitMaxMs / 1000);
  const reviewUrl = (taskId: string) => `${opts.config.url.replace(/\/+$/, '')}/#/tasks/${encodeURIComponent(taskId)}`;
  const waitSeconds = z.number().min(0).max(waitMaxS).optional().describe(`How long to wait for a decision before answering, 0-${waitMaxS} s (default 0: answer at once).`);

  const server = new McpServer(
    { name: 'greenlight', version: opts.version },
    {
      instructions:
        'Greenlight approvals (advisory). Before an action a person should approve, call request_approval and act only on status "approved". ' +
        'Use ask_human for a question only a person can answer.',
    },
  );

  server.registerTool(
    'request_approval',
    {
      description: 'Ask a person to approve an action before you do it. Answers with status "pending" and an approval_id (unless the workspace policy decides at once), or waits up to wait_seconds.',
      inputSchema: {
        title: z.string().min(1).max(500).describe('The action, in one line'),
        kind: StepKind.exclude(['clarify'])
          .optional()
          .describe(
            'run_command {command, cwd?}, edit_file {path, patch|content}, delete_file {path}, execute_code {language, code}, network {method, url}, read {tool, paths?}, custom {tool, input} (default)',
          ),
        params: z.record(z.string(), z.unknown()).optional().describe('The exact action, in the shape of its kind; for custom, {tool, input}'),
        explanation: z.string().max(20_000).optional().describe('Why you want to do it'),
        risk: Risk.optional(),
        wait_seconds: waitSeconds,
      },
      annotations: { readOnlyHint: false, destructiveHint: false, openWorldHint: false },
    },
    async (args) => {
      const kind = args.kind ?? 'custom';
      const params = kind === 'custom' && (args.params === undefined || typeof args.params.tool !== 'string') ? { tool: 'agent_action', input: args.params ?? {} } : (args.params ?? {});
      const step: StepInput = {
        key: 'action',
        kind,
        title: args.title,
        params,
        dependsOn: [],
        ...(args.explanation ? { explanation: args.explanation } : {}),
        ...(args.risk ? { risk: args.risk } : {}),
      };
      try {
        const task = await client.plan({ title: args.title, steps: [step], metadata: { source: 'mcp-serve' } });
        return reply(await settle(client, task.steps[0]!, args.wait_seconds ?? 0, reviewUrl));
      } catch (err) {
        return problem(err);
      }
    },
  );

  server.registerTool(
    'check_approval',
    {
      description: 'Where an approval (or an ask_human question) stands; waits up to wait_seconds for a decision when it is still pending.',
      inputSchema: { approval_id: z.string().min(1).max(100), wait_seconds: waitSeconds },
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    async (args) => {
      try {
        const record = await client.approvals.get.query({ approvalId: args.approval_id });
        const step = await client.steps.get.query({ stepId: record.stepId });
        return reply(await settle(client, step, args.wait_seconds ?? 0, reviewUrl, args.approval_id));
      } catch (err) {
        return problem(err);
      }
    },
  );

  server.registerTool(
    'ask_human',
    {
      description: 'Ask a person a question; answers with status "pending" and an approval_id for check_approval, or waits up to wait_seconds for the answer.',
      inputSchema: {
        question: z.string().min(1).max(20_000),
        more_questions: z.array(z.string().min(1).max(20_000)).max(19).optional(),
        placeholder: z.string().max(500).optional(),
        wait_seconds: waitSeconds,
      },
      annotations: { readOnlyHint: false, destructiveHint: false, openWorldHint: false },
    },
    async (args) => {
      const questions = [args.question, ...(args.more_questions ?? [])];
      try {
        const task = await client.plan({
          title: `Question: ${args.question}`.slice(0, 500),
          steps: [{ key: 'question', kind: 'clarify', title: args.question.slice(0, 500), params: { questions, ...(args.placeholder ? { placeholder: args.placeholder } : {}) }, dependsOn: [] }],
          metadata: { source: 'mcp-serve' },
        });
        return reply(await settle(client, task.steps[0]!, args.wait_seconds ?? 0, reviewUrl));
      } catch (err) {
        return problem(err);
      }
    },
  );
  return server;
}

/**
 * The answer for a step: wait (up to `waitS`) when it is still pending, hand an approved
 * action over to the agent (claim + complete, so the task finishes), and describe it.
 */
async function settle(client: GreenlightClient, step: Step, waitS: number, reviewUrl: (t: string) => string, approvalId = step.approval?.id): Promise<Answer> {
  let now = step;
  if (now.status === 'awaiting_approval' && waitS > 0) {
    now = await client.waitForDecision(now.id, { timeoutMs: waitS * 1000, ...(approvalId ? { approvalId } : {}) }).then(
      (o) => o.step,
      (err: unknown) => {
        if (GreenlightError.from(err).code === 'TIMEOUT') return now;
        throw err;
      },
    );
  }
  if (now.status === 'approved') now = await handOver(client, now);
  const d = now.decision;
  const clarify = now.kind === 'clarify';
  let status: Answer['status'] = clarify && now.status === 'completed' ? 'answered' : (STATUS[now.status] ?? (now.status === 'completed' ? 'approved' : 'pending'));
  if (d?.decision === 'timeout' && status !== 'approved') status = 'expired';
  const modified = d?.decision === 'modify';
  const people = d && d.decision !== 'policy' && d.decision !== 'timeout' ? d.by : undefined;
  return {
    status,
    ...(approvalId ? { approval_id: approvalId } : {}),
    task_id: now.taskId,
    step_id: now.id,
    review_url: reviewUrl(now.taskId),
    ...(people && people.length > 0 ? { decided_by: people } : d?.rule ? { decided_by: [`policy:${d.rule}`] } : {}),
    ...(d?.feedback || d?.reason ? { feedback: d.feedback ?? d.reason } : {}),
    ...(d?.answer !== undefined ? { answer: d.answer } : {}),
    ...(modified ? { approved_params: now.params } : {}),
    advice: ADVICE[status],
  };
}

/** The agent does the approved action itself: record the hand-off so the task finishes, and return the step as it is then. */
async function handOver(client: GreenlightClient, step: Step): Promise<Step> {
  const { steps } = await client.steps.claim.mutate({ taskId: step.taskId, max: 1 });
  const claimed = steps.find((s) => s.stepId === step.id);
  if (claimed) {
    await client.steps.complete.mutate({
      stepId: claimed.stepId,
      leaseId: claimed.leaseId,
      output: { handedTo: 'mcp-serve', note: 'advisory: the agent was told it may proceed and does it itself; Greenlight does not see the result' },
    });
  }
  return client.steps.get.query({ stepId: step.id });
}

/** Serve on stdio until the client disconnects. */
export async function runServe(opts: ServeOptions): Promise<number> {
  const server = createServeServer(opts);
  const transport = new StdioServerTransport();
  const ended = new Promise<void>((resolve) => {
    server.server.onclose = () => resolve();
    process.stdin.once('end', () => resolve());
    process.stdin.once('close', () => resolve());
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  await server.connect(transport);
  opts.log(`greenlight: advisory MCP server up (approvals in ${opts.config.url}); it cannot stop an agent that does not ask: use greenlight mcp proxy to enforce`);
  await ended;
  await server.close().catch(() => {});
  return 0;
}
