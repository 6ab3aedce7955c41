import type { MigrationMessage } from './messages';

/**
 * Migration messages as bytes, for a byte stream (a socket between two
 * processes). A frame is:
 *
 *   u32 LE  length of what follows
 *   u32 LE  length of the header
 *   header  UTF-8 JSON of the message, each Uint8Array / Int32Array
 *           replaced by {"$bin": i, "type": "u8" | "i32"}; and "blobs":
 *           the byte length of each
 *   blobs   the arrays' bytes, in order (Int32 little-endian)
 *
 * A frame is at most MAX_FRAME bytes; a reader refuses a bigger length
 * before buffering it, so a broken peer cannot make it allocate at will.
 */
export const MAX_FRAME = 64 << 20;

type Bin = { $bin: number; type: 'u8' | 'i32' };

export function encodeMessage(message: MigrationMessage): Uint8Array {
  const blobs: Uint8Array[] = [];
  const header = JSON.stringify(message, (_key, value: unknown) => {
    if (value instanceof Uint8Array) {
      blobs.push(value);
      return { $bin: blobs.length - 1, type: 'u8' } satisfies Bin;
    }
    if (value instanceof Int32Array) {
      blobs.push(new Uint8Array(value.buffer, value.byteOffset, value.byteLength));
      return { $bin: blobs.length - 1, type: 'i32' } satisfies Bin;
    }
    return value;
  });
  const head = new TextEncoder().encode(
    JSON.stringify({ message: JSON.parse(header), blobs: blobs.map((b) => b.length) }),
  );
  const bodyLength = 4 + head.length + blobs.reduce((n, b) => n + b.length, 0);
  if (bodyLength > MAX_FRAME) throw new RangeError(`migration frame of ${bodyLength} bytes`);
  const out = new Uint8Array(4 + bodyLength);
  const view = new DataView(out.buffer);
  view.setUint32(0, bodyLength, true);
  view.setUint32(4, head.length, true);
  out.set(head, 8);
  let at = 8 + head.length;
  for (const b of blobs) {
    out.set(b, at);
    at += b.length;
  }
  return out;
}

/** Reassembles frames from a byte stream's chunks. */
export class FrameReader {
  #buf = new Uint8Array(0);

  /** Adds received bytes; returns the messages they completed. Throws on a malformed frame. */
  push(chunk: Uint8Array): MigrationMessage[] {
    const joined = new Uint8Array(this.#buf.length + chunk.length);
    joined.set(this.#buf);
    joined.set(chunk, this.#buf.length);
    const out: MigrationMessage[] = [];
    let at = 0;
    while (joined.length - at >= 4) {
      const len = new DataView(joined.buffer, at).getUint32(0, true);
      if (len > MAX_FRAME || len < 4) throw new Error(`malformed migration frame (${len} bytes)`);
      if (joined.length - at - 4 < len) break;
      out.push(decodeBody(joined.subarray(at + 4, at + 4 + len)));
      at += 4 + len;
    }
    this.#buf = joined.slice(at);
    return out;
  }
}

function decodeBody(body: Uint8Array): MigrationMessage {
  const headLen = new DataView(body.buffer, body.byteOffset).getUint32(0, true);
  if (headLen > body.length - 4) throw new Error('malformed migration frame header');
  const { message, blobs } = JSON.parse(
    new TextDecoder().decode(body.subarray(4, 4 + headLen)),
  ) as {
    message: unknown;
    blobs: number[];
  };
  const arrays: Uint8Array[] = [];
  let at = 4 + headLen;
  for (const n of blobs) {
    if (!(Number.isInteger(n) && n >= 0 && at + n <= body.length))
      throw new Error('malformed migration frame blobs');
    arrays.push(body.slice(at, at + n));
    at += n;
  }
  const revive = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(revive);
    if (value && typeof value === 'object') {
      const bin = value as Partial<Bin>;
      if (typeof bin.$bin === 'number') {
        const bytes = arrays[bin.$bin];
        if (!bytes) throw new Error('malformed migration frame: missing blob');
        if (bin.type === 'i32') {
          if (bytes.length % 4) throw new Error('malformed migration frame: Int32 blob');
          return new Int32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
        }
        return bytes;
      }
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, revive(v)]));
    }
    return value;
  };
  const out = revive(message) as MigrationMessage;
  if (!out || typeof out.kind !== 'string') throw new Error('malformed migration message');
  return out;
}
