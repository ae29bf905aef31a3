import { defineConfig } from 'vitest/config';

// End-to-end: a real `wrangler dev`, started by the tests themselves (the browser tests are
// their own project: tests/browser/vitest.config.ts).
export default defineConfig({
  test: { name: 'e2e', environment: 'node', include: ['**/*.test.ts'], exclude: ['pack/**', 'browser/**', '**/node_modules/**'], testTimeout: 60_000, hookTimeout: 90_000, fileParallelism: false },
});
