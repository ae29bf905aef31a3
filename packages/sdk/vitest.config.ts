import { defineConfig } from 'vitest/config';

// The SDK's Node-side pieces (the built-in step handlers) against real temp directories and processes.
export default defineConfig({
  test: { name: 'sdk', environment: 'node', include: ['test/**/*.test.ts'] },
});
