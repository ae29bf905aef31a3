import { defineConfig } from 'vitest/config';

// End-to-end: a real `wrangler dev` (or the browser against it), started by the tests themselves.
export default defineConfig({
  test: { name: 'e2e', environment: 'node', include: ['**/*.test.ts'], exclude: ['pack/**', '**/node_modules/**'], testTimeout: 60_000, hookTimeout: 90_000, fileParallelism: false },
});
