/**
 * One vitest run for the whole repo: core in Node, the Worker and its Durable Objects
 * in workerd (as in local development, and as deployed: api-prod), and end-to-end tests
 * against a real server.
 */
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: ['packages/*/vitest.config.ts', 'apps/*/vitest.config.ts', 'apps/api/vitest.prod.config.ts', 'tests/vitest.config.ts', 'tests/browser/vitest.config.ts', 'tests/pack/vitest.config.ts'],
  },
});
