import { build } from 'esbuild';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { Worker } from 'node:worker_threads';

const bundles = new Map<string, Promise<string>>();

/**
 * Node 20 cannot start a TypeScript worker_threads entry directly, so tests
 * bundle the entry with esbuild once and start the bundle.
 */
export async function bundleWorker(entry: string): Promise<string> {
  let bundle = bundles.get(entry);
  if (!bundle) {
    const outfile = join(
      mkdtempSync(join(tmpdir(), 'virtlab-worker-')),
      basename(entry).replace(/\.ts$/, '.mjs'),
    );
    bundle = build({
      entryPoints: [entry],
      bundle: true,
      platform: 'node',
      format: 'esm',
      outfile,
      logLevel: 'error',
    }).then(() => outfile);
    bundles.set(entry, bundle);
  }
  return bundle;
}

export async function startNodeWorker(entry: string): Promise<Worker> {
  return new Worker(await bundleWorker(entry));
}
