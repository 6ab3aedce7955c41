/**
 * Largest guest image (kernel, initrd, ELF) the host loads, compressed or
 * not: guest RAM is at most 1024 MiB and a kernel a few MiB, so 64 MiB is
 * generous. Checked before reading a file and while decompressing, so a
 * gzip bomb or /dev/zero costs at most this much.
 */
export const IMAGE_MAX_BYTES = 64 << 20;

/**
 * gunzip with the platform's DecompressionStream (browsers and Node ≥ 18),
 * stopping with an error once the output passes `maxBytes`.
 */
export async function gunzip(bytes: Uint8Array, maxBytes = IMAGE_MAX_BYTES): Promise<Uint8Array> {
  const reader = new Blob([bytes as Uint8Array<ArrayBuffer>])
    .stream()
    .pipeThrough(new DecompressionStream('gzip'))
    .getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > maxBytes) {
      await reader.cancel();
      throw new RangeError(`image too large: more than ${maxBytes >> 20} MiB once decompressed`);
    }
    chunks.push(value);
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length > 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}
