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
import { audit } from './commands/audit.ts';
import { cancel } from './commands/cancel.ts';
import { answer, approve, reject, requestChanges, skip } from './commands/decide.ts';
import { grants } from './commands/grants.ts';
import { hook } from './commands/hook.ts';
import { inbox } from './commands/inbox.ts';
import { show } from './commands/show.ts';
import type { Command, Options } from './commands/spec.ts';
import { watch } from './commands/watch.ts';

export const COMMANDS: Record<string, Command> = {
  inbox,
  show,
  approve,
  reject,
  'request-changes': requestChanges,
  skip,
  answer,
  cancel,
  grants,
  watch,
  hook,
  audit,
};

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

export function helpText(): string {
  const width = Math.max(...Object.values(COMMANDS).map((c) => c.usage.length).filter((n) => n <= USAGE_COLUMN));
  return [
    'greenlight: review and decide what AI coding agents want to do.',
    '',
    'Usage: greenlight <command> [options]',
    '',
    ...Object.values(COMMANDS).map((c) => helpLine(c.usage, c.summary, width)),
    '',
    'Options for every command:',
    '  --json            machine-readable output (errors as JSON on stderr)',
    '  --config <path>   config file (default ~/.config/greenlight/config.json)',
    '  --timeout <s>     each request\'s budget in seconds (default 15; also GREENLIGHT_TIMEOUT)',
    '  --no-color        no colours (also NO_COLOR=1; colours are only used on a TTY)',
    '',
    'Configuration: GREENLIGHT_URL and GREENLIGHT_KEY, else "url" and "key" in the config file.',
    'Exit codes: 0 ok, 1 API or network error or timeout, 2 usage error, 3 not found, 4 conflict (already decided), 5 unauthorized or forbidden, 6 audit export does not verify.',
  ].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const name = argv[0];
  const command = name !== undefined ? COMMANDS[name] : undefined;
  const json = argv.includes('--json');
  const out = createOut({ json, ...(argv.includes('--no-color') ? { color: false } : {}) });
  try {
    if (!command) {
      if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
        out.line(helpText());
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
    const budgetMs = requestBudgetMs(command === hook || typeof values.timeout !== 'string' ? undefined : values.timeout);
    const ctx = createCtx(out, typeof values.config === 'string' ? values.config : undefined, budgetMs);
    return await command.run(ctx, parsed.positionals, values);
  } catch (err) {
    out.err(json ? JSON.stringify({ error: errorJson(err) }) : errorText(err));
    return exitCodeOf(err);
  }
}
