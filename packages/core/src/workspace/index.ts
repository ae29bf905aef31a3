/** The workspace aggregate: state, commands, and its one `executeWorkspace` (the task aggregate has `execute`). */
export * from './state.ts';
export * from './execute.ts';
