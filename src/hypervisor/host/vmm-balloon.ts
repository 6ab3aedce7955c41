import { VIRT } from '../board/virt-board';
import type { BalloonHost } from '../devices/virtio/balloon';
import { P2M, type P2m } from '../memory/p2m';
import type { Shootdown } from './shootdown';
import { BAL } from './vm-shared';

/**
 * The VMM's side of the virtio-balloon (QEMU's virtio-balloon.c handlers):
 * pages the guest inflates or reports free are unmapped from the p2m, the
 * VM is shot down, and only then are their frames released to the host
 * pool (ram_block_discard_range in QEMU). Deflated pages need nothing: they
 * are backed again on first touch. Statistics go to the shared BAL words.
 */
export class BalloonBackend implements BalloonHost {
  readonly bal: Float64Array;

  constructor(
    sab: SharedArrayBuffer,
    readonly p2m: P2m,
    readonly shootdown: Shootdown,
  ) {
    this.bal = new Float64Array(sab);
  }

  inflate(pfns: Uint32Array): void {
    this.bal[BAL.INFLATED] += this.#discard(pfns, P2M.BALLOONED);
  }

  deflate(pfns: Uint32Array): void {
    const base = VIRT.DRAM.base / 4096;
    for (const pfn of pfns) {
      const gfn = pfn - base;
      if (gfn >= 0 && gfn < this.p2m.pages)
        Atomics.compareExchange(this.p2m.table, gfn, P2M.BALLOONED, P2M.UNBACKED);
    }
    this.bal[BAL.DEFLATED] += pfns.length;
  }

  report(ranges: { addr: number; len: number }[]): void {
    for (const r of ranges) {
      const pages = Math.floor(r.len / 4096);
      const first = Math.floor(r.addr / 4096);
      const pfns = new Uint32Array(pages);
      for (let i = 0; i < pages; i++) pfns[i] = first + i;
      this.bal[BAL.REPORTED] += this.#discard(pfns, P2M.UNBACKED);
    }
  }

  stats(values: Map<number, number>, receivedAtMs: number): void {
    for (const [tag, value] of values) if (tag >= 0 && tag < 16) this.bal[BAL.STATS + tag] = value;
    this.bal[BAL.LAST_UPDATE] = Math.floor(receivedAtMs / 1000);
    this.bal[BAL.STATS_AT_MS] = receivedAtMs;
  }

  /** Unmaps the guest pages, shoots the VM down, releases the frames; returns the pages in RAM. */
  #discard(pfns: Uint32Array, mark: number): number {
    const base = VIRT.DRAM.base / 4096;
    const old: number[] = [];
    let pages = 0;
    for (const pfn of pfns) {
      const gfn = pfn - base;
      if (gfn < 0 || gfn >= this.p2m.pages) continue;
      pages++;
      const e = this.p2m.unmap(gfn, mark);
      if (e >= 0) old.push(e);
    }
    if (old.length) {
      this.shootdown.run(-1, true);
      for (const e of old) this.p2m.releaseEntry(e);
      this.bal[BAL.FREED] += old.length;
    }
    return pages;
  }
}
