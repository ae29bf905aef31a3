/**
 * @greenlight/api/contract: the API's types without its runtime, for the SDK, the CLI
 * and the web page. `AppRouter` is the router built over the contract's interfaces
 * (./rpc.ts), so importing it loads the routers, the core and tRPC, and never the
 * Worker's generated types or a `cloudflare:*` module (a typecheck with no Worker types,
 * apps/api/tsconfig.contract.json, and tests/contract.test.ts keep it so).
 * Type-only: nothing here runs.
 */
import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server';
import type { AppRouter } from '../router.ts';

export type { AppRouter } from '../router.ts';
export type { Context, Cred, Page, RegistryRpc, WorkspaceEntry, WorkspaceRpc } from './rpc.ts';

/** Every procedure's input, as a client sends it: `RouterInputs['approvals']['decide']`. */
export type RouterInputs = inferRouterInputs<AppRouter>;
/** Every procedure's answer, as a client receives it: `RouterOutputs['approvals']['decide']`. */
export type RouterOutputs = inferRouterOutputs<AppRouter>;
