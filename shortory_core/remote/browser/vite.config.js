// Builds dist/: viewer.js (what the Streamlit component imports), bench.html (a plain page
// that runs the pipeline on the camera, for tests and the bench), and onnxruntime-web's
// WebAssembly runtime under its own name. `npm ci && npm run build` rebuilds it all.
import { resolve } from 'node:path';
import { defineConfig } from 'vite';

export default defineConfig({
  base: './',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 1024,
    rollupOptions: {
      input: { viewer: resolve(__dirname, 'src/viewer.js'), bench: resolve(__dirname, 'bench.html') },
      preserveEntrySignatures: 'exports-only',
      output: {
        entryFileNames: '[name].js',
        chunkFileNames: '[name]-[hash].js',
        assetFileNames: '[name][extname]',
      },
    },
  },
});
