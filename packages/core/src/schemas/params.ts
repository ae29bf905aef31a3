/** The params of each step kind (SPEC section 2), and the check that a step's params fit its kind. */
import { z } from 'zod';
import type { StepKind } from '../enums.ts';
import { LIMITS } from '../limits.ts';
import { boundedJson } from './common.ts';
import { McpAnnotations } from '../mcp.ts';

const Path = z.string().min(1).max(4096);
const Code = z.string().max(LIMITS.paramsBytes);

export const ReadParams = z.strictObject({
  tool: z.string().min(1).max(100),
  paths: z.array(Path).max(1000).optional(),
  query: z.string().max(LIMITS.textChars).optional(),
});
export const EditFileParams = z.union([z.strictObject({ path: Path, patch: Code }), z.strictObject({ path: Path, content: Code })]);
export const DeleteFileParams = z.strictObject({ path: Path });
export const RunCommandParams = z.strictObject({ command: z.string().min(1).max(LIMITS.textChars), cwd: Path.optional() });
export const ExecuteCodeParams = z.strictObject({ language: z.string().min(1).max(50), code: Code });
export const NetworkParams = z.strictObject({
  method: z.string().regex(/^[A-Z]{3,10}$/, 'an HTTP method in capitals'),
  url: z.url().max(8192),
});
export const ClarifyParams = z.strictObject({
  questions: z.array(z.string().min(1).max(LIMITS.textChars)).min(1).max(LIMITS.clarifyQuestions),
  placeholder: z.string().max(500).optional(),
});
/**
 * A tool of the agent's own. `tool` is up to 200 characters so an MCP tool's full name
 * (`mcp__<server>__<tool>`, a 128-character tool name) fits; `annotations` are the MCP
 * tool's hints as its (untrusted) server declared them (mcp.ts).
 */
export const CustomParams = z.strictObject({ tool: z.string().min(1).max(200), input: z.unknown(), annotations: McpAnnotations.optional() });

export const PARAMS_BY_KIND = {
  read: ReadParams,
  edit_file: EditFileParams,
  delete_file: DeleteFileParams,
  run_command: RunCommandParams,
  execute_code: ExecuteCodeParams,
  network: NetworkParams,
  clarify: ClarifyParams,
  custom: CustomParams,
} as const satisfies Record<StepKind, z.ZodType>;

export type ParamsOf<K extends StepKind> = z.infer<(typeof PARAMS_BY_KIND)[K]>;

/** Params arrive as JSON; the kind picks the schema. Bounded (depth, then size) before parsing the shape. */
export const AnyParams = boundedJson(z.record(z.string(), z.unknown()), 'params', LIMITS.paramsBytes);

export function parseParams(kind: StepKind, params: unknown): z.ZodSafeParseResult<Record<string, unknown>> {
  return PARAMS_BY_KIND[kind].safeParse(params) as z.ZodSafeParseResult<Record<string, unknown>>;
}
