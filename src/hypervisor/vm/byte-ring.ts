/**
 * A single-producer, single-consumer byte ring in a SharedArrayBuffer, used
 * for console input (page/terminal → VM) without messages, so a VM thread
 * that never returns to its event loop still sees keystrokes.
 *
 * Layout: Int32 [0] head (total bytes written, producer only, Atomics),
 *         Int32 [1] tail (total bytes read, consumer only, Atomics),
 *         bytes [8, 8 + capacity) data; capacity is a power of two.
 * Free space = capacity - (head - tail). Counters wrap at 2^32 safely
 * because only their difference is used.
 */
export class ByteRing {
  static readonly HEADER = 8;
  readonly idx: Int32Array;
  readonly data: Uint8Array;
  readonly capacity: number;

  constructor(readonly sab: SharedArrayBuffer) {
    this.capacity = sab.byteLength - ByteRing.HEADER;
    if (this.capacity <= 0 || (this.capacity & (this.capacity - 1)) !== 0) {
      throw new RangeError('ByteRing capacity must be a power of two');
    }
    this.idx = new Int32Array(sab, 0, 2);
    this.data = new Uint8Array(sab, ByteRing.HEADER, this.capacity);
  }

  static create(capacity = 4096): ByteRing {
    return new ByteRing(new SharedArrayBuffer(ByteRing.HEADER + capacity));
  }

  /** Bytes waiting to be read. */
  get available(): number {
    return (Atomics.load(this.idx, 0) - Atomics.load(this.idx, 1)) | 0;
  }

  /** Room for the producer, bytes. */
  get free(): number {
    return this.capacity - ((Atomics.load(this.idx, 0) - Atomics.load(this.idx, 1)) | 0);
  }

  /** Producer: writes as many bytes as fit; returns how many. */
  write(bytes: Uint8Array): number {
    const head = Atomics.load(this.idx, 0);
    const free = this.capacity - ((head - Atomics.load(this.idx, 1)) | 0);
    const n = Math.min(free, bytes.length);
    for (let i = 0; i < n; i++) this.data[(head + i) & (this.capacity - 1)] = bytes[i];
    Atomics.store(this.idx, 0, (head + n) | 0);
    return n;
  }

  /** One byte, or -1 when empty, safe with several consumers (compare-and-swap on the tail). */
  readByteShared(): number {
    for (;;) {
      const tail = Atomics.load(this.idx, 1);
      if (tail === Atomics.load(this.idx, 0)) return -1;
      const b = this.data[tail & (this.capacity - 1)];
      if (Atomics.compareExchange(this.idx, 1, tail, (tail + 1) | 0) === tail) return b;
    }
  }

  /** Consumer: one byte, or -1 when empty. */
  readByte(): number {
    const tail = Atomics.load(this.idx, 1);
    if (tail === Atomics.load(this.idx, 0)) return -1;
    const b = this.data[tail & (this.capacity - 1)];
    Atomics.store(this.idx, 1, (tail + 1) | 0);
    return b;
  }
}
