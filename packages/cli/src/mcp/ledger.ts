/**
 * Where the gateway's calls are recorded: the seam between the MCP side and Greenlight's
 * tasks. One implementation per way of grouping calls into tasks; the gate (gate.ts)
 * only proposes, claims and abandons steps through it.
 */
import type { ClaimedStep, Step, StepInput } from '@greenlight/core';
import type { GreenlightClient } from '@greenlight/sdk';

export type LedgerContext = {
  client: GreenlightClient;
  /** A client for cleanup, whose requests do not share the gateway's stop signal. */
  cleanup: GreenlightClient;
  /** The MCP server's name, as in `mcp__<server>__<tool>`. */
  server: string;
  /** This gateway process's id: the session key of its task, and in the task's metadata. */
  session: string;
  /** Aborted when the gateway stops. */
  stop: AbortSignal;
  /** The review page of a task. */
  reviewUrl: (taskId: string) => string;
  log: (line: string) => void;
};

export type Ledger = {
  /** Record one tool call as a step; returns it as the policy left it (approved, rejected, or awaiting a decision). */
  propose(step: StepInput): Promise<Step>;
  /**
   * Take the approved `step` under a lease, so it runs at most once: the claimed step at
   * the decided revision and paramsHash, or undefined when the server did not hand it
   * out (a deny rule set since, a cancel, a revision).
   */
  claim(step: Step, leaseSeconds: number): Promise<ClaimedStep | undefined>;
  /**
   * This call will never be forwarded (the client cancelled it or went away, the wait
   * gave up, a reviewer asked for changes): make sure the step can never be executed
   * later, and close its open approval where the API allows.
   */
  abandon(step: Step, reason: string): Promise<void>;
  /** The call ended without a claim, its step already at rest (rejected, skipped, cancelled...): forget it. */
  settled(step: Step): void;
  /** The task a step lives in, for messages and the review URL. */
  taskOf(step: Step): string;
  /** The gateway is ending: finish the recording (close the session task; calls still held are abandoned). */
  close(reason: string): Promise<void>;
};
