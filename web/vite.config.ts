import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/**
 * The web app (docs/web-app.md): built into web/dist, which the gateway serves, `/` the page and `/app/`
 * its files. Nothing is loaded from elsewhere, so the app works where the gateway has no internet.
 */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/app/',
  logLevel: 'warn',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // ECharts is most of the bundle; one file is fine for an app served from the same host.
    chunkSizeWarningLimit: 2000,
  },
});
