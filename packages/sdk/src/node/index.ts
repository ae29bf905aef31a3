/**
 * @greenlight/sdk/node: built-in step handlers for agents on Node, to pass to run():
 * edit_file and delete_file under a root directory, run_command in a shell; and the
 * byte-exact patching they use (patchBytes, textView), for tools that show diffs; and
 * writeFileStep, which proposes a write over an existing file as a diff against it.
 */
export { fileHandlers, type FileHandlersOptions } from './files.ts';
export { commandHandler, type CommandHandlerOptions, type CommandOutput } from './command.ts';
export { sha256File } from './hash.ts';
export { patchBytes, textView, type View } from './patch.ts';
export { writeFileStep, type EditFileStep, type WriteFileStepOptions } from './propose.ts';
