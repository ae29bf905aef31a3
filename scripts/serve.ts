/**
 * `npm run serve`: Greenlight as it runs in production, locally: the deploy bundle on
 * workerd through Miniflare, with no dev proxy, no file watcher and no trace store in
 * front (see miniflare.ts). Same state, root token and demo keys as `npm start`; no
 * reload on edit (restart it). The bench's figures for this mode are in the README.
 */
import { banner, demoKeys, localVars, PORT, STATE_DIR, stopOnSignal } from './demo.ts';
import { startMiniflare } from './miniflare.ts';

const vars = localVars();
const token = vars.GREENLIGHT_ROOT_TOKEN!;
console.log(`Building and starting Greenlight on http://127.0.0.1:${PORT} ...`);
const server = await startMiniflare({ port: PORT, persistTo: STATE_DIR, vars });
console.log(banner(server.url, await demoKeys(server.url, token), 'production-like: Miniflare, no dev proxy'));
stopOnSignal(server);
