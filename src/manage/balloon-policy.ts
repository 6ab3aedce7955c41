/**
 * The automatic balloon policy (the role oVirt's MOM plays for libvirt
 * hosts): keep the host's free frames above a low watermark by inflating
 * the balloons of guests that have memory to spare, and give it back once
 * the host has plenty again. Its one promise: **a guest's processes never
 * die because of it** (ARCHITECTURE.md, "The balloon policy"). So:
 *
 * - It manages only balloons with DEFLATE_ON_OOM (libvirt `autodeflate='on'`):
 *   a guest that runs short takes pages back from its balloon before its
 *   OOM killer may run. Other guests it never touches (when the host runs
 *   dry their vCPU pauses instead, reason "out of memory", losing nothing).
 * - It inflates only from memory the guest reported free (balloon stats
 *   MEMFREE) minus a margin (RESERVE of its current memory, at least
 *   MIN_RESERVE_PAGES), never below FLOOR of its maximum, at most STEP
 *   pages per guest per decision, and only on statistics that arrived after
 *   its last change to that guest and after the balloon reached its target:
 *   it never acts twice on the same figures. And only from a guest whose free
 *   memory held steady between its last two reports: a guest that is
 *   allocating (free memory falling) is left alone.
 * - It backs off from a guest under pressure: when the guest deflated its
 *   balloon on its own (an OOM deflate), when swap-ins or OOM kills rose, or
 *   when its available memory (MemAvailable) fell below the margin, it gives
 *   pages back at once (even while the host is short: a guest about to run
 *   out goes before the host does) and leaves the guest alone for BACKOFF_MS.
 * - free > HIGH: it deflates what it took, STEP at a time, most squeezed first.
 *
 * The policy's pages come on top of the user's own target (virsh setmem),
 * which it never changes. It turns stats polling on (every STATS_PERIOD_S)
 * for the guests it manages if the user left it off. Each change is
 * returned as a decision that the domain layer reports as an event.
 */
export const POLICY = {
  PERIOD_MS: 500,
  /** Host free below this fraction: reclaim. */
  LOW: 0.1,
  /** …up to this fraction free. */
  TARGET: 0.15,
  /** Host free above this fraction: give back. */
  HIGH: 0.25,
  /** Margin a guest keeps free: this fraction of its current memory… */
  RESERVE: 0.2,
  /** …and at least this many pages (16 MiB). */
  MIN_RESERVE_PAGES: 4096,
  /** Free memory "held steady" between two reports: it fell by less than this (pages, 1 MiB). */
  STEADY_PAGES: 256,
  /** Never below this fraction of its maximum memory. */
  FLOOR: 0.25,
  STEP: 4096,
  STATS_PERIOD_S: 2,
  /** How long a guest under pressure is left alone, ms. */
  BACKOFF_MS: 30_000,
} as const;

/** What the policy sees of a running domain with a balloon. */
export interface PolicyGuest {
  name: string;
  maxPages: number;
  /** The user's balloon target (setmem), pages. */
  userPages: number;
  /** The balloon's size now (the driver's actual), pages. */
  actualPages: number;
  /** The guest's free memory (MEMFREE) from its last balloon stats, pages; NaN if never sent. */
  freePages: number;
  /** MemAvailable (AVAIL) from the last stats, pages; NaN if not sent. */
  availablePages: number;
  /** Cumulative swap-ins (SWAP_IN) and OOM kills (OOM_KILL) from the stats; NaN if not sent. */
  swapIns: number;
  oomKills: number;
  /** Host time (ms) the last stats arrived; 0 = never. */
  statsAtMs: number;
  statsPeriodS: number;
  /** The balloon deflates on guest OOM (autodeflate): only such guests are managed. */
  deflateOnOom: boolean;
  pausedForMemory: boolean;
}

export interface PolicyActions {
  setBalloonTarget(name: string, pages: number): void;
  setStatsPeriod(name: string, seconds: number): void;
  resume(name: string): void;
}

/** One change the policy made, for the event log ("inflated vm2 by 16 MiB: host free 8 %"). */
export interface PolicyDecision {
  domain: string;
  action: 'inflate' | 'deflate' | 'resume';
  /** Pages added to (inflate) or taken from (deflate) the balloon. */
  pages: number;
  message: string;
}

interface GuestRecord {
  /** Pages the policy added on top of the user's target. */
  taken: number;
  /** Host ms of the policy's last target change for this guest. */
  changedAt: number;
  /** The balloon size seen at the previous decision. */
  lastActual: number;
  swapIns: number;
  oomKills: number;
  /** No inflation before this host time (ms). */
  backoffUntil: number;
  /**
   * The last two balloon-stats reports seen: when they arrived, and free
   * pages plus balloon pages then (the balloon moves pages from free to
   * itself, so only the guest's own allocations lower this sum).
   */
  statsAt: number;
  free: number;
  prevFree: number;
}

const MiB = (pages: number) => `${Math.round(pages / 256)} MiB`;

/** The thresholds a user may tune (virsh `balloon-policy`, ours): fractions, 0–1. */
export interface PolicyThresholds {
  /** Host free below this fraction of its RAM: reclaim… */
  low: number;
  /** …up to this fraction free. */
  target: number;
  /** Host free above this fraction: give back. */
  high: number;
  /** Margin a guest keeps free: this fraction of its current memory (at least 16 MiB). */
  reserve: number;
  /** Never below this fraction of a guest's maximum memory. */
  floor: number;
}

export const DEFAULT_THRESHOLDS: PolicyThresholds = {
  low: POLICY.LOW,
  target: POLICY.TARGET,
  high: POLICY.HIGH,
  reserve: POLICY.RESERVE,
  floor: POLICY.FLOOR,
};

/** Checks a set of thresholds; throws a RangeError that names the one at fault. */
export function checkThresholds(t: PolicyThresholds): void {
  for (const [k, v] of Object.entries(t))
    if (!(Number.isFinite(v) && v >= 0 && v <= 1))
      throw new RangeError(`${k} must be a fraction from 0 to 1, got ${v}`);
  if (!(t.low > 0 && t.low < t.target && t.target < t.high))
    throw new RangeError(
      `thresholds must satisfy 0 < low < target < high, got low ${t.low}, target ${t.target}, high ${t.high}`,
    );
  if (!(t.floor > 0)) throw new RangeError(`floor must be above 0, got ${t.floor}`);
}

export class BalloonPolicy {
  readonly #guests = new Map<string, GuestRecord>();
  #t: PolicyThresholds = { ...DEFAULT_THRESHOLDS };

  get thresholds(): PolicyThresholds {
    return { ...this.#t };
  }

  /** Changes some thresholds (all checked together); nothing changes on error. */
  setThresholds(change: Partial<PolicyThresholds>): PolicyThresholds {
    const next = { ...this.#t, ...change };
    checkThresholds(next);
    this.#t = next;
    return this.thresholds;
  }

  /** Pages the policy added to each guest's balloon. */
  get taken(): ReadonlyMap<string, number> {
    return new Map([...this.#guests].filter(([, g]) => g.taken > 0).map(([n, g]) => [n, g.taken]));
  }

  /** One decision at host time `now` (ms). */
  step(
    now: number,
    freePages: number,
    totalPages: number,
    guests: PolicyGuest[],
    act: PolicyActions,
  ): PolicyDecision[] {
    for (const name of this.#guests.keys())
      if (!guests.some((g) => g.name === name)) this.#guests.delete(name);
    const out: PolicyDecision[] = [];
    const freePct = `host free ${Math.round((100 * freePages) / totalPages)} %`;
    const managed = guests.filter((g) => g.deflateOnOom);
    for (const g of managed)
      if (!(g.statsPeriodS > 0)) act.setStatsPeriod(g.name, POLICY.STATS_PERIOD_S);

    const retarget = (g: PolicyGuest, rec: GuestRecord, taken: number) => {
      rec.taken = taken;
      rec.changedAt = now;
      act.setBalloonTarget(g.name, g.userPages + taken);
    };

    // 1. Pressure inside a guest comes first, whatever the host's state.
    for (const g of managed) {
      const rec = this.#record(g);
      if (g.statsAtMs > rec.statsAt) {
        rec.prevFree = rec.free;
        rec.free = g.freePages + g.actualPages;
        rec.statsAt = g.statsAtMs;
      }
      const selfDeflated =
        g.actualPages < rec.lastActual && g.actualPages < g.userPages + rec.taken;
      const rose = (now: number, before: number) =>
        Number.isFinite(now) && Number.isFinite(before) && now > before;
      const swapped = rose(g.swapIns, rec.swapIns);
      const killed = rose(g.oomKills, rec.oomKills);
      const fresh = g.statsAtMs > rec.changedAt;
      const margin = this.#margin(g);
      const short = fresh && Number.isFinite(g.availablePages) && g.availablePages < margin;
      rec.lastActual = g.actualPages;
      if (Number.isFinite(g.swapIns)) rec.swapIns = g.swapIns;
      if (Number.isFinite(g.oomKills)) rec.oomKills = g.oomKills;
      if (!(selfDeflated || swapped || killed || short)) continue;
      rec.backoffUntil = now + POLICY.BACKOFF_MS;
      const why = selfDeflated
        ? 'the guest deflated its balloon on OOM'
        : killed
          ? 'the guest reported an OOM kill'
          : swapped
            ? 'the guest is swapping in'
            : `the guest has ${MiB(g.availablePages)} available`;
      // What the guest already took back is no longer ours to give.
      const held = Math.min(rec.taken, Math.max(0, g.actualPages - g.userPages));
      const give = selfDeflated || killed ? held : Math.min(held, POLICY.STEP);
      if (give > 0 || held !== rec.taken) {
        retarget(g, rec, held - give);
        if (give > 0)
          out.push({
            domain: g.name,
            action: 'deflate',
            pages: give,
            message: `deflated ${g.name} by ${MiB(give)}: ${why}; leaving it alone for ${POLICY.BACKOFF_MS / 1000} s`,
          });
      }
    }

    // 2. The host is short: inflate guests with memory to spare, most first.
    if (freePages < totalPages * this.#t.low) {
      let need = Math.ceil(totalPages * this.#t.target - freePages);
      const candidates = managed
        .map((g) => ({ g, spare: this.#reclaimable(g, now) }))
        .filter((c) => c.spare > 0)
        .sort((a, b) => b.spare - a.spare);
      for (const { g, spare } of candidates) {
        if (need <= 0) break;
        const rec = this.#record(g);
        const pages = Math.min(spare, need, POLICY.STEP);
        retarget(g, rec, rec.taken + pages);
        need -= pages;
        out.push({
          domain: g.name,
          action: 'inflate',
          pages,
          message: `inflated ${g.name} by ${MiB(pages)}: ${freePct}; it had ${MiB(g.freePages)} free`,
        });
      }
      return out;
    }

    // 3. The host has room again: give back, most squeezed first, and resume.
    if (freePages > totalPages * this.#t.high) {
      let room = Math.floor(freePages - totalPages * Math.min(this.#t.target * 1.5, this.#t.high));
      const squeezed = managed
        .map((g) => ({ g, rec: this.#record(g) }))
        .filter((x) => x.rec.taken > 0)
        .sort((a, b) => b.rec.taken - a.rec.taken);
      for (const { g, rec } of squeezed) {
        if (room <= 0) break;
        const pages = Math.min(rec.taken, room, POLICY.STEP);
        retarget(g, rec, rec.taken - pages);
        room -= pages;
        out.push({
          domain: g.name,
          action: 'deflate',
          pages,
          message: `deflated ${g.name} by ${MiB(pages)}: ${freePct}`,
        });
      }
    }
    for (const g of guests) {
      if (!g.pausedForMemory) continue;
      act.resume(g.name);
      out.push({
        domain: g.name,
        action: 'resume',
        pages: 0,
        message: `resumed ${g.name}, paused for memory: ${freePct}`,
      });
    }
    return out;
  }

  #record(g: PolicyGuest): GuestRecord {
    let rec = this.#guests.get(g.name);
    if (!rec) {
      rec = {
        taken: 0,
        changedAt: -Infinity,
        lastActual: g.actualPages,
        swapIns: g.swapIns,
        oomKills: g.oomKills,
        backoffUntil: 0,
        statsAt: 0,
        free: NaN,
        prevFree: NaN,
      };
      this.#guests.set(g.name, rec);
    }
    return rec;
  }

  /** The free memory a guest keeps: RESERVE of its current memory, at least MIN_RESERVE_PAGES. */
  #margin(g: PolicyGuest): number {
    const current = g.maxPages - g.actualPages;
    return Math.max(POLICY.MIN_RESERVE_PAGES, Math.ceil(current * this.#t.reserve));
  }

  /** Pages the guest can give now without going under its margin or the floor. */
  #reclaimable(g: PolicyGuest, now: number): number {
    const rec = this.#record(g);
    if (now < rec.backoffUntil) return 0;
    // Only on statistics newer than our last change, once the balloon reached its target.
    if (!(g.statsAtMs > rec.changedAt) || !Number.isFinite(g.freePages)) return 0;
    if (g.actualPages < g.userPages + rec.taken) return 0;
    // A guest that is allocating (free memory, the balloon's pages aside, falling between its
    // last two reports) keeps it.
    if (!(rec.free >= rec.prevFree - POLICY.STEADY_PAGES)) return 0;
    const current = g.maxPages - g.actualPages;
    const byFree = g.freePages - this.#margin(g);
    const byFloor = current - Math.ceil(g.maxPages * this.#t.floor);
    return Math.max(0, Math.min(byFree, byFloor));
  }
}
