/**
 * The Worker in workerd configured as a deployment is: wrangler.toml's defaults
 * (WEBHOOK_ALLOW_PRIVATE = "false"), a data key, and an outside world stood in for by
 * `outboundService`, which answers every request the Worker makes (a webhook target
 * that redirects answers 302). Tests of what production refuses live in test/prod.
 */
import { cloudflareTest } from '@cloudflare/vitest-plugin';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  plugins: [
    cloudflareTest({
      wrangler: { configPath: fileURLToPath(new URL('../../wrangler.toml', import.meta.url)) },
      miniflare: {
        bindings: { GREENLIGHT_ROOT_TOKEN: 'test-root-token', GREENLIGHT_DATA_KEY: 'test-data-key' },
        outboundService: (request: Request) => {
          const url = new URL(request.url);
          if (url.hostname === 'redirect.example.com') return new Response(null, { status: 302, headers: { location: 'http://169.254.169.254/latest/meta-data/' } });
          return new Response('ok');
        },
      },
    }),
  ],
  test: { name: 'api-prod', include: ['test/prod/**/*.test.ts'] },
});
