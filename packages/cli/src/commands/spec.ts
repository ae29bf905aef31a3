/** The shape of a command: its flags for parseArgs, its usage line, and what it runs. */
import type { ParseArgsConfig } from 'node:util';
import type { Ctx } from '../context.ts';

export type Options = NonNullable<ParseArgsConfig['options']>;
export type Values = Record<string, string | boolean | undefined>;

export type Command = {
  usage: string;
  summary: string;
  options: Options;
  run: (ctx: Ctx, args: string[], values: Values) => Promise<number>;
};

export const str = (v: string | boolean | undefined): string | undefined => (typeof v === 'string' ? v : undefined);
