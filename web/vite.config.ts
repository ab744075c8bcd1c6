import { defineConfig } from 'vitest/config';

// The built files are committed under crates/web/dist and embedded in the
// binary; `npm run build` rewrites them. SYNCTV_WEB_OUT builds elsewhere
// (the reproducibility test compares such a build with the committed one).
const outDir = process.env.SYNCTV_WEB_OUT ?? '../crates/web/dist';

export default defineConfig({
  base: '/',
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: {
    outDir,
    emptyOutDir: true,
    target: 'es2020',
    sourcemap: false,
    modulePreload: { polyfill: false },
    reportCompressedSize: false,
    assetsDir: 'assets',
    // hls.js and mpegts.js are large but load only with a player that needs them.
    chunkSizeWarningLimit: 700,
  },
  server: {
    proxy: {
      '/api': { target: 'http://127.0.0.1:8080', ws: true },
      '/flv': 'http://127.0.0.1:8080',
      '/hls': 'http://127.0.0.1:8080',
    },
  },
  test: {
    include: ['src/**/*.test.ts'],
    environment: 'node',
  },
});
