/**
 * Raw DEFLATE (RFC 1951) through the platform's CompressionStream and
 * DecompressionStream (browsers, Node ≥ 18): 'deflate-raw', because the
 * save image's SHA-256 already covers the data that gzip's CRC-32 would.
 * Each call compresses one segment in one write, so the stream sees a few
 * large chunks rather than one per page. Node runs zlib on its thread pool,
 * so several segments in flight use several cores.
 */
import { SaveImageError } from './save-image-error';

export async function deflateRaw(data: Uint8Array): Promise<Uint8Array> {
  const stream = new CompressionStream('deflate-raw');
  const feeding = feed(stream.writable, data);
  feeding.catch(() => {}); // awaited below; an error also ends the reader
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = stream.readable.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    total += value.length;
  }
  await feeding;
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}

/**
 * Inflates `data` into exactly `out`: more output than `out.length` stops
 * the stream at once (never buffered), less or a broken stream is an error.
 * `what` names the data in the error ("memory segment 3").
 */
export async function inflateRawInto(
  data: Uint8Array,
  out: Uint8Array,
  what: string,
): Promise<void> {
  const stream = new DecompressionStream('deflate-raw');
  const feeding = feed(stream.writable, data);
  feeding.catch(() => {}); // a broken stream errors both sides; the reader reports it
  const reader = stream.readable.getReader();
  let at = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (value.length > out.length - at) {
        await reader.cancel();
        throw new SaveImageError(
          'corrupt',
          `corrupt save image: ${what} decompresses to more than its ${out.length} bytes`,
        );
      }
      out.set(value, at);
      at += value.length;
    }
  } catch (e) {
    if (e instanceof SaveImageError) throw e;
    throw new SaveImageError(
      'corrupt',
      `corrupt save image: ${what} does not decompress (${(e as Error).message})`,
    );
  }
  if (at !== out.length)
    throw new SaveImageError(
      'corrupt',
      `corrupt save image: ${what} decompresses to ${at} bytes, not ${out.length}`,
    );
}

async function feed(writable: WritableStream<BufferSource>, data: Uint8Array): Promise<void> {
  const writer = writable.getWriter();
  await writer.write(data as Uint8Array<ArrayBuffer>);
  await writer.close();
}
