/**
 * The automatic balloon policy (the role oVirt's MOM plays for libvirt
 * hosts): keep the host's free frames above a low watermark by inflating
 * the balloons of the guests with the most free memory, and give the memory
 * back once the host has plenty again.
 *
 * Every PERIOD_MS:
 * - free < LOW (10 % of host RAM): reclaim up to (TARGET − free) pages. Guests
 *   are taken in order of their reclaimable memory: the guest's own free
 *   memory (balloon stats MEMFREE) minus a reserve (RESERVE of its current
 *   memory, at least 8 MiB), never below FLOOR of its maximum. Each step
 *   inflates by at most STEP pages per guest, so a guest is never squeezed
 *   faster than it can give.
 * - free > HIGH (25 %): deflate what the policy took, STEP at a time, guests
 *   squeezed the most first.
 * The policy's pages come on top of the user's own target (virsh setmem),
 * which it never changes. Guests need balloon stats: the policy turns stats
 * polling on (every 2 s) for the guests it manages if the user left it off.
 *
 * If the host runs dry anyway (guests touch memory faster than balloons
 * inflate), the faulting guest pauses with reason "out of memory" (QEMU's
 * stop on error); the policy resumes it once free memory is back above LOW.
 */
export const POLICY = {
  PERIOD_MS: 500,
  LOW: 0.1,
  TARGET: 0.15,
  HIGH: 0.25,
  RESERVE: 0.1,
  MIN_RESERVE_PAGES: 2048,
  FLOOR: 0.25,
  STEP: 4096,
  STATS_PERIOD_S: 2,
} as const;

/** What the policy sees of a running domain with a balloon. */
export interface PolicyGuest {
  name: string;
  maxPages: number;
  /** The user's balloon target (setmem), pages. */
  userPages: number;
  /** The balloon's size now (the driver's actual), pages. */
  actualPages: number;
  /** The guest's free memory from its last balloon stats, pages; NaN if it never sent any. */
  freePages: number;
  statsPeriodS: number;
  pausedForMemory: boolean;
}

export interface PolicyActions {
  setBalloonTarget(name: string, pages: number): void;
  setStatsPeriod(name: string, seconds: number): void;
  resume(name: string): void;
}

export class BalloonPolicy {
  /** Pages the policy added to each guest's balloon. */
  readonly taken = new Map<string, number>();

  /** One decision; returns the pages it asked to reclaim (> 0) or give back (< 0). */
  step(freePages: number, totalPages: number, guests: PolicyGuest[], act: PolicyActions): number {
    for (const name of this.taken.keys())
      if (!guests.some((g) => g.name === name)) this.taken.delete(name);
    for (const g of guests)
      if (!(g.statsPeriodS > 0)) act.setStatsPeriod(g.name, POLICY.STATS_PERIOD_S);
    let change = 0;
    if (freePages < totalPages * POLICY.LOW) {
      let need = Math.ceil(totalPages * POLICY.TARGET - freePages);
      const candidates = guests
        .map((g) => ({ g, spare: this.#reclaimable(g) }))
        .filter((c) => c.spare > 0)
        .sort((a, b) => b.spare - a.spare);
      for (const { g, spare } of candidates) {
        if (need <= 0) break;
        const pages = Math.min(spare, need, POLICY.STEP);
        const taken = (this.taken.get(g.name) ?? 0) + pages;
        this.taken.set(g.name, taken);
        act.setBalloonTarget(g.name, g.userPages + taken);
        need -= pages;
        change += pages;
      }
    } else {
      if (freePages > totalPages * POLICY.HIGH) {
        let room = Math.floor(freePages - totalPages * POLICY.TARGET * 1.5);
        const squeezed = [...this.taken].sort((a, b) => b[1] - a[1]);
        for (const [name, taken] of squeezed) {
          if (room <= 0) break;
          const g = guests.find((x) => x.name === name);
          if (!g) continue;
          const pages = Math.min(taken, room, POLICY.STEP);
          const left = taken - pages;
          if (left > 0) this.taken.set(name, left);
          else this.taken.delete(name);
          act.setBalloonTarget(name, g.userPages + left);
          room -= pages;
          change -= pages;
        }
      }
      for (const g of guests) if (g.pausedForMemory) act.resume(g.name);
    }
    return change;
  }

  /** Pages the guest can give now without going under its reserve or the floor. */
  #reclaimable(g: PolicyGuest): number {
    if (!Number.isFinite(g.freePages)) return 0;
    const current = g.maxPages - g.actualPages;
    const reserve = Math.max(POLICY.MIN_RESERVE_PAGES, Math.ceil(current * POLICY.RESERVE));
    const byFree = g.freePages - reserve;
    const byFloor = current - Math.ceil(g.maxPages * POLICY.FLOOR);
    // Only from what the balloon already reached: a guest still inflating is not asked again.
    const target = g.userPages + (this.taken.get(g.name) ?? 0);
    if (g.actualPages < target) return 0;
    return Math.max(0, Math.min(byFree, byFloor));
  }
}
