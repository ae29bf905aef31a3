/**
 * Vite build of the review page into dist/, which the Worker serves as static assets
 * (wrangler.toml [assets]). Preact's JSX goes through Vite 8's own oxc transform, so
 * no preset plugin is needed. The build prints each file's gzipped size.
 */
import { defineConfig } from 'vite';

export default defineConfig({
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // Every browser the page targets has modulepreload; the polyfill would only add bytes.
    modulePreload: { polyfill: false },
    reportCompressedSize: true,
  },
});
