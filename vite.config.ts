import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { CSP_DEV_HEADER, SECURITY_HEADERS, cspPlugin } from './csp';

export default defineConfig({
  plugins: [react(), cspPlugin()],
  // Relative base: the built app works from any sub-path (e.g. a static host's project folder).
  base: './',
  // The headers of csp.ts (isolation, CSP, …); the build also writes them as <meta> and into the
  // static hosts' header files, and preview serves exactly what those files say.
  server: {
    headers: { ...SECURITY_HEADERS, 'Content-Security-Policy': CSP_DEV_HEADER },
    port: 5173,
  },
  preview: {
    headers: { ...SECURITY_HEADERS },
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
