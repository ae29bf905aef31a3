/** The workspace aggregate: state, commands, and its one `execute`. */
export * from './state.ts';
export * from './execute.ts';
