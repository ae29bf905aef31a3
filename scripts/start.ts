/**
 * `npm start`: run Greenlight locally under `wrangler dev` (workerd, SQLite state in
 * .wrangler/state), make a `demo` workspace on first run, check and repair its saved
 * keys on every run, print the URL and keys (run-local.ts says what happens when
 * something goes wrong). `npm run serve` (serve.ts) is the same without the dev proxy.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LOCAL_DIR, localVars, STATE_DIR } from './demo.ts';
import { isStopping, runLocal } from './run-local.ts';
import { startServer, type Server } from './server.ts';

let wrangler: Server | undefined;
await runLocal('npm start', 'wrangler dev', async ({ port, token }) => {
  mkdirSync(LOCAL_DIR, { recursive: true });
  // Secrets reach the Worker through an env file, never the command line.
  const envFile = join(LOCAL_DIR, 'start.env');
  const vars = { ...localVars(), GREENLIGHT_ROOT_TOKEN: token };
  writeFileSync(
    envFile,
    Object.entries(vars)
      .map(([k, v]) => `${k}=${v}\n`)
      .join(''),
    { mode: 0o600 },
  );
  wrangler = await startServer({ port, persistTo: STATE_DIR, envFile, quiet: true });
  return wrangler;
});
wrangler?.child.on('exit', (code, signal) => {
  if (isStopping()) return; // stopped on purpose: Ctrl+C or SIGTERM
  console.error(`wrangler dev exited (${code ?? signal}).\n${wrangler?.output() ?? ''}`);
  process.exit(code ?? 1);
});
