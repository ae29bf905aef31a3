/**
 * What the MCP client sees when Greenlight does not forward a call (a tool error the
 * model reads, with the reviewer's reason), and what the audit log keeps of a result
 * that was forwarded (bounded).
 */
import type { Step } from '@greenlight/core';

/** An MCP tool result with isError: the model sees the text and can change course. */
export type ToolError = { content: { type: 'text'; text: string }[]; isError: true };

export const toolError = (text: string): ToolError => ({ content: [{ type: 'text', text }], isError: true });

/** Who decided, readable: the people, else the rule, else the clock. */
function who(step: Step): string {
  const d = step.decision;
  if (!d) return 'Greenlight';
  if (d.decision === 'timeout') return 'the approval timeout';
  if (d.decision === 'policy') return `policy rule ${d.rule ?? '(mode)'}`;
  return d.by.length > 0 ? d.by.join(', ') : 'a reviewer';
}

/**
 * The tool error for a call that will not be forwarded, from where its step ended.
 * `cancel` is the task's cancel record when the step was cancelled.
 */
export function refusal(step: Step, cancel?: { by: string; reason?: string | undefined }): ToolError {
  const d = step.decision;
  const why = d?.feedback ?? d?.reason;
  const because = why ? `: ${why}` : '';
  switch (step.status) {
    case 'rejected':
      return toolError(`Greenlight: this call was rejected by ${who(step)}${because}. It was not run; do not retry it unchanged.`);
    case 'changes_requested':
      return toolError(`Greenlight: ${who(step)} asked for changes${because}. It was not run; make a new call that does what was asked.`);
    case 'skipped':
      return toolError(`Greenlight: ${who(step)} skipped this call${because}. It was not run.`);
    case 'cancelled':
      return toolError(`Greenlight: the task was cancelled${cancel ? ` by ${cancel.by}${cancel.reason ? `: ${cancel.reason}` : ''}` : ''}. This call was not run.`);
    case 'blocked':
      return toolError('Greenlight: this call is blocked by a step it depends on. It was not run.');
    default:
      return toolError(`Greenlight: this call was not approved (its step is ${step.status}). It was not run.`);
  }
}

/** How much of a forwarded result the step's output keeps (the API caps output at 64 KiB). */
export const OUTPUT_BUDGET_BYTES = 48 * 1024;
const TEXT_PREVIEW_CHARS = 8 * 1024;

/**
 * The step's output for an upstream result: the result itself when it fits the budget,
 * else a summary (each text block's start, the other blocks' types) marked truncated with
 * the full size. The MCP client always gets the whole result; only the record is bounded.
 */
export function boundedOutput(result: Record<string, unknown>): Record<string, unknown> {
  const json = JSON.stringify(result);
  const bytes = Buffer.byteLength(json, 'utf8');
  if (bytes <= OUTPUT_BUDGET_BYTES) return result;
  const content = Array.isArray(result.content) ? (result.content as unknown[]) : [];
  let left = TEXT_PREVIEW_CHARS;
  const preview = content.slice(0, 20).map((block) => {
    const b = (block ?? {}) as Record<string, unknown>;
    if (b.type === 'text' && typeof b.text === 'string') {
      const text = b.text.slice(0, Math.max(0, left));
      left -= text.length;
      return { type: 'text', text, ...(text.length < b.text.length ? { truncatedFrom: b.text.length } : {}) };
    }
    return { type: typeof b.type === 'string' ? b.type : 'unknown' };
  });
  return { truncated: true, bytes, ...(result.isError === true ? { isError: true } : {}), content: preview };
}

/** The text of a tool result's text blocks, for a failed step's message (bounded). */
export function resultText(result: Record<string, unknown>, max = 2000): string {
  const content = Array.isArray(result.content) ? (result.content as Record<string, unknown>[]) : [];
  const text = content
    .filter((b) => b?.type === 'text' && typeof b.text === 'string')
    .map((b) => b.text as string)
    .join('\n');
  return (text || 'the tool reported an error').slice(0, max);
}
