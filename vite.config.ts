import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { CSP_DEV_HEADER, CSP_HEADER, cspPlugin } from './csp';

/**
 * Cross-origin isolation (COOP + COEP) gives the page `crossOriginIsolated === true`, which the
 * lab needs for precise timers (performance.now resolution for benchmarks) and SharedArrayBuffer.
 * The same headers are sent by the dev and the preview server.
 */
const isolationHeaders = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export default defineConfig({
  plugins: [react(), cspPlugin(isolationHeaders)],
  // Relative base: the built app works from any sub-path (e.g. a static host's project folder).
  base: './',
  // The Content-Security-Policy (see csp.ts); the build also writes it as <meta> and _headers.
  server: { headers: { ...isolationHeaders, 'Content-Security-Policy': CSP_DEV_HEADER }, port: 5173 },
  preview: {
    headers: { ...isolationHeaders, 'Content-Security-Policy': CSP_HEADER },
    port: 4173,
    strictPort: true,
  },
  worker: { format: 'es' },
  optimizeDeps: {
    include: ['@tensorflow/tfjs', '@tensorflow/tfjs-backend-webgpu'],
  },
  build: {
    target: 'es2022',
    // tfjs is large by nature; the warning is noise for this app.
    chunkSizeWarningLimit: 4096,
  },
});
