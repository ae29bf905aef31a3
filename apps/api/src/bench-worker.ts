/**
 * The Worker as `npm run bench` runs it: the production Worker plus the bench routes
 * (bench.ts), with the Workspace object extended by its bench surface (BenchWorkspace:
 * ping, seeding, query plans). The bench starts wrangler with this file as the entry;
 * production (wrangler.toml's main, index.ts) never loads it.
 */
import app from './index.ts';
import { mountBench } from './bench.ts';

export { BenchWorkspace as Workspace } from './workspace/bench.ts';
export { Registry } from './registry.ts';

mountBench(app);

export default app;
