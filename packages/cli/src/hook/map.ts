/**
 * A Claude Code tool call as a Greenlight step (SPEC section 2):
 *   Bash -> run_command {command, cwd}
 *   Edit / MultiEdit / Write -> edit_file {path, patch}: a unified diff against the
 *     file on disk, with baseHash = SHA-256 of its bytes (none for a new file)
 *   Read / Grep / Glob -> read {tool, paths?, query?}
 *   WebFetch -> network {method: 'GET', url}
 *   anything else (MCP tools, Task, NotebookEdit, ...) -> custom {tool, input}
 * Write over an existing file is an edit with the diff against it, not a new file.
 * Every step carries its context (cwd, git root, origin remote, branch: repo.ts).
 * Paths inside the session's cwd become relative, so policy globs like `src/**` match;
 * others stay absolute, matched by absolute globs like `/etc/**` (core's pathFrom).
 * A call that cannot be mapped faithfully (an edit whose old_string is not in the file,
 * a URL that is not one) becomes a custom step, so the reviewer still sees it as sent.
 * The diff is byte-exact: it is made over the SDK's lossless text view of the file
 * (textView: a BOM stays, other encodings are never decoded into U+FFFD); a file that
 * is not UTF-8 gets a diff only when patchBytes confirms that it stands for exactly the
 * bytes the edit makes, otherwise the step says plainly that it cannot be shown.
 */
import { Buffer } from 'node:buffer';
import { readFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { createTwoFilesPatch, FILE_HEADERS_ONLY } from 'diff';
import { canonicalPath, LIMITS, parseParams, pathFrom, sha256Hex, type PlanRequest, type StepKind } from '@greenlight/core';
import { HOSTS, type HookHost, type StepDraft, type ToolCall } from '@greenlight/core/hooks';
import { patchBytes, textView, type View } from '@greenlight/sdk/node';
import { applyEdit, applyEdits, type Applied } from './edits.ts';
import { repoContext } from './repo.ts';
import { BashInput, EditInput, MultiEditInput, ReadInput, SearchInput, WebFetchInput, WriteInput, type HookInput } from './input.ts';

export type StepRequest = PlanRequest['steps'][number];

const clip = (s: string, max: number): string => {
  const flat = s.replace(/\s+/g, ' ').trim();
  return flat.length > max ? flat.slice(0, max - 1) + '…' : flat;
};
const TITLE_MAX = Math.min(200, LIMITS.titleChars);

/**
 * The path as the reviewer and the policy see it: core's canonical form, relative when
 * inside cwd, absolute otherwise. A path with no single meaning is passed on as given,
 * and the policy fails closed on it.
 */
export function displayPath(path: string, cwd: string | undefined): string {
  const c = cwd ? pathFrom(cwd, path) : canonicalPath(path);
  return c.ok ? c.path : path;
}

const absolutePath = (path: string, cwd: string | undefined): string => (cwd && !isAbsolute(path) ? resolve(cwd, path) : path);

/** The file's bytes, or undefined when there is no file. */
async function readBytes(path: string): Promise<Uint8Array | undefined> {
  try {
    return await readFile(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

function stepKey(tool: string): string {
  return tool.replace(/[^A-Za-z0-9_.:-]/g, '_').slice(0, 100) || 'tool';
}

function custom(input: HookInput, note?: string): StepRequest {
  return {
    key: stepKey(input.tool_name),
    kind: 'custom',
    title: clip(`Use ${input.tool_name}`, TITLE_MAX),
    params: { tool: input.tool_name.slice(0, 100), input: input.tool_input },
    ...(note ? { explanation: note } : {}),
  };
}

/**
 * Whether `patch` stands for exactly the bytes the edit makes of a file that is not
 * UTF-8: applied byte for byte by the SDK's patchBytes (which refuses non-ASCII hunk
 * text, whose bytes cannot be known), it must give the new text's Latin-1 bytes.
 */
function exactOverLatin1(bytes: Uint8Array, patch: string, content: string, path: string): boolean {
  try {
    return patchBytes(bytes, patch, path).equals(Buffer.from(content, 'latin1')) && Buffer.from(content, 'latin1').toString('latin1') === content;
  } catch {
    return false;
  }
}

/** The step for an edit whose diff cannot be shown as the file's bytes: it says so, keeps the path (path rules still apply) and baseHash. */
function notText(input: HookInput, path: string, baseHash: string): StepRequest {
  const sent = clip(JSON.stringify(input.tool_input), 1500);
  return {
    key: stepKey(input.tool_name),
    kind: 'edit_file',
    title: clip(`${input.tool_name} ${path} (not UTF-8 text)`, TITLE_MAX),
    // git's own words for a change it cannot show as text; a patch with no hunks, which no executor applies.
    params: { path, patch: `Binary files a/${path} and b/${path} differ\n` },
    explanation: clip(
      `${path} is not UTF-8 text (binary, or another encoding such as Latin-1 or UTF-16), and this change touches bytes that cannot be shown as text faithfully, so no diff is shown. baseHash binds the file exactly as it is on disk now. Claude Code sent: ${sent}`,
      2000,
    ),
    baseHash,
  };
}

/** An edit as a byte-exact diff against the file on disk. */
async function fileEdit(input: HookInput, filePath: string, title: (path: string) => string, next: (old: string | undefined) => Applied): Promise<StepRequest> {
  const abs = absolutePath(filePath, input.cwd);
  const path = displayPath(filePath, input.cwd);
  const bytes = await readBytes(abs);
  const shown: { view: View; text: string } | undefined = bytes === undefined ? undefined : textView(bytes);
  const old = shown?.text;
  const applied = next(old);
  if (!applied.ok) return custom(input, `Greenlight could not apply this ${input.tool_name} to ${path} as it is on disk (${applied.error}); Claude Code's own tool will likely fail too.`);
  const patch = createTwoFilesPatch(old === undefined ? '/dev/null' : path, path, old ?? '', applied.content, undefined, undefined, { headerOptions: FILE_HEADERS_ONLY });
  const baseHash = bytes !== undefined ? await sha256Hex(bytes) : undefined;
  if (bytes !== undefined && baseHash !== undefined && shown?.view === 'latin1' && !exactOverLatin1(bytes, patch, applied.content, path)) return notText(input, path, baseHash);
  const notes = [
    ...(shown?.view === 'latin1' ? [`${path} is not UTF-8 text; the diff shows its bytes one per character (Latin-1), and this change touches only ASCII.`] : []),
    ...(old?.startsWith('\ufeff') ? [`${path} starts with a byte order mark (U+FEFF), which the diff keeps.`] : []),
  ];
  return {
    key: stepKey(input.tool_name),
    kind: 'edit_file',
    title: clip(old === undefined ? `Create ${path}` : title(path), TITLE_MAX),
    params: { path, patch },
    ...(notes.length > 0 ? { explanation: notes.join(' ') } : {}),
    ...(baseHash !== undefined ? { baseHash } : {}),
  };
}

function simple(input: HookInput, kind: StepKind, title: string, params: Record<string, unknown>, explanation?: string): StepRequest {
  return { key: stepKey(input.tool_name), kind, title: clip(title, TITLE_MAX), params, ...(explanation ? { explanation: clip(explanation, 2000) } : {}) };
}

async function mapKnown(input: HookInput): Promise<StepRequest | undefined> {
  const { tool_name: tool, tool_input: ti, cwd } = input;
  switch (tool) {
    case 'Bash': {
      const b = BashInput.safeParse(ti);
      if (!b.success) return undefined;
      return simple(input, 'run_command', `Run ${b.data.command}`, { command: b.data.command, ...(cwd ? { cwd } : {}) }, b.data.description);
    }
    case 'Edit': {
      const e = EditInput.safeParse(ti);
      if (!e.success) return undefined;
      return fileEdit(
        input,
        e.data.file_path,
        (p) => `Edit ${p}`,
        (old) => applyEdit(old, e.data),
      );
    }
    case 'MultiEdit': {
      const e = MultiEditInput.safeParse(ti);
      if (!e.success) return undefined;
      const n = e.data.edits.length;
      return fileEdit(
        input,
        e.data.file_path,
        (p) => `Edit ${p} (${n} change${n === 1 ? '' : 's'})`,
        (old) => applyEdits(old, e.data.edits),
      );
    }
    case 'Write': {
      const w = WriteInput.safeParse(ti);
      if (!w.success) return undefined;
      return fileEdit(
        input,
        w.data.file_path,
        (p) => `Overwrite ${p}`,
        () => ({ ok: true, content: w.data.content }),
      );
    }
    case 'Read': {
      const r = ReadInput.safeParse(ti);
      if (!r.success) return undefined;
      const path = displayPath(r.data.file_path, cwd);
      return simple(input, 'read', `Read ${path}`, { tool, paths: [path] });
    }
    case 'Grep':
    case 'Glob': {
      const s = SearchInput.safeParse(ti);
      if (!s.success) return undefined;
      const paths = s.data.path ? [displayPath(s.data.path, cwd)] : undefined;
      return simple(input, 'read', `${tool} ${s.data.pattern}${paths ? ` in ${paths[0]}` : ''}`, { tool, query: s.data.pattern, ...(paths ? { paths } : {}) });
    }
    case 'WebFetch': {
      const w = WebFetchInput.safeParse(ti);
      if (!w.success) return undefined;
      return simple(input, 'network', `Fetch ${w.data.url}`, { method: 'GET', url: w.data.url }, w.data.prompt);
    }
    default:
      return undefined;
  }
}

/**
 * The step for one tool call; its params always pass the kind's schema. It carries where
 * the call runs (`context`: cwd, git root, origin remote, branch; repo.ts) and, when
 * given, `waitUntil`: when this hook stops waiting for a decision (epoch ms), so the page
 * can say how long the agent will wait.
 */
export async function toolToStep(input: HookInput, opts: { waitUntil?: number } = {}): Promise<StepRequest> {
  const [mapped, context] = await Promise.all([mapKnown(input), repoContext(input.cwd)]);
  const extra = { metadata: { tool: input.tool_name }, ...(context ? { context } : {}), ...(opts.waitUntil !== undefined ? { waitUntil: Math.round(opts.waitUntil) } : {}) };
  if (mapped && parseParams(mapped.kind, mapped.params).success) return { ...mapped, ...extra };
  const note = mapped ? `Greenlight could not express this ${input.tool_name} call as a ${mapped.kind} step; here it is as sent.` : undefined;
  return { ...custom(input, note), ...extra };
}

/**
 * The step for a host's tool call: the host's table in core (core/hooks), except for the
 * file edits this machine can show as a byte-exact diff against the file on disk
 * (Claude Code's Edit / MultiEdit / Write, Cursor's Edit / StrReplace / Write).
 */
export async function hostStep(host: HookHost, call: ToolCall): Promise<StepDraft> {
  const asClaude = (tool: string, input: Record<string, unknown>): HookInput => ({
    session_id: 'hook',
    hook_event_name: 'PreToolUse',
    tool_name: tool,
    tool_input: input,
    ...(call.cwd ? { cwd: call.cwd } : {}),
  });
  const withMeta = (s: StepRequest): StepDraft => ({ ...(s as StepDraft), metadata: { tool: call.tool, host, ...(call.toolUseId ? { toolUseId: call.toolUseId } : {}) } });
  const i = call.input;
  if (host === 'claude-code' && (call.tool === 'Edit' || call.tool === 'MultiEdit' || call.tool === 'Write')) return withMeta(await toolToStep(asClaude(call.tool, i)));
  if (host === 'cursor') {
    const path = typeof i.file_path === 'string' ? i.file_path : typeof i.path === 'string' ? i.path : undefined;
    if (path && (call.tool === 'Edit' || call.tool === 'StrReplace') && typeof i.old_string === 'string' && typeof i.new_string === 'string') {
      return withMeta(await toolToStep(asClaude('Edit', { file_path: path, old_string: i.old_string, new_string: i.new_string, ...(i.replace_all === true ? { replace_all: true } : {}) })));
    }
    const content = typeof i.contents === 'string' ? i.contents : typeof i.content === 'string' ? i.content : undefined;
    if (path && call.tool === 'Write' && content !== undefined) return withMeta(await toolToStep(asClaude('Write', { file_path: path, content })));
  }
  return HOSTS[host].step(call);
}
