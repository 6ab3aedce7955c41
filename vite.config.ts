import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';

// Cross-origin isolation (COOP + COEP) is what gives the page SharedArrayBuffer.
// The dev and preview servers send the headers themselves; a static host that
// cannot (GitHub Pages) gets them from public/coi-serviceworker.js.
const isolationHeaders = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export default defineConfig({
  // Relative base: the build works under any sub-path (e.g. /virtlab/).
  base: './',
  plugins: [svelte()],
  worker: { format: 'es' },
  server: { headers: isolationHeaders },
  preview: { headers: isolationHeaders },
  build: { target: 'es2022', sourcemap: true },
});
