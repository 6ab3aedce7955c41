import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzip, isGzip } from '../../src/hypervisor/loader/gzip';

export const ROOT = join(import.meta.dirname, '..', '..');
export const DEFAULT_KERNEL = join(ROOT, 'public', 'images', 'linux-rv32.bin.gz');

/** Reads a file, gunzipping it when it is gzip-compressed. */
export async function readImage(path: string): Promise<Uint8Array> {
  const bytes = new Uint8Array(readFileSync(path));
  return isGzip(bytes) ? gunzip(bytes) : bytes;
}
