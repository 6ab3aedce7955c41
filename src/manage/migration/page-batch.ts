import type { MigrationMessage } from './messages';

export const PAGE_BYTES = 4096;

/** A pages message being filled, as QEMU's ram_save_page: zero pages cost a bit, others 4 KiB. */
export class PageBatch {
  readonly gfns: number[] = [];
  readonly zero: number[] = [];
  readonly #chunks: Uint8Array[] = [];
  readonly #scratch = new Uint8Array(PAGE_BYTES);

  /** Adds guest frame `gfn`, read by `read` (false: it reads as zeroes). Returns whether it was a normal page. */
  add(gfn: number, read: (gfn: number, into: Uint8Array) => boolean): boolean {
    const page = this.#scratch;
    const normal = read(gfn, page) && !isZero(page);
    this.gfns.push(gfn);
    this.zero.push(normal ? 0 : 1);
    if (normal) this.#chunks.push(page.slice());
    return normal;
  }

  get length(): number {
    return this.gfns.length;
  }

  /** Bytes this batch puts on the wire (page data and its index). */
  get wireBytes(): number {
    return (
      this.#chunks.length * PAGE_BYTES + this.gfns.length * 4 + Math.ceil(this.gfns.length / 8)
    );
  }

  toMessage(seq: number, round: number): Extract<MigrationMessage, { kind: 'pages' }> {
    const zero = new Uint8Array(Math.ceil(this.gfns.length / 8));
    this.zero.forEach((z, i) => (zero[i >> 3] |= z << (i & 7)));
    const data = new Uint8Array(this.#chunks.length * PAGE_BYTES);
    this.#chunks.forEach((c, i) => data.set(c, i * PAGE_BYTES));
    return { kind: 'pages', seq, round, gfns: Int32Array.from(this.gfns), zero, data };
  }
}

/**
 * The pages of a pages message, checked: each gfn inside the VM, the data
 * exactly the normal pages' bytes. Calls `put` with a view of each normal
 * page's bytes (copy what you keep) or null for a zero page.
 */
export function forEachPageOf(
  msg: Extract<MigrationMessage, { kind: 'pages' }>,
  pages: number,
  put: (gfn: number, bytes: Uint8Array | null) => void,
): void {
  const { gfns, zero, data } = msg;
  if (
    !(gfns instanceof Int32Array) ||
    !(zero instanceof Uint8Array) ||
    !(data instanceof Uint8Array)
  )
    throw new Error('malformed pages message');
  if (zero.length !== Math.ceil(gfns.length / 8))
    throw new Error('malformed pages message: zero map');
  let normal = 0;
  for (let i = 0; i < gfns.length; i++) if (((zero[i >> 3] >> (i & 7)) & 1) === 0) normal++;
  if (data.length !== normal * PAGE_BYTES)
    throw new Error(`malformed pages message: ${data.length} bytes for ${normal} pages`);
  let at = 0;
  for (let i = 0; i < gfns.length; i++) {
    const gfn = gfns[i];
    if (!(gfn >= 0 && gfn < pages)) throw new Error(`page ${gfn} outside the guest's ${pages}`);
    if ((zero[i >> 3] >> (i & 7)) & 1) put(gfn, null);
    else {
      put(gfn, data.subarray(at, at + PAGE_BYTES));
      at += PAGE_BYTES;
    }
  }
}

function isZero(page: Uint8Array): boolean {
  const words = new Int32Array(page.buffer, page.byteOffset, page.byteLength >> 2);
  for (let i = 0; i < words.length; i++) if (words[i] !== 0) return false;
  return true;
}
