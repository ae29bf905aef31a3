/**
 * `npm start`: run Greenlight locally under `wrangler dev` (workerd, SQLite state in
 * .wrangler/state), make a `demo` workspace on first run, print the URL and keys.
 * `npm run serve` (serve.ts) is the same without the dev proxy, for speed.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { banner, demoKeys, localVars, PORT, STATE_DIR, stopOnSignal } from './demo.ts';
import { ROOT_DIR } from './local.ts';
import { startServer } from './server.ts';

const vars = localVars();
const token = vars.GREENLIGHT_ROOT_TOKEN!;
mkdirSync(join(ROOT_DIR, '.wrangler'), { recursive: true });
// Secrets reach the Worker through an env file, never the command line.
const envFile = join(ROOT_DIR, '.wrangler', 'start.env');
writeFileSync(envFile, Object.entries(vars).map(([k, v]) => `${k}=${v}\n`).join(''), { mode: 0o600 });

console.log(`Starting Greenlight on http://127.0.0.1:${PORT} ...`);
const server = await startServer({ port: PORT, persistTo: STATE_DIR, envFile, quiet: true });
console.log(banner(server.url, await demoKeys(server.url, token), 'wrangler dev'));
stopOnSignal(server);
server.child.on('exit', (code) => {
  console.error(`wrangler dev exited (${code}).\n${server.output()}`);
  process.exit(code ?? 1);
});
