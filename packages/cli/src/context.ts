/** What every command gets: output, the parsed flags, and a client made on first use. */
import { createClient, type GreenlightClient } from '@greenlight/sdk';
import { loadConfig, type Config } from './config.ts';
import type { Out } from './output.ts';

export type Ctx = {
  out: Out;
  /** The server and key (config is read only when a command needs it). */
  config: () => Config;
  client: () => GreenlightClient;
};

export function createCtx(out: Out, configPath: string | undefined): Ctx {
  let config: Config | undefined;
  let client: GreenlightClient | undefined;
  const ctx: Ctx = {
    out,
    config: () => (config ??= loadConfig({ configPath })),
    client: () => (client ??= createClient({ url: ctx.config().url, key: ctx.config().key })),
  };
  return ctx;
}
