/**
 * One task per tool call: the ledger used before tasks could grow (and still a fallback
 * for a server without tasks.append). Each call plans a one-step task; abandoning it
 * cancels that task, which closes its approval and makes the step `cancelled`.
 */
import type { ClaimedStep, Step, StepInput } from '@greenlight/core';
import type { GreenlightClient } from '@greenlight/sdk';
import type { Ledger } from './ledger.ts';

export type LedgerContext = {
  client: GreenlightClient;
  /** A client for cleanup, whose requests do not share the gateway's stop signal. */
  cleanup: GreenlightClient;
  /** The MCP server's name, as in `mcp__<server>__<tool>`. */
  server: string;
  /** This gateway process's id: in every task's metadata, and the session key. */
  session: string;
  /** Aborted when the gateway stops. */
  stop: AbortSignal;
};

export function perCallLedger(ctx: LedgerContext): Ledger {
  /** Tasks whose step has not ended here yet: cancelled if the gateway stops. */
  const open = new Set<string>();
  return {
    async propose(step: StepInput): Promise<Step> {
      const task = await ctx.client.plan({
        title: `MCP ${ctx.server}: ${step.title}`,
        steps: [step],
        metadata: { source: 'mcp-proxy', server: ctx.server, gatewaySession: ctx.session },
        idempotencyKey: `mcp:${ctx.session}:${step.key}`.slice(0, 200),
      });
      const planned = task.steps[0]!;
      open.add(task.id);
      return planned;
    },
    async claim(step: Step, leaseSeconds: number): Promise<ClaimedStep | undefined> {
      const { steps } = await ctx.client.steps.claim.mutate({ taskId: step.taskId, max: 1, leaseSeconds });
      const claimed = steps[0];
      open.delete(step.taskId);
      return claimed;
    },
    async abandon(step: Step, reason: string): Promise<void> {
      open.delete(step.taskId);
      await ctx.cleanup.tasks.cancel.mutate({ taskId: step.taskId, reason });
    },
    taskOf: (step) => step.taskId,
    async close(reason: string): Promise<void> {
      const held = [...open];
      open.clear();
      await Promise.allSettled(held.map((taskId) => ctx.cleanup.tasks.cancel.mutate({ taskId, reason })));
    },
  };
}
