import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

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
  plugins: [react()],
  // Relative base: the built app works from any sub-path (e.g. a static host's project folder).
  base: './',
  server: { headers: isolationHeaders, port: 5173 },
  preview: { headers: isolationHeaders, port: 4173, strictPort: true },
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
