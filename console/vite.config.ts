// Built into ../build/console (scripts/build.sh) and served by bmf-coordinator at /ui/.
// Everything is bundled: no CDN, no external font (it must work on an air-gapped management network).
import { defineConfig } from 'vitest/config';
import react from '@vitejs/plugin-react';

export default defineConfig({
  base: '/ui/',
  plugins: [react()],
  build: {
    outDir: process.env.BMF_CONSOLE_OUT ?? '../build/console',
    emptyOutDir: true,
    sourcemap: false,
    // the module preload polyfill is an inline script, which the coordinator's CSP refuses
    modulePreload: { polyfill: false },
  },
  // 127.0.0.1, not "localhost": a machine may have no /etc/hosts entry for it (vitest starts a server)
  server: { host: '127.0.0.1' },
  test: {
    environment: 'node',
    include: ['tests/**/*.test.ts'],
  },
});
