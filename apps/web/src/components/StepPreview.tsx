/**
 * What a step would do, by kind: the diff of an edit, the command, the code, the URL,
 * the questions. Params are the agent's JSON, so every field is checked before use.
 */
import { revealHiddenDeep, type StepKind } from '@greenlight/core';
import { contentAsDiff, diffStats, parsePatch } from '../diff.ts';
import { show } from '../format.ts';
import { DiffView } from './DiffView.tsx';

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

function EditPreview({ params }: { params: Record<string, unknown> }) {
  const path = str(params.path) ?? '(no path)';
  const patch = str(params.patch);
  const content = str(params.content);
  const files = patch !== undefined ? parsePatch(patch) : content !== undefined ? [contentAsDiff(content)] : [];
  if (files.length === 0) {
    return (
      <div class="preview">
        <div class="diff-path">{path}</div>
        <pre class="code">{patch ?? show(params)}</pre>
      </div>
    );
  }
  const { added, removed } = diffStats(files);
  return (
    <div class="preview">
      <div class="stats">
        {content !== undefined ? 'new content · ' : ''}
        <span class="plus">+{added}</span> <span class="minus">-{removed}</span>
      </div>
      <DiffView files={files} path={path} />
    </div>
  );
}

/**
 * The params as a reviewer must see them: a bidi override, a zero-width or tag
 * character, or a terminal escape in what the agent sent is shown as a visible escape
 * (core's revealHidden), so the command shown is the command that would run.
 */
export function StepPreview({ kind, params: sent }: { kind: StepKind; params: Record<string, unknown> }) {
  const params = revealHiddenDeep(sent);
  switch (kind) {
    case 'edit_file':
      return <EditPreview params={params} />;
    case 'delete_file':
      return (
        <div class="preview">
          Delete <code class="path">{str(params.path)}</code>
        </div>
      );
    case 'run_command':
      return (
        <div class="preview">
          {str(params.cwd) && <div class="muted">in {str(params.cwd)}</div>}
          <pre class="code command">
            <span class="prompt">$ </span>
            {str(params.command)}
          </pre>
        </div>
      );
    case 'execute_code':
      return (
        <div class="preview">
          <div class="muted">{str(params.language)}</div>
          <pre class="code">{str(params.code)}</pre>
        </div>
      );
    case 'network':
      return (
        <div class="preview">
          <code class="method">{str(params.method)}</code> <code class="url">{str(params.url)}</code>
        </div>
      );
    case 'clarify': {
      const questions = Array.isArray(params.questions) ? params.questions.filter((q): q is string => typeof q === 'string') : [];
      return (
        <ol class="preview questions">
          {questions.map((q, i) => (
            <li key={i}>{q}</li>
          ))}
        </ol>
      );
    }
    case 'read':
      return (
        <div class="preview muted">
          {str(params.tool)} {Array.isArray(params.paths) ? params.paths.join(', ') : ''} {str(params.query) ?? ''}
        </div>
      );
    case 'custom':
      return (
        <div class="preview">
          <div class="muted">{str(params.tool)}</div>
          <pre class="code">{show(params.input)}</pre>
        </div>
      );
  }
}
