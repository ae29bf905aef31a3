/**
 * Remembered grants (SPEC section 11; docs/sessions.md): a reviewer's approval that
 * reaches later steps of the same task. A grant's matcher says which steps: a command
 * (exactly, or by a prefix of its parsed argv: never a string prefix), a path glob over
 * canonical paths for one step kind, or a tool name. Matching is machine/grants.ts.
 */
import { z } from 'zod';
import { GrantScope, StepKind } from '../enums.ts';
import { EpochMs, Id } from './common.ts';

const Word = z.string().min(1).max(1000);
/**
 * The directory a command grant is bound to: the canonical form (core's paths.ts) of the
 * approved step's `cwd`. A grant with it matches only steps whose cwd has that canonical
 * form; a grant without it only steps without a cwd (docs/sessions.md, "Decisions").
 */
const Cwd = z.string().min(1).max(4096);

/**
 * Which steps a grant approves. `command.exact`: a run_command whose parsed simple
 * commands are those of this line (so quoting differences do not matter);
 * `command.argvPrefix`: a run_command each of whose simple commands is plain (literal
 * words, no assignments, no substitutions or other constructs) and starts with these
 * words; either only in the directory `cwd` (canonical) when given, else only for steps
 * without a cwd; `path`: a step of `stepKind` every path of which, in canonical form, the
 * glob (picomatch) matches; `tool`: a read or custom step with this `params.tool`.
 */
export const GrantMatcher = z.union([
  z.strictObject({ kind: z.literal('command'), exact: z.string().min(1).max(10_000), cwd: Cwd.optional() }),
  z.strictObject({ kind: z.literal('command'), argvPrefix: z.array(Word).min(1).max(50), cwd: Cwd.optional() }),
  z.strictObject({ kind: z.literal('path'), stepKind: StepKind.extract(['read', 'edit_file', 'delete_file']), glob: z.string().min(1).max(1000) }),
  z.strictObject({ kind: z.literal('tool'), tool: z.string().min(1).max(100) }),
]);
export type GrantMatcher = z.infer<typeof GrantMatcher>;

/** A `task` grant, kept on its task: who gave it, from which approval, and whether it was revoked. */
export const Grant = z.object({
  id: Id,
  taskId: Id,
  scope: GrantScope.exclude(['once']),
  matcher: GrantMatcher,
  /** The reviewer who gave it: the person behind every step it approves. */
  by: z.string(),
  createdAt: EpochMs,
  /** The approval and step it was given on. */
  approvalId: Id,
  stepId: Id,
  /** How many later steps it approved. */
  uses: z.number().int().nonnegative(),
  revokedAt: EpochMs.optional(),
  revokedBy: z.string().optional(),
  /** For scope `always`: the proposed workspace rule waiting for an admin. */
  proposalId: Id.optional(),
});
export type Grant = z.infer<typeof Grant>;

export const ListGrantsInput = z.strictObject({ taskId: Id.optional(), includeRevoked: z.boolean().default(false) });
export type ListGrantsInput = z.infer<typeof ListGrantsInput>;
export const RevokeGrantInput = z.strictObject({ grantId: Id, idempotencyKey: z.string().min(1).max(200).optional() });
export type RevokeGrantInput = z.infer<typeof RevokeGrantInput>;
export const ConfirmProposalInput = z.strictObject({ proposalId: Id, idempotencyKey: z.string().min(1).max(200).optional() });
export type ConfirmProposalInput = z.infer<typeof ConfirmProposalInput>;
