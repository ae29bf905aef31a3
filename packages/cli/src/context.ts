/** What every command gets: output, the request budget, and a client made on first use. */
import { createClient, type GreenlightClient } from '@greenlight/sdk';
import { budgetedFetch } from './budget.ts';
import { loadConfig, type Config } from './config.ts';
import { terminalAsker, type Asker } from './confirm.ts';
import type { Out } from './output.ts';

export type Ctx = {
  out: Out;
  /** The server and key (config is read only when a command needs it). */
  config: () => Config;
  /** Each request's budget in ms (see budget.ts). */
  budgetMs: number;
  /** A client whose every request is cut off after budgetMs with a RequestTimeout. */
  client: () => GreenlightClient;
  /** Asks a person y/N in the terminal (confirm.ts). */
  asker: Asker;
};

export function createCtx(out: Out, configPath: string | undefined, budgetMs: number): Ctx {
  let config: Config | undefined;
  let client: GreenlightClient | undefined;
  const ctx: Ctx = {
    out,
    budgetMs,
    config: () => (config ??= loadConfig({ configPath })),
    client: () => (client ??= createClient({ url: ctx.config().url, key: ctx.config().key, fetch: budgetedFetch(budgetMs) })),
    // With --json, stdout carries only JSON: the question goes to stderr.
    asker: terminalAsker(out.json ? process.stderr : process.stdout),
  };
  return ctx;
}
