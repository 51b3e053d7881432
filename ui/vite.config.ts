import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// Built into ui/dist, served by `capstan server` at / under a strict Content-Security-Policy: no inline script or style
// element in the output (Vite's module preload polyfill is inline, so it is off; every module is a file under /assets/).
export default defineConfig({
  plugins: [react()],
  base: '/',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 600,
  },
});
