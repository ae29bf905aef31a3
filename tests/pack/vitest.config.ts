import { defineConfig } from 'vitest/config';

// The packed packages (npm pack of the SDK and the CLI) installed into a scratch project outside
// the repository, on Node 20 and 22, in a browser bundle and in workerd. Its own project: it builds,
// packs and installs from the npm registry, so it runs alone (`npx vitest run --project pack`).
export default defineConfig({
  test: { name: 'pack', environment: 'node', include: ['**/*.test.ts'], testTimeout: 60_000, hookTimeout: 240_000, fileParallelism: false },
});
