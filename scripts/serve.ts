/**
 * `npm run serve`: Greenlight as it runs in production, locally: the deploy bundle on
 * workerd through Miniflare, with no dev proxy, no file watcher and no trace store in
 * front (see miniflare.ts). Same state, root token, demo keys, checks and repairs as
 * `npm start` (run-local.ts); no reload on edit (restart it). The bench's figures for
 * this mode are in the README.
 */
import { localVars, STATE_DIR } from './demo.ts';
import { startMiniflare } from './miniflare.ts';
import { runLocal } from './run-local.ts';

await runLocal('npm run serve', 'production-like: Miniflare, no dev proxy', ({ port, token }) =>
  startMiniflare({ port, persistTo: STATE_DIR, vars: { ...localVars(), GREENLIGHT_ROOT_TOKEN: token } }),
);
