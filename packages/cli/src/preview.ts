/**
 * A compact preview of what a step would do, for `show` and for the decide commands:
 * the command, the diff (coloured, cut after `maxLines`), the URL, the questions.
 */
import type { StepKind } from '@greenlight/core';
import type { Out } from './output.ts';

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

function clip(lines: string[], maxLines: number, out: Out): string[] {
  if (lines.length <= maxLines) return lines;
  return [...lines.slice(0, maxLines), out.paint('gray', `… ${lines.length - maxLines} more lines (--full shows all)`)];
}

function diffLines(patch: string, out: Out): string[] {
  const lines = patch.replace(/\n$/, '').split('\n');
  // The Index:/==== banner of createTwoFilesPatch says nothing the ---/+++ lines do not.
  const body = lines.filter((l) => !l.startsWith('Index: ') && !/^={10,}$/.test(l));
  return body.map((l) => {
    if (l.startsWith('+++') || l.startsWith('---')) return out.paint('bold', l);
    if (l.startsWith('@@')) return out.paint('cyan', l);
    if (l.startsWith('+')) return out.paint('green', l);
    if (l.startsWith('-')) return out.paint('red', l);
    return l;
  });
}

/** Lines (without indentation) describing params of a step of this kind. */
export function previewLines(kind: StepKind, params: Record<string, unknown>, out: Out, maxLines = 20): string[] {
  switch (kind) {
    case 'run_command': {
      const cwd = str(params.cwd);
      return [out.paint('bold', `$ ${str(params.command) ?? ''}`), ...(cwd ? [out.paint('gray', `  in ${cwd}`)] : [])];
    }
    case 'edit_file': {
      const patch = str(params.patch);
      if (patch !== undefined) return clip(diffLines(patch, out), maxLines, out);
      const content = str(params.content) ?? '';
      return [out.paint('bold', `write ${str(params.path) ?? ''} (${content.length} chars)`), ...clip(content.split('\n'), maxLines, out)];
    }
    case 'delete_file':
      return [out.paint('red', `delete ${str(params.path) ?? ''}`)];
    case 'execute_code':
      return [out.paint('bold', `${str(params.language) ?? ''}:`), ...clip((str(params.code) ?? '').split('\n'), maxLines, out)];
    case 'network':
      return [out.paint('bold', `${str(params.method) ?? ''} ${str(params.url) ?? ''}`)];
    case 'read': {
      const paths = Array.isArray(params.paths) ? params.paths.filter((p): p is string => typeof p === 'string') : [];
      const query = str(params.query);
      return [`${str(params.tool) ?? 'read'}${paths.length > 0 ? ' ' + paths.join(' ') : ''}${query !== undefined ? ` ${JSON.stringify(query)}` : ''}`];
    }
    case 'clarify': {
      const questions = Array.isArray(params.questions) ? params.questions.filter((q): q is string => typeof q === 'string') : [];
      return questions.map((q) => `? ${q}`);
    }
    case 'custom':
      return [out.paint('bold', str(params.tool) ?? 'custom'), ...clip(JSON.stringify(params.input ?? null, null, 2).split('\n'), maxLines, out)];
  }
}
