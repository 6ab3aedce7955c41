import { open } from 'node:fs/promises';
import { IMAGE_MAX_BYTES, gunzip, isGzip } from '../hypervisor/loader/gzip';

/**
 * Reads a guest image (kernel, initrd, ELF) from a path: only a regular
 * file, at most IMAGE_MAX_BYTES, size checked before reading, gunzipped
 * (also capped) when it is gzip. `/dev/zero`, a FIFO or a directory is a
 * clear error, never a host that reads forever.
 */
export async function readImageFile(path: string): Promise<Uint8Array> {
  const handle = await open(path, 'r');
  try {
    const st = await handle.stat();
    if (!st.isFile()) throw new Error(`${path}: not a regular file`);
    if (st.size > IMAGE_MAX_BYTES)
      throw new Error(
        `${path}: ${st.size} bytes, more than the ${IMAGE_MAX_BYTES >> 20} MiB limit`,
      );
    const bytes = new Uint8Array(st.size);
    let at = 0;
    while (at < bytes.length) {
      const { bytesRead } = await handle.read(bytes, at, bytes.length - at, at);
      if (bytesRead === 0) break;
      at += bytesRead;
    }
    const read = bytes.subarray(0, at);
    return isGzip(read) ? await gunzip(read) : read;
  } finally {
    await handle.close();
  }
}
