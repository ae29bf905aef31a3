/**
 * The `greenlight` command line: parse the arguments (node:util parseArgs, strict per
 * command), run the command, and turn any failure into a message on stderr and an
 * exit code (see errors.ts).
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { requestBudgetMs } from './budget.ts';
import { createCtx } from './context.ts';
import { EXIT, UsageError, errorJson, errorText, exitCodeOf } from './errors.ts';
import { createOut } from './output.ts';
import { hook } from './commands/hook.ts';
import type { Command, Options } from './commands/spec.ts';

/**
 * Every command, by name. The hook is loaded with the CLI: it runs on every tool call, and
 * its guard must be in place before anything awaits (see bin.ts). Every other command is
 * loaded when it runs (a chunk of its own in the build), so the hook never pays for them.
 * A new command: one line here, `name: () => import('./commands/<file>.ts').then((m) => m.<name>)`.
 */
export const COMMANDS: Record<string, Command | (() => Promise<Command>)> = {
  inbox: () => import('./commands/inbox.ts').then((m) => m.inbox),
  show: () => import('./commands/show.ts').then((m) => m.show),
  approve: () => import('./commands/decide.ts').then((m) => m.approve),
  reject: () => import('./commands/decide.ts').then((m) => m.reject),
  'request-changes': () => import('./commands/decide.ts').then((m) => m.requestChanges),
  skip: () => import('./commands/decide.ts').then((m) => m.skip),
  answer: () => import('./commands/decide.ts').then((m) => m.answer),
  cancel: () => import('./commands/cancel.ts').then((m) => m.cancel),
  grants: () => import('./commands/grants.ts').then((m) => m.grants),
  log: () => import('./commands/log.ts').then((m) => m.log),
  watch: () => import('./commands/watch.ts').then((m) => m.watch),
  hook,
  audit: () => import('./commands/audit.ts').then((m) => m.audit),
  policy: () => import('./commands/policy.ts').then((m) => m.policy),
  mcp: () => import('./commands/mcp.ts').then((m) => m.mcp),
};

/** A command by name, loading it if needed; undefined for an unknown name. */
export async function loadCommand(name: string): Promise<Command | undefined> {
  const c = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  return typeof c === 'function' ? c() : c;
}

const GLOBAL: Options = {
  json: { type: 'boolean' },
  config: { type: 'string' },
  // The hook declares its own --timeout (the decision wait); its request budget comes from GREENLIGHT_TIMEOUT.
  timeout: { type: 'string' },
  'no-color': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
};

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/** Usages longer than this get their summary on the next line, so help fits an 80-column terminal. */
const USAGE_COLUMN = 48;

/**
 * One command's help: usage and summary side by side, or, for a long usage, each of its
 * forms (split at " | ") on a line of its own and the summary indented under them.
 */
function helpLine(usage: string, summary: string, width: number): string {
  if (usage.length <= width) return `  ${usage.padEnd(width)}  ${summary}`;
  return [...usage.split(' | ').map((form) => `  ${form}`), `      ${summary}`].join('\n');
}

/** The help text (loads every command, for its usage line). */
export async function helpText(): Promise<string> {
  const commands = await Promise.all(Object.keys(COMMANDS).map(async (name) => (await loadCommand(name))!));
  const width = Math.max(...commands.map((c) => c.usage.length).filter((n) => n <= USAGE_COLUMN));
  return [
    'greenlight: review and decide what AI coding agents want to do.',
    '',
    'Usage: greenlight <command> [options]',
    '',
    ...commands.map((c) => helpLine(c.usage, c.summary, width)),
    '',
    'Options for every command:',
    '  --json            machine-readable output (errors as JSON on stderr)',
    '  --config <path>   config file (default ~/.config/greenlight/config.json)',
    "  --timeout <s>     each request's budget in seconds (default 15; also GREENLIGHT_TIMEOUT)",
    '  --no-color        no colours (also NO_COLOR=1; colours are only used on a TTY)',
    '',
    'Configuration: GREENLIGHT_URL and GREENLIGHT_KEY, else "url" and "key" in the config file.',
    "Exit codes: 0 ok, 1 API or network error or timeout, 2 usage error, 3 not found, 4 conflict (already decided), 5 unauthorized or forbidden, 6 audit export does not verify, 7 you answered no at approve's y/N.",
  ].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const name = argv[0];
  const json = argv.includes('--json');
  const out = createOut({ json, ...(argv.includes('--no-color') ? { color: false } : {}) });
  try {
    // The hook is at hand without an await (its guard must be installed before the first one).
    const command = name === undefined ? undefined : name === 'hook' ? hook : await loadCommand(name);
    if (!command) {
      if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
        out.line(await helpText());
        return EXIT.ok;
      }
      if (name === '--version') {
        out.line(version());
        return EXIT.ok;
      }
      throw new UsageError(`unknown command ${JSON.stringify(name)}`);
    }
    let parsed;
    try {
      parsed = parseArgs({ args: argv.slice(1), options: { ...GLOBAL, ...command.options }, allowPositionals: true, strict: true });
    } catch (err) {
      throw new UsageError(err instanceof Error ? err.message : String(err));
    }
    if (parsed.values.help) {
      out.line(`Usage: greenlight ${command.usage}\n  ${command.summary}`);
      return EXIT.ok;
    }
    const values = parsed.values as Record<string, string | boolean | undefined>;
    const budgetMs = requestBudgetMs(name === 'hook' || typeof values.timeout !== 'string' ? undefined : values.timeout);
    const ctx = createCtx(out, typeof values.config === 'string' ? values.config : undefined, budgetMs);
    return await command.run(ctx, parsed.positionals, values);
  } catch (err) {
    out.err(json ? JSON.stringify({ error: errorJson(err) }) : errorText(err));
    return exitCodeOf(err);
  }
}
