import type { GuestDma } from '../devices/virtio/dma';
import type { HostMemory } from '../memory/host-memory';
import { PAGE_SIZE } from '../memory/host-memory';
import type { P2m } from '../memory/p2m';

/**
 * Guest RAM as the VMM's virtio devices see it (devices/virtio/dma.ts),
 * through the VM's p2m: reads take the read path, writes the write path (a
 * write to a KSM page or the zero frame breaks it with a private copy
 * first). Used only inside a DMA section (host/shootdown.ts), and no
 * translation is kept between calls. 16/32-bit accesses at natural
 * alignment are single Atomics operations (the split ring's ordering rules
 * rely on it); anything else goes byte by byte.
 */
export class VmmDma implements GuestDma {
  readonly #ram8: Uint8Array;
  readonly #ram16: Uint16Array;
  readonly #ram32: Int32Array;

  constructor(
    readonly p2m: P2m,
    mem: HostMemory,
  ) {
    this.#ram8 = mem.ram8;
    this.#ram16 = mem.ram16;
    this.#ram32 = mem.ram32;
  }

  inRam(gpa: number, len: number): boolean {
    if (!(gpa >= 0 && len >= 0 && gpa + len <= 2 ** 32)) return false;
    if (len === 0) return true;
    return this.p2m.isRam(gpa) && this.p2m.isRam(gpa + len - 1);
  }

  read16(gpa: number): number | undefined {
    if (!this.inRam(gpa, 2)) return undefined;
    if (gpa & 1) return this.#readSlow(gpa, 2);
    const off = this.p2m.hostOffset(gpa);
    return off < 0 ? undefined : Atomics.load(this.#ram16, off >> 1);
  }

  read32(gpa: number): number | undefined {
    if (!this.inRam(gpa, 4)) return undefined;
    if (gpa & 3) return this.#readSlow(gpa, 4);
    const off = this.p2m.hostOffset(gpa);
    return off < 0 ? undefined : Atomics.load(this.#ram32, off >> 2) >>> 0;
  }

  write16(gpa: number, v: number): boolean {
    if (!this.inRam(gpa, 2)) return false;
    if (gpa & 1) return this.writeBytes(gpa, Uint8Array.of(v & 0xff, (v >>> 8) & 0xff));
    const off = this.p2m.hostOffsetWrite(gpa);
    if (off < 0) return false;
    Atomics.store(this.#ram16, off >> 1, v);
    return true;
  }

  write32(gpa: number, v: number): boolean {
    if (!this.inRam(gpa, 4)) return false;
    if (gpa & 3) {
      return this.writeBytes(gpa, Uint8Array.of(v, v >>> 8, v >>> 16, v >>> 24));
    }
    const off = this.p2m.hostOffsetWrite(gpa);
    if (off < 0) return false;
    Atomics.store(this.#ram32, off >> 2, v | 0);
    return true;
  }

  readBytes(gpa: number, len: number): Uint8Array | undefined {
    if (!this.inRam(gpa, len)) return undefined;
    const out = new Uint8Array(len);
    for (let done = 0; done < len;) {
      const off = this.p2m.hostOffset(gpa + done);
      if (off < 0) return undefined;
      const n = Math.min(len - done, PAGE_SIZE - ((gpa + done) & (PAGE_SIZE - 1)));
      out.set(this.#ram8.subarray(off, off + n), done);
      done += n;
    }
    return out;
  }

  writeBytes(gpa: number, bytes: Uint8Array): boolean {
    if (!this.inRam(gpa, bytes.length)) return false;
    // Resolve every page first, so a failure leaves guest memory untouched.
    const spans: [number, number, number][] = [];
    for (let done = 0; done < bytes.length;) {
      const off = this.p2m.hostOffsetWrite(gpa + done);
      if (off < 0) return false;
      const n = Math.min(bytes.length - done, PAGE_SIZE - ((gpa + done) & (PAGE_SIZE - 1)));
      spans.push([off, done, n]);
      done += n;
    }
    for (const [off, from, n] of spans) this.#ram8.set(bytes.subarray(from, from + n), off);
    return true;
  }

  #readSlow(gpa: number, size: number): number | undefined {
    const b = this.readBytes(gpa, size);
    if (!b) return undefined;
    let v = 0;
    for (let i = size - 1; i >= 0; i--) v = (v << 8) | b[i];
    return v >>> 0;
  }
}
