/**
 * MCP tools as Greenlight steps (issue 14): the tool name a step carries
 * (`mcp__<server>__<tool>`, the form Claude Code also uses) and the tool's annotations
 * (MCP spec 2025-06-18, `ToolAnnotations`). Annotations come from the MCP server, which
 * the spec calls untrusted: the policy reads them with the spec's defaults, and only a
 * rule that says `trustAnnotations` may allow a call because of them (policy-rules.ts).
 * Pure.
 */
import { z } from 'zod';

/**
 * A server's name in tool names and rules: letters, digits, `-` and single `_`, at most
 * 40 characters. No `__`, so `mcp__<server>__<tool>` splits back in one way.
 */
export const McpServerName = z
  .string()
  .min(1)
  .max(40)
  .regex(/^[A-Za-z0-9](?:[A-Za-z0-9-]|_(?!_))*$/, 'letters, digits, "-" and single "_", starting with a letter or digit')
  .refine((s) => !s.endsWith('_'), 'must not end with "_"');

/** The hints of MCP's `ToolAnnotations`, as a step's `params.annotations` carries them and a rule matches them. */
export const McpAnnotations = z.strictObject({
  readOnlyHint: z.boolean().optional(),
  destructiveHint: z.boolean().optional(),
  idempotentHint: z.boolean().optional(),
  openWorldHint: z.boolean().optional(),
});
export type McpAnnotations = z.infer<typeof McpAnnotations>;

const PREFIX = 'mcp__';

/** The step tool name of an MCP tool: `mcp__<server>__<tool>`. */
export const mcpToolName = (server: string, tool: string): string => `${PREFIX}${server}__${tool}`;

/** The server of a step tool named `mcp__<server>__<tool>`, or undefined for any other name. */
export function mcpServerOf(tool: string): string | undefined {
  if (!tool.startsWith(PREFIX)) return undefined;
  const end = tool.indexOf('__', PREFIX.length);
  return end > PREFIX.length ? tool.slice(PREFIX.length, end) : undefined;
}

/** Picks the four hints out of an MCP tool's `annotations` (anything else in it, e.g. `title`, is left out). */
export function pickAnnotations(raw: unknown): McpAnnotations {
  const out: McpAnnotations = {};
  if (raw === null || typeof raw !== 'object') return out;
  const r = raw as Record<string, unknown>;
  for (const k of ['readOnlyHint', 'destructiveHint', 'idempotentHint', 'openWorldHint'] as const) {
    if (typeof r[k] === 'boolean') out[k] = r[k];
  }
  return out;
}

/**
 * The hints as the MCP spec defines them when absent: not read-only, destructive (only
 * meaningful when not read-only, so a read-only tool is never destructive), not
 * idempotent, open world. A server that says nothing is taken at its most dangerous.
 */
export function effectiveAnnotations(a: McpAnnotations): Required<McpAnnotations> {
  const readOnlyHint = a.readOnlyHint ?? false;
  return {
    readOnlyHint,
    destructiveHint: !readOnlyHint && (a.destructiveHint ?? true),
    idempotentHint: a.idempotentHint ?? false,
    openWorldHint: a.openWorldHint ?? true,
  };
}
