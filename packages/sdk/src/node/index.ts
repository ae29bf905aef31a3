/**
 * @greenlight/sdk/node: built-in step handlers for agents on Node, to pass to run():
 * edit_file and delete_file under a root directory, run_command in a shell.
 */
export { fileHandlers, type FileHandlersOptions } from './files.ts';
export { commandHandler, type CommandHandlerOptions, type CommandOutput } from './command.ts';
export { sha256File } from './hash.ts';
