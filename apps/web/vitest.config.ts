/** The page's pure modules (the diff parser), tested in Node; the page itself is tested in a browser (tests/browser). */
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: { name: 'web', environment: 'node', include: ['src/**/*.test.ts'] },
});
