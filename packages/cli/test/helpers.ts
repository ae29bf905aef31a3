/** Test helpers: recorded hook inputs, re-rooted into a temporary project directory. */
import { readFileSync } from 'node:fs';
import { HookInput } from '../src/hook/input.ts';

const FIXTURES = new URL('./fixtures/', import.meta.url);

/** The raw fixture text with its `/project` cwd replaced by `dir`. */
export function fixtureText(name: string, dir: string): string {
  const raw = readFileSync(new URL(`${name}.json`, FIXTURES), 'utf8');
  return raw.replace(/"\/project(?=[/"])/g, JSON.stringify(dir).slice(0, -1));
}

export const fixture = (name: string, dir: string): HookInput => HookInput.parse(JSON.parse(fixtureText(name, dir)));
