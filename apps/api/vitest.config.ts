import { cloudflareTest } from '@cloudflare/vitest-plugin';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  plugins: [
    cloudflareTest({
      wrangler: { configPath: fileURLToPath(new URL('../../wrangler.toml', import.meta.url)) },
      miniflare: { bindings: { GREENLIGHT_ROOT_TOKEN: 'test-root-token', CORS_ORIGINS: 'https://review.example.com' } },
    }),
  ],
  test: { name: 'api', include: ['test/**/*.test.ts'] },
});
