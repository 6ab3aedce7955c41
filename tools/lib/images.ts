import { join } from 'node:path';
import { readImageFile } from '../../src/manage/image-file';

export const ROOT = join(import.meta.dirname, '..', '..');
export const DEFAULT_KERNEL = join(ROOT, 'public', 'images', 'linux-rv32.bin.gz');

/** Reads a guest image file (regular files only, size-capped), gunzipping it when it is gzip. */
export const readImage = readImageFile;
