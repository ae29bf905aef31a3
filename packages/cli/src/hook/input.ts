/**
 * What Claude Code sends a command hook on stdin for PreToolUse (its hooks reference):
 * common fields plus the tool call. Unknown fields are kept, since newer versions add them.
 */
import { z } from 'zod';

export const HookInput = z.looseObject({
  session_id: z.string().min(1),
  transcript_path: z.string().optional(),
  cwd: z.string().optional(),
  permission_mode: z.string().optional(),
  hook_event_name: z.string(),
  tool_name: z.string().min(1),
  tool_input: z.record(z.string(), z.unknown()).default({}),
  tool_use_id: z.string().optional(),
});
export type HookInput = z.infer<typeof HookInput>;

/** The tool inputs the mapping reads; everything else of tool_input is passed through untouched. */
export const EditInput = z.looseObject({
  file_path: z.string().min(1),
  old_string: z.string(),
  new_string: z.string(),
  replace_all: z.boolean().optional(),
});
export const MultiEditInput = z.looseObject({
  file_path: z.string().min(1),
  edits: z.array(z.looseObject({ old_string: z.string(), new_string: z.string(), replace_all: z.boolean().optional() })).min(1),
});
export const WriteInput = z.looseObject({ file_path: z.string().min(1), content: z.string() });
export const BashInput = z.looseObject({ command: z.string().min(1), description: z.string().optional() });
export const ReadInput = z.looseObject({ file_path: z.string().min(1) });
export const SearchInput = z.looseObject({ pattern: z.string(), path: z.string().optional() });
export const WebFetchInput = z.looseObject({ url: z.string().min(1), prompt: z.string().optional() });

export type EditOp = { old_string: string; new_string: string; replace_all?: boolean | undefined };
