import { defineConfig } from 'vitest/config';

// Unit tests of the hook's tool->step mapping, and end-to-end runs of the real CLI against `wrangler dev`.
export default defineConfig({
  test: { name: 'cli', environment: 'node', include: ['test/**/*.test.ts'], testTimeout: 90_000, hookTimeout: 120_000 },
});
