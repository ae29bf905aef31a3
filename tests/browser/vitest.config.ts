import { defineConfig } from 'vitest/config';

// The review page in a real Chromium against a real `wrangler dev` (tests/browser/fixture.ts:
// one server and one browser per file, a workspace and contexts per test). Tests are
// shuffled on every run: none may lean on another having run first. A failing order is
// replayed with the seed vitest prints: `--sequence.seed=<seed>`.
export default defineConfig({
  test: {
    name: 'browser',
    environment: 'node',
    include: ['**/*.test.ts'],
    exclude: ['**/node_modules/**'],
    testTimeout: 60_000,
    hookTimeout: 90_000,
    fileParallelism: false,
    sequence: { shuffle: { files: false, tests: true } },
  },
});
