/**
 * One vitest run for the whole repo, in three projects: core in Node, the Worker and
 * its Durable Objects in workerd, and end-to-end tests against a real server.
 */
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: ['packages/*/vitest.config.ts', 'apps/*/vitest.config.ts', 'tests/vitest.config.ts'],
  },
});
