import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { Worker } from 'node:worker_threads';

const bundles = new Map<string, Promise<string>>();

/**
 * Node 20 cannot start a TypeScript worker_threads entry directly, so tests
 * bundle the entry with esbuild once per process and start the bundle. The
 * bundle is kept under its content hash in one directory, so test runs
 * (whose worker processes are killed, not exited) leave one file per
 * version of the code, not a directory per process.
 */
export async function bundleWorker(entry: string): Promise<string> {
  let bundle = bundles.get(entry);
  if (!bundle) {
    bundle = build({
      entryPoints: [entry],
      bundle: true,
      platform: 'node',
      format: 'esm',
      write: false,
      logLevel: 'error',
    }).then(({ outputFiles }) => {
      const code = outputFiles[0].contents;
      const hash = createHash('sha256').update(code).digest('hex').slice(0, 16);
      const dir = join(tmpdir(), 'virtlab-workers');
      const file = join(dir, `${basename(entry).replace(/\.ts$/, '')}-${hash}.mjs`);
      if (!existsSync(file)) {
        mkdirSync(dir, { recursive: true });
        // Written aside and renamed: a parallel process never starts a half-written file.
        const part = `${file}.${process.pid}.part`;
        writeFileSync(part, code);
        renameSync(part, file);
      }
      return file;
    });
    bundles.set(entry, bundle);
  }
  return bundle;
}

export async function startNodeWorker(entry: string): Promise<Worker> {
  return new Worker(await bundleWorker(entry));
}
