import { build } from 'vite';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { serveStatic } from './static-server';
import { findChromium } from './browser';

const root = join(import.meta.dirname, '..', '..');

declare module 'vitest' {
  export interface ProvidedContext {
    baseUrl: string;
    /** The same build, but the pCPU worker script is missing (404). */
    brokenUrl: string;
  }
}

/** Builds the app once and serves dist/ header-less under /virtlab/. */
export default async function setup(project: TestProject) {
  findChromium(); // fail early, with install advice, before a slow build
  const outDir = join(root, 'dist');
  await build({ root, logLevel: 'warn', build: { outDir, emptyOutDir: true } });
  const { url, server } = await serveStatic(outDir, '/virtlab/');
  const broken = await serveStatic(outDir, '/virtlab/', { missing: /pcpu\.worker-[^/]*\.js$/ });
  project.provide('baseUrl', url);
  project.provide('brokenUrl', broken.url);
  const close = (s: typeof server) => new Promise<void>((resolve) => s.close(() => resolve()));
  return () => Promise.all([close(server), close(broken.server)]).then(() => undefined);
}
