/**
 * analyseCommand with a small bounded memo. Parsing is the costly part of judging a
 * command; the same lines come back (plan, revise, setMode, simulate, and the risk of
 * each), so analyses are kept. Analyses are pure values, so sharing them is safe.
 */
import { analyseCommand, type ShellAnalysis } from './parse.ts';

const ANALYSES_KEPT = 256;
const analyses = new Map<string, ShellAnalysis>();

/** The analysis of `command` (parse.ts), from the memo when it was seen lately. */
export function analysed(command: string): ShellAnalysis {
  const hit = analyses.get(command);
  if (hit) return hit;
  const a = analyseCommand(command);
  if (analyses.size >= ANALYSES_KEPT) analyses.delete(analyses.keys().next().value as string);
  analyses.set(command, a);
  return a;
}
