/**
 * `npm run serve`: Greenlight as it runs in production, locally: the bundle `npm run
 * deploy` ships, on bare workerd with a generated config (serve-workerd.ts), with only
 * the asset routing in front: no Miniflare entry layer, no dev proxy, no file watcher,
 * no trace store. Same state, root token, demo keys, checks and repairs as `npm start`
 * (run-local.ts); no reload on edit (restart it). docs/serving.md has its figures.
 */
import { localVars, STATE_DIR } from './demo.ts';
import { runLocal } from './run-local.ts';
import { startWorkerdServe } from './serve-workerd.ts';

await runLocal('npm run serve', 'production-like: the deploy bundle on bare workerd', ({ port, token }) =>
  startWorkerdServe({ port, persistTo: STATE_DIR, vars: { ...localVars(), GREENLIGHT_ROOT_TOKEN: token } }),
);
