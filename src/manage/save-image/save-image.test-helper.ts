/**
 * Test doubles for the save image: a seeded generator of machine states and
 * guest pages, and `repack`, which edits a valid image's sections and
 * re-frames it with a correct checksum (to reach the checks behind it).
 */
import { HART_STATE_BYTES } from '../../hypervisor/cpu/hart-state';
import { CLINT_WORD, clintLayout } from '../../hypervisor/devices/clint';
import { PLIC_WORD, plicLayout } from '../../hypervisor/devices/plic';
import { BAL } from '../../hypervisor/host/vm-shared';
import { PAGE_SIZE } from '../../hypervisor/memory/host-memory';
import { MACHINE_STATE_VERSION, type MachineState } from '../../hypervisor/vm/machine-state';
import { CHECKSUM_BYTES, packContainer, unpackContainer, type SectionId } from './container';
import type { SavedPage } from './page-codec';

/** xorshift32: the same sequence on every run and platform. */
export class Rng {
  #s: number;
  constructor(seed: number) {
    this.#s = seed >>> 0 || 1;
  }
  next(): number {
    let s = this.#s;
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (this.#s = s >>> 0);
  }
  /** Uniform in [0, n). */
  below(n: number): number {
    return Math.floor((this.next() / 2 ** 32) * n);
  }
  fill(bytes: Uint8Array): Uint8Array {
    for (let i = 0; i < bytes.length; i++) bytes[i] = this.next() & 0xff;
    return bytes;
  }
}

export function syntheticMachine(rng: Rng, harts = 2, memoryMiB = 64): MachineState {
  const ndev = 96;
  const plic = new Int32Array(plicLayout(harts, ndev).words).map(() => rng.next() | 0);
  plic[PLIC_WORD.LOCK] = 0;
  plic[PLIC_WORD.HARTS] = harts;
  plic[PLIC_WORD.NDEV] = ndev;
  const clint = new Int32Array(clintLayout(harts).words).map(() => rng.next() | 0);
  clint[CLINT_WORD.LOCK] = 0;
  clint[CLINT_WORD.HARTS] = harts;
  const words = Array.from({ length: BAL.WORDS }, () => rng.next() / 7);
  words[8] = NaN; // a stats tag never sent
  words[9] = -0;
  words[10] = Infinity;
  return {
    version: MACHINE_STATE_VERSION,
    harts,
    memoryMiB,
    sbi: true,
    engine: 'jit',
    mtime: 123_456_789_012,
    hartStates: rng.fill(new Uint8Array(harts * HART_STATE_BYTES)),
    plic: new Uint8Array(plic.buffer),
    clint: new Uint8Array(clint.buffer),
    balloon: { deflateOnOom: true, freePageReporting: false, words },
    devices: {
      uart: { ier: 5, lcr: 3, rx: [104, 105], name: 'ns16550a — ü 😀' },
      rtc: { alarm: 2 ** 53 - 1, offsetNs: -1.5e-7 },
      pvpanic: null,
      virtio: [
        { id: 5, queues: [{ avail: 17, used: 16, size: 256 }], features: '0x100000000' },
        null,
      ],
    },
  };
}

/** Byte mixes of the pages an idle Linux guest has touched (see synthesizeGuestMemory). */
export type PageKind = 'zero' | 'code' | 'sparse' | 'text' | 'random';

/**
 * A guest's touched pages, `touchedPages` of them spread over its RAM, in
 * gfn order, each of a kind drawn by `mix` (weights). Kinds stand for what
 * Linux leaves in RAM: kernel and busybox text (instruction words from a
 * skewed vocabulary: deflates to ~0.6, like the real rv32 Image's 0.57),
 * slab/page tables/struct page (mostly zero words), page cache text,
 * compressed or random data (incompressible, e.g. the initramfs before it
 * is unpacked), and pages allocated zeroed and never written.
 */
export function synthesizeGuestMemory(
  rng: Rng,
  memoryMiB: number,
  touchedPages: number,
  mix: Partial<Record<PageKind, number>>,
): SavedPage[] {
  const memoryPages = (memoryMiB << 20) / PAGE_SIZE;
  const stride = memoryPages / touchedPages;
  const kinds = Object.entries(mix) as Array<[PageKind, number]>;
  const totalWeight = kinds.reduce((sum, [, w]) => sum + w, 0);
  const vocabulary = Uint32Array.from({ length: 2048 }, () => rng.next());
  const words = Array.from({ length: 400 }, () =>
    Array.from({ length: 2 + rng.below(8) }, () => 97 + rng.below(26)),
  );
  const memory = new Uint8Array(touchedPages * PAGE_SIZE);
  const pages: SavedPage[] = [];
  for (let i = 0; i < touchedPages; i++) {
    const bytes = memory.subarray(i * PAGE_SIZE, (i + 1) * PAGE_SIZE);
    const view = new DataView(bytes.buffer, bytes.byteOffset, PAGE_SIZE);
    let pick = rng.below(totalWeight);
    const kind = kinds.find(([, w]) => (pick -= w) < 0)![0];
    switch (kind) {
      case 'code':
        for (let at = 0; at < PAGE_SIZE; at += 4) {
          const skewed = Math.floor((rng.next() / 2 ** 32) ** 2 * vocabulary.length);
          view.setUint32(at, rng.below(8) === 0 ? rng.next() : vocabulary[skewed], true);
        }
        break;
      case 'sparse': {
        const percent = rng.below(25);
        for (let at = 0; at < PAGE_SIZE; at += 4)
          if (rng.below(100) < percent)
            view.setUint32(
              at,
              rng.below(3) ? 0xc000_0000 + (rng.next() & 0xf_fffc) : rng.below(0x10000),
              true,
            );
        break;
      }
      case 'text':
        for (let at = 0; at < PAGE_SIZE;) {
          const word = words[Math.floor((rng.next() / 2 ** 32) ** 2 * words.length)];
          for (const c of word) if (at < PAGE_SIZE) bytes[at++] = c;
          if (at < PAGE_SIZE) bytes[at++] = rng.below(12) ? 32 : 10;
        }
        break;
      case 'random':
        rng.fill(bytes);
        break;
      case 'zero':
        break;
    }
    pages.push({ gfn: Math.floor(i * stride), bytes });
  }
  return pages;
}

export function isZeroPage(bytes: Uint8Array): boolean {
  return bytes.every((b) => b === 0);
}

/** Re-frames a valid image after `edit` changed its sections (checksum recomputed). */
export async function repack(
  file: Uint8Array,
  edit: (sections: Map<SectionId, Uint8Array>) => void,
  flags?: number,
): Promise<Uint8Array> {
  const container = await unpackContainer(file);
  const sections = new Map(container.sections);
  edit(sections);
  const ordered = [...sections].sort(([a], [b]) => a - b);
  return packContainer(flags ?? container.flags, ordered);
}

/** Recomputes the trailing SHA-256 after raw header edits. */
export async function reseal(file: Uint8Array): Promise<Uint8Array> {
  const out = file.slice();
  const body = out.length - CHECKSUM_BYTES;
  const digest = await crypto.subtle.digest('SHA-256', out.subarray(0, body));
  out.set(new Uint8Array(digest), body);
  return out;
}

/** The pages a writer stores: the non-zero ones, in order. */
export function nonZeroPages(pages: SavedPage[]): SavedPage[] {
  return pages.filter((p) => !isZeroPage(p.bytes));
}

/** Index of the first byte where a and b differ, −1 when equal (toEqual is slow on MiBs). */
export function firstDifference(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? -1 : n;
}
