/**
 * A command line as the policy sees it (issue 11, item 3): parsed by a real shell parser
 * (mvdan/sh, bash dialect, synchronous, pure JavaScript: it runs inside the workspace
 * object's transaction and in Node alike), then flattened into the simple commands it
 * runs, each with the constructs around it (enums.ts, CommandConstruct).
 *
 * Each simple command is rendered one way, whatever its quoting: the words with quotes
 * removed, joined by one space, a word re-quoted in single quotes when it holds anything
 * but letters, digits and _-+=.,/:@%^; a word with expansions or globs (`$HOME`, `*.ts`, `~`) as it
 * was written. So `r''m -rf /` is `rm -rf /`. Prefix assignments stay in front
 * (`CI=1 npm test`: an assignment can change what the command does). Redirections are not
 * part of the text; one that writes a file is the `file_write` construct.
 *
 * Commands inside substitutions, subshells, compound commands and the payloads of
 * wrappers (`sudo x`, `env A=1 x`, `timeout 5 x`, `xargs x`, `find -exec x`, literal
 * `sh -c '...'` and `eval '...'`) are simple commands too, so a deny rule sees them.
 */
import type { ShNode } from 'mvdan-sh';
import type { CommandConstruct } from '../enums.ts';
import { syntax as loadSyntax } from './mvdan.cjs';
import { wrapped } from './wrappers.ts';

/**
 * One simple command: its text as rendered (above), the constructs around it, and its
 * argv (the words' values, quotes removed) when it has one a grant can compare: no
 * prefix assignment and every word plain text (no expansion, glob or substitution).
 */
export type ShellPart = { text: string; constructs: CommandConstruct[]; argv?: string[] };
export type ShellAnalysis = { ok: true; parts: ShellPart[] } | { ok: false; reason: string };

/** More parts or nesting than this is not a command a person wrote to be read: ask. */
const MAX_PARTS = 100;
const MAX_DEPTH = 4;

const typeOf = (n: ShNode): string => loadSyntax().NodeType(n);
const nodes = (v: unknown): ShNode[] => (Array.isArray(v) ? (v as ShNode[]) : []);
const node = (v: unknown): ShNode | undefined => (v === null || v === undefined ? undefined : (v as ShNode));
const text = (v: unknown): string => (typeof v === 'string' ? v : '');

class TooComplex extends Error {}

/** One word: its value when it is plain text, its source otherwise, and what it contains. */
export type WordInfo = { literal?: string; source: string; constructs: Set<CommandConstruct> };

const PLAIN = /^[\p{L}\p{N}_\-+=.,/:@%^]+$/u;
/** How a word is shown to `command` patterns: bare when plain, single-quoted when not. */
export const renderWord = (w: WordInfo): string => (w.literal === undefined ? w.source : PLAIN.test(w.literal) ? w.literal : `'${w.literal.replace(/'/g, `'\\''`)}'`);

// Backslash removal as the shell does it: unquoted, a backslash keeps the next character
// (and disappears before a newline); in double quotes only before $ ` " \ and newline.
const unescapeBare = (s: string): string => s.replace(/\\(\n|[\s\S])/g, (_m, c: string) => (c === '\n' ? '' : c));
const unescapeDouble = (s: string): string => s.replace(/\\([$`"\\\n])/g, (_m, c: string) => (c === '\n' ? '' : c));

class Analyser {
  readonly parts: ShellPart[] = [];
  private readonly bytes: Uint8Array;
  private readonly depth: number;
  constructor(src: string, depth: number) {
    this.bytes = new TextEncoder().encode(src);
    this.depth = depth;
  }

  source(n: ShNode): string {
    return new TextDecoder().decode(this.bytes.subarray(n.Pos().Offset(), n.End().Offset()));
  }

  add(words: string[], constructs: Set<CommandConstruct>, argv?: string[]): void {
    if (this.parts.length >= MAX_PARTS) throw new TooComplex(`more than ${MAX_PARTS} commands`);
    this.parts.push({ text: words.join(' '), constructs: [...constructs].sort(), ...(argv ? { argv } : {}) });
  }

  stmts(list: unknown, around: Set<CommandConstruct>): void {
    for (const st of nodes(list)) this.stmt(st, around);
  }

  stmt(st: ShNode, around: Set<CommandConstruct>): void {
    const own = new Set(around);
    for (const r of nodes(st.Redirs)) this.redirect(r, own);
    const cmd = node(st.Cmd);
    if (!cmd) return this.add([this.source(st)], own); // a bare redirection such as `> file`
    switch (typeOf(cmd)) {
      case 'CallExpr':
        return this.call(cmd, own);
      case 'BinaryCmd': // && || | |&
        this.stmt(cmd.X as ShNode, own);
        return this.stmt(cmd.Y as ShNode, own);
      case 'Block':
        return this.stmts(cmd.Stmts, own); // { a; b; } only groups
      case 'TimeClause':
        return cmd.Stmt ? this.stmt(cmd.Stmt as ShNode, own) : undefined;
      case 'Subshell':
        return this.stmts(cmd.Stmts, new Set([...own, 'subshell']));
      case 'DeclClause': {
        // export, declare, local, readonly: a builtin with its arguments as written
        const inner = this.nested(cmd, own);
        return this.add([this.source(cmd)], inner);
      }
      default: {
        // if, while, for, case, function, [[ ]], (( )), let, coproc
        const inner = new Set<CommandConstruct>([...own, 'compound']);
        if (['ArithmCmd', 'LetClause'].includes(typeOf(cmd))) inner.add('dynamic');
        this.nested(cmd, inner);
        return this.add([this.source(cmd)], inner);
      }
    }
  }

  /** Statements and substitutions under `n`, analysed with `around`; returns what was found there. */
  nested(n: ShNode, around: Set<CommandConstruct>): Set<CommandConstruct> {
    const found = new Set(around);
    loadSyntax().Walk(n, (c) => {
      if (c === null) return false;
      switch (typeOf(c)) {
        case 'Stmt':
          this.stmt(c, around);
          return false;
        case 'CmdSubst':
          found.add('command_substitution');
          this.stmts(c.Stmts, new Set([...around, 'command_substitution']));
          return false;
        case 'ProcSubst':
          found.add('process_substitution');
          this.stmts(c.Stmts, new Set([...around, 'process_substitution']));
          return false;
        case 'ArithmExp':
        case 'ArithmCmd':
        case 'LetClause':
          found.add('dynamic');
          return true;
        case 'ParamExp': // ${!x} ${x@P} ${a[i]}: the value is computed by the running shell
          if (c.Excl === true || c.Index || /@[A-Za-z]/.test(this.source(c))) found.add('dynamic');
          return true;
        default:
          return true;
      }
    });
    return found;
  }

  word(w: ShNode, around: Set<CommandConstruct>): WordInfo {
    const constructs = this.nested(w, around);
    let literal: string | undefined = '';
    for (const p of nodes(w.Parts)) {
      const t = typeOf(p);
      if (t === 'Lit' && !/[*?[{~]/.test(text(p.Value))) literal += unescapeBare(text(p.Value));
      else if (t === 'SglQuoted' && p.Dollar !== true) literal += text(p.Value);
      else if (t === 'DblQuoted' && p.Dollar !== true && nodes(p.Parts).every((q) => typeOf(q) === 'Lit')) {
        literal += nodes(p.Parts)
          .map((q) => unescapeDouble(text(q.Value)))
          .join('');
      } else literal = undefined;
      if (literal === undefined) break;
    }
    return { ...(literal !== undefined ? { literal } : {}), source: this.source(w), constructs };
  }

  redirect(r: ShNode, own: Set<CommandConstruct>): void {
    const target = node(r.Word);
    const info = target ? this.word(target, own) : undefined;
    const hdoc = node(r.Hdoc);
    for (const c of [...(info?.constructs ?? []), ...(hdoc ? this.nested(hdoc, own) : [])]) own.add(c);
    const opAt = (r.OpPos as { Offset(): number }).Offset();
    const op = new TextDecoder().decode(this.bytes.subarray(opAt, target ? target.Pos().Offset() : r.End().Offset())).trim();
    const into = info?.literal;
    const harmless = into !== undefined && ['/dev/null', '/dev/stdout', '/dev/stderr'].includes(into);
    const writes = ['>', '>>', '>|', '&>', '&>>', '<>'].includes(op) || (op === '>&' && !(into !== undefined && /^(\d+|-)$/.test(into)));
    if (writes && !harmless) own.add('file_write');
  }

  call(cmd: ShNode, own: Set<CommandConstruct>): void {
    const constructs = new Set(own);
    const assigns = nodes(cmd.Assigns).map((a) => {
      for (const c of this.nested(a, own)) constructs.add(c);
      return this.source(a);
    });
    const args = nodes(cmd.Args).map((w) => this.word(w, own));
    for (const a of args) for (const c of a.constructs) constructs.add(c);
    if (args.length > 0 && args[0]!.literal === undefined) constructs.add('dynamic');
    this.command([...assigns.map((a) => ({ source: a, constructs })), ...args].map(renderWord), args, constructs, assigns.length === 0);
  }

  /**
   * One simple command, and the command a wrapper in it runs (a simple command too); a
   * literal shell payload is parsed. A payload marks the wrapper and what it runs.
   */
  command(rendered: string[], args: WordInfo[], constructs: Set<CommandConstruct>, bare = true): void {
    const w = wrapped(args);
    const around = new Set(constructs);
    if (w?.payload) around.add('payload');
    const literals = args.map((a) => a.literal);
    const argv = bare && literals.every((l): l is string => l !== undefined) ? literals : undefined;
    this.add(rendered, around, argv);
    if (!w) return;
    if (w.inner && w.inner.length > 0) this.command(w.inner.map(renderWord), w.inner, around);
    if (w.script !== undefined) {
      if (this.depth >= MAX_DEPTH) throw new TooComplex(`shell payloads nested more than ${MAX_DEPTH} deep`);
      const inner = analyse(w.script, this.depth + 1);
      if (!inner.ok) throw new TooComplex(`a shell payload ${inner.reason}`);
      for (const p of inner.parts) this.add([p.text], new Set([...around, ...p.constructs]), p.argv);
    }
  }
}

const parseError = (err: unknown): string => {
  if (err instanceof TooComplex) return err.message;
  const e = err as { Error?: () => string; message?: unknown } | null;
  if (e && typeof e.Error === 'function') return e.Error();
  return typeof e?.message === 'string' ? e.message : String(err);
};

function analyse(command: string, depth: number): ShellAnalysis {
  try {
    const file = loadSyntax().NewParser().Parse(command, '');
    const a = new Analyser(command, depth);
    a.stmts(file.Stmts, new Set());
    if (a.parts.length === 0) return { ok: false, reason: 'runs no command' };
    return { ok: true, parts: a.parts };
  } catch (err) {
    return { ok: false, reason: `could not be read as a shell command line (${parseError(err)})` };
  }
}

/** The simple commands of a bash command line, or why it has none the policy can judge. */
export const analyseCommand = (command: string): ShellAnalysis => analyse(command, 0);
