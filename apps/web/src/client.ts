/** The SDK's typed client for this page: same origin as the page, the reviewer's key. */
import { createClient, GreenlightError, type GreenlightClient } from '@greenlight/sdk';
import { LOCAL_CODE } from './errors.ts';

export type Client = GreenlightClient;

// The page fires several reads at once (workspace, inbox, timeline): one batched request serves them.
export const makeClient = (key: string): Client => createClient({ url: window.location.origin, key, batch: true });

/** A client for a signed-in session: the cookie is the credential, the CSRF token goes with every call (signin.ts). */
export const makeSessionClient = (csrf: string): Client => createClient({ url: window.location.origin, key: '', csrf, batch: true });

/** Anything thrown, as the SDK's one error type, so every error is shown the same way. */
export const asError = (err: unknown): GreenlightError => GreenlightError.from(err);

/** A slip the page finds itself (bad JSON, missing feedback): shown in the same box, its message the whole sentence. */
export const localError = (message: string): GreenlightError => new GreenlightError(message, { code: LOCAL_CODE });
