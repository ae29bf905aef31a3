/** The SDK's typed client for this page: same origin as the page, the reviewer's key. */
import { createClient, GreenlightError, type GreenlightClient } from '@greenlight/sdk';

export type Client = GreenlightClient;

// The page fires several reads at once (workspace, inbox, timeline): one batched request serves them.
export const makeClient = (key: string): Client => createClient({ url: window.location.origin, key, batch: true });

/** Anything thrown, as the SDK's one error type, so every error is shown the same way. */
export const asError = (err: unknown): GreenlightError => GreenlightError.from(err);

/** An error the page finds itself (bad JSON, missing feedback), shown like the API's. */
export const localError = (message: string): GreenlightError => new GreenlightError(message, { code: 'BAD_REQUEST' });
