/**
 * `npm run reset`: start local Greenlight fresh. Removes the local state (every
 * workspace, task and key) and the demo keys file, so the next `npm start` makes a
 * new `demo` workspace. Asks nothing, prints what it removed. Keeps .dev.vars: it
 * holds the root token (and anything else you put there), which is not tied to the
 * state; delete it yourself to get a new token. Refuses while a server from this
 * folder is running (its files are open; it would keep serving the old state).
 */
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { DEV_VARS, KEYS_FILE, LOCAL_DIR, RUN_FILE, shown, STATE_DIR } from './demo.ts';
import { liveRun } from './run-local.ts';

const run = liveRun();
if (run) {
  console.error(`Greenlight is running from this folder (process ${run.pid}, ${run.url}); stop it first (Ctrl+C in its terminal), then run \`npm run reset\` again.`);
  process.exit(1);
}

// The state, the keys that belong to it, and what `npm start` writes beside them.
const targets = [STATE_DIR, KEYS_FILE, join(LOCAL_DIR, 'start.env'), RUN_FILE];
const removed = targets.filter((p) => existsSync(p));
for (const p of removed) rmSync(p, { recursive: true, force: true });
if (removed.length === 0) console.log('Nothing to remove: local state was already fresh.');
else console.log(`Removed:\n${removed.map((p) => `  ${shown(p)}`).join('\n')}`);
if (existsSync(DEV_VARS)) console.log(`Kept ${shown(DEV_VARS)} (the root token; delete it to get a new one).`);
console.log('Run `npm start` to begin again with a new "demo" workspace.');
