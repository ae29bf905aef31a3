import { defineConfig } from 'vitest/config';

export default defineConfig({
  // Property tests run thousands of cases: alone they take 1-2 s, but beside workerd and
  // Chromium in a full run on 2 cores they passed the default 5 s. A bounded run still ends.
  test: { name: 'core', environment: 'node', include: ['test/**/*.test.ts'], testTimeout: 20_000 },
});
