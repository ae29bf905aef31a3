/**
 * Where the CLI finds its server and key. Per field, first wins:
 *   1. GREENLIGHT_URL / GREENLIGHT_KEY in the environment,
 *   2. the config file: --config <path>, else $GREENLIGHT_CONFIG, else
 *      $XDG_CONFIG_HOME/greenlight/config.json (~/.config/greenlight/config.json).
 * No --key flag on purpose: a secret on the command line shows up in `ps` and shell history.
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { UsageError } from './errors.ts';

export const FileConfig = z.strictObject({
  url: z.url().optional(),
  key: z.string().min(1).optional(),
});
export type FileConfig = z.infer<typeof FileConfig>;

export type Config = { url: string; key: string; source: { url: string; key: string } };

type Env = Record<string, string | undefined>;

export function defaultConfigPath(env: Env = process.env): string {
  const base = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config');
  return join(base, 'greenlight', 'config.json');
}

function readFileConfig(path: string, explicit: boolean): FileConfig {
  if (!existsSync(path)) {
    if (explicit) throw new UsageError(`config file not found: ${path}`);
    return {};
  }
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new UsageError(`config file ${path} is not valid JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
  const parsed = FileConfig.safeParse(raw);
  if (!parsed.success) throw new UsageError(`config file ${path}: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

export function loadConfig(opts: { configPath?: string | undefined; env?: Env } = {}): Config {
  const env = opts.env ?? process.env;
  const explicit = opts.configPath ?? env.GREENLIGHT_CONFIG;
  const path = explicit ?? defaultConfigPath(env);
  // The file is only needed when the environment does not give both fields.
  const file = env.GREENLIGHT_URL && env.GREENLIGHT_KEY && !opts.configPath ? {} : readFileConfig(path, explicit !== undefined);
  const url = env.GREENLIGHT_URL || file.url;
  const key = env.GREENLIGHT_KEY || file.key;
  if (!url) throw new UsageError(`no server URL: set GREENLIGHT_URL or "url" in ${path}`);
  if (!key) throw new UsageError(`no key: set GREENLIGHT_KEY or "key" in ${path}`);
  const source = { url: env.GREENLIGHT_URL ? 'GREENLIGHT_URL' : path, key: env.GREENLIGHT_KEY ? 'GREENLIGHT_KEY' : path };
  checkServerUrl(url, source.url);
  return { url, key, source };
}

/**
 * The server URL must be an http(s) URL: anything else would only fail later, inside
 * fetch, as an unclear NETWORK_ERROR ("fetch failed", "Failed to parse URL").
 * @throws UsageError naming where the URL came from.
 */
function checkServerUrl(url: string, from: string): void {
  let protocol: string;
  try {
    protocol = new URL(url).protocol;
  } catch {
    throw new UsageError(`the server URL from ${from} is not a URL: ${JSON.stringify(url)} (expected e.g. http://127.0.0.1:8787)`);
  }
  if (protocol !== 'http:' && protocol !== 'https:') {
    throw new UsageError(`the server URL from ${from} must be http or https, not ${protocol} (${JSON.stringify(url)})`);
  }
}
