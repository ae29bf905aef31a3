/** Slack: request signing, the payloads Greenlight reads, and the messages it sends. */
export * from './signature.ts';
export * from './payload.ts';
export * from './message.ts';
export * from './intents.ts';
export * from './settings.ts';
