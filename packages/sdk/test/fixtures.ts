/** A claimed step as run() hands it to a handler, and the context it passes. */
import type { ClaimedStep, StepKind } from '@greenlight/core';
import type { HandlerContext } from '../src/run.ts';

export function claimed(kind: StepKind, params: Record<string, unknown>, extra: Partial<ClaimedStep> = {}): ClaimedStep {
  return {
    taskId: 'task-1',
    stepId: 'step-1',
    key: 'step',
    kind,
    title: kind,
    params,
    paramsHash: 'f'.repeat(64),
    revision: 1,
    attempt: 1,
    idempotent: false,
    leaseId: 'lease-1',
    leaseExpiresAt: Date.now() + 60_000,
    ...extra,
  };
}

export const ctx = (signal: AbortSignal = new AbortController().signal): HandlerContext => ({ signal, attempt: 1 });

/** The code of the error a handler rejects with. */
export async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
  } catch (e) {
    return (e as { code?: string }).code;
  }
  throw new Error('expected the handler to fail, but it succeeded');
}
