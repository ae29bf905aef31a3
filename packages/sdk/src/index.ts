/** @greenlight/sdk: the typed client for agents and tools. */
import type { PlanRequest, TaskView } from '@greenlight/core';
import { createApi, type Api, type ClientOptions } from './client.ts';

export { GreenlightError, type ErrorCode, type ErrorIssue } from './errors.ts';
export type { ClientOptions, Api } from './client.ts';
export type * from '@greenlight/core';

export type GreenlightClient = Api & {
  /** Propose a plan; the policy sorts its steps before this returns. */
  plan(input: PlanRequest): Promise<TaskView>;
};

export function createClient(opts: ClientOptions): GreenlightClient {
  const api = createApi(opts);
  const helpers: Record<string, unknown> = {
    plan: (input: PlanRequest) => api.tasks.plan.mutate(input),
  };
  // The helpers sit beside the procedures; anything else is a procedure path.
  return new Proxy(helpers, {
    get: (h, prop) => (typeof prop === 'string' && prop in h ? h[prop] : (api as unknown as Record<PropertyKey, unknown>)[prop]),
  }) as unknown as GreenlightClient;
}
