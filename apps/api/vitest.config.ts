import { cloudflareTest } from '@cloudflare/vitest-plugin';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  plugins: [
    cloudflareTest({
      wrangler: { configPath: fileURLToPath(new URL('../../wrangler.toml', import.meta.url)) },
      // Like local development: webhooks may reach receivers on 127.0.0.1. No data key, so
      // webhook secrets are sealed under the root token. (test/prod runs as a deployment.)
      // GREENLIGHT_DATA_KEY is set empty on purpose: `npm start` writes a .dev.vars with a
      // data key next to wrangler.toml, which Miniflare would load, and `npm test` after
      // `npm start` (the README's order) would then run these tests with one.
      miniflare: {
        bindings: { GREENLIGHT_ROOT_TOKEN: 'test-root-token', GREENLIGHT_DATA_KEY: '', CORS_ORIGINS: 'https://review.example.com', WEBHOOK_ALLOW_PRIVATE: 'true' },
      },
    }),
  ],
  // A file's first test also pays for its isolate and the Worker's first requests: under a
  // full run on 2 cores that alone passed 5 s (decisions.test.ts at CI, 1.8 s alone). 20 s
  // still fails a test that waits on something that never comes.
  test: { name: 'api', include: ['test/**/*.test.ts'], exclude: ['test/prod/**'], testTimeout: 20_000 },
});
