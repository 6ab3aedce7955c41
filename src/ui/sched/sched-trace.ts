import { SLICE_END, V, type SchedState } from '../../hypervisor/host/sched-state';
import {
  TRACE_EXIT_SPAN,
  type SliceRecord,
  type TraceRing,
} from '../../hypervisor/host/trace-ring';
import { SegmentSeries } from './segment-series';

/** A vCPU's state on its track (0 = nothing known: before its first slice, or stopped). */
export const TRACK = {
  NONE: 0,
  RUNNING: 1,
  /** Runnable, waiting for a pCPU: steal time. */
  RUNNABLE: 2,
  /** Halted in WFI (blocked). */
  HALTED: 3,
  /** Its domain is paused. */
  PAUSED: 4,
  /** Out of quota for this period (cgroup bandwidth). */
  THROTTLED: 5,
  /** Running, but out in an exit to the VMM (MMIO, SBI console): the device model's time. */
  EXIT: 6,
} as const;
export type TrackState = (typeof TRACK)[keyof typeof TRACK];

/** The state a vCPU is in after a slice that ended for `why` (SLICE_END.*). */
export function stateAfter(why: number): TrackState {
  switch (why) {
    case SLICE_END.PREEMPTED:
      return TRACK.RUNNABLE;
    case SLICE_END.WFI:
      return TRACK.HALTED;
    case SLICE_END.THROTTLED:
      return TRACK.THROTTLED;
    default:
      return TRACK.NONE;
  }
}

/** Which domain's vCPU a scheduler slot holds now. */
export interface SlotOwner {
  domain: string;
  index: number;
}

/**
 * One vCPU as the trace saw it: a VM index and scheduler slot (from the
 * records), and once known the domain and vCPU index that held them. A
 * slot reused by another domain gets a new key, so old slices keep their owner.
 */
export interface VcpuKey {
  id: number;
  vm: number;
  slot: number;
  domain: string | undefined;
  index: number;
}

/** Run, steal, blocked, throttled and paused time of one vCPU over a range, ms. */
export interface VcpuTotals {
  key: number;
  runMs: number;
  stealMs: number;
  blockedMs: number;
  throttledMs: number;
  pausedMs: number;
  /** Part of the running time spent in exits to the VMM (not counted in runMs). */
  exitMs: number;
}

export interface SchedTraceOptions {
  /** How much history to keep, ms (default 10 minutes). */
  retainMs?: number;
  /** Cap on segments per lane or track. */
  maxSegments?: number;
}

/**
 * The main thread's long memory of the scheduler trace. Every frame,
 * `update` copies the new records out of the shared ring (which holds only
 * the last few thousand slices) into column-wise series: one lane per pCPU
 * (segments valued by vCPU key) and one state track per vCPU (running, and
 * between its slices the state its last slice ended in: runnable, halted or
 * throttled, with paused intervals sampled from SchedState's PAUSED flag).
 *
 * A record still being written when read is retried on the next update;
 * records overwritten before they were read (a hidden tab) are lost, and the
 * vCPU's track gets a hole there rather than a guess.
 */
export class SchedTrace {
  readonly lanes: SegmentSeries[] = [];
  readonly keys: VcpuKey[] = [];
  readonly tracks: SegmentSeries[] = [];
  readonly retainMs: number;
  readonly maxSegments: number;
  /** Records read so far (the ring's sequence number to read next). */
  next = 0;
  /** Records the ring overwrote before they were read. */
  lost = 0;
  /** The latest slice end ingested, host ms. */
  latest = -Infinity;
  readonly #holes = new Set<number>();
  readonly #keyByVmSlot = new Map<number, number>();
  readonly #lastEnd: number[] = [];
  readonly #lastWhy: number[] = [];
  readonly #pausedSince: number[] = [];
  readonly #pauses: [number, number][][] = [];
  /** Exit spans waiting for their slice record: [start, end, start, end, …] per key. */
  readonly #exits: number[][] = [];

  constructor(options: SchedTraceOptions = {}) {
    this.retainMs = options.retainMs ?? 600_000;
    this.maxSegments = options.maxSegments ?? 1 << 20;
  }

  /**
   * Reads what is new: records from `ring`, pause flags from `st` for the
   * slots in `owners` (slot → domain and vCPU index, from the domain list).
   */
  update(
    ring: TraceRing,
    st: SchedState | undefined,
    owners: ReadonlyMap<number, SlotOwner>,
    now: number,
  ): void {
    if (st) this.#samplePauses(st, owners, now);
    this.#ingest(ring, owners);
    this.#evict(now - this.retainMs);
  }

  /** The key's last slice end and why it ended (for the open interval after it). */
  lastSlice(key: number): { end: number; why: number } | undefined {
    const end = this.#lastEnd[key];
    return end === undefined || Number.isNaN(end) ? undefined : { end, why: this.#lastWhy[key] };
  }

  /** When the key's domain was seen paused, still paused now; NaN otherwise. */
  pausedSince(key: number): number {
    return this.#pausedSince[key] ?? NaN;
  }

  /** The key that a slot's records belong to now, or -1. */
  keyOfSlot(vm: number, slot: number): number {
    return this.#keyByVmSlot.get(vm * 256 + slot) ?? -1;
  }

  /** The current key of `slot` whatever its VM index (the newest one), or -1. */
  latestKeyOfSlot(slot: number): number {
    for (let k = this.keys.length - 1; k >= 0; k--) if (this.keys[k].slot === slot) return k;
    return -1;
  }

  /** Adds a record (exposed for tests; `update` is the normal path). */
  ingest(rec: Omit<SliceRecord, 'seq' | 'instructions'>, owners: ReadonlyMap<number, SlotOwner>) {
    const key = this.#keyFor(rec.vm, rec.vcpu, owners);
    if (rec.why === TRACE_EXIT_SPAN) {
      // Inside the slice record that follows (trace-ring.ts): held until it comes.
      // One read late (a retried hole) whose slice is already on the track is dropped.
      if (!(rec.end <= this.#lastEnd[key])) this.#exits[key].push(rec.start, rec.end);
      return;
    }
    while (this.lanes.length <= rec.pcpu) this.lanes.push(new SegmentSeries(256, this.maxSegments));
    this.lanes[rec.pcpu].push(rec.start, rec.end, key);
    const track = this.tracks[key];
    const last = this.#lastEnd[key];
    if (!Number.isNaN(last) && rec.start > last)
      this.#gap(key, last, rec.start, this.#lastWhy[key]);
    this.#running(key, rec.start, rec.end);
    this.#lastEnd[key] = rec.end;
    this.#lastWhy[key] = rec.why;
    if (rec.end > this.latest) this.latest = rec.end;
  }

  /** A slice on its vCPU's track: running, with its exit spans cut out. */
  #running(key: number, a: number, b: number): void {
    const track = this.tracks[key];
    const exits = this.#exits[key];
    let cursor = a;
    for (let i = 0; i < exits.length; i += 2) {
      const s = Math.max(exits[i], cursor);
      const e = Math.min(exits[i + 1], b);
      if (!(e > s)) continue;
      if (s > cursor) track.push(cursor, s, TRACK.RUNNING);
      track.push(s, e, TRACK.EXIT);
      cursor = e;
    }
    exits.length = 0;
    if (b > cursor) track.push(cursor, b, TRACK.RUNNING);
  }

  /** Totals of every vCPU with a segment in [a, b). */
  totals(a: number, b: number): VcpuTotals[] {
    const out: VcpuTotals[] = [];
    for (let k = 0; k < this.tracks.length; k++) {
      const s = this.tracks[k];
      const i0 = s.firstEndingAfter(a);
      const i1 = s.firstStartingAt(b, i0);
      if (i1 <= i0) continue;
      const t: VcpuTotals = {
        key: k,
        runMs: 0,
        stealMs: 0,
        blockedMs: 0,
        throttledMs: 0,
        pausedMs: 0,
        exitMs: 0,
      };
      const st = s.starts;
      const en = s.ends;
      const val = s.values;
      for (let i = i0; i < i1; i++) {
        const d = Math.min(en[i], b) - Math.max(st[i], a);
        if (d <= 0) continue;
        switch (val[i]) {
          case TRACK.RUNNING:
            t.runMs += d;
            break;
          case TRACK.RUNNABLE:
            t.stealMs += d;
            break;
          case TRACK.HALTED:
            t.blockedMs += d;
            break;
          case TRACK.THROTTLED:
            t.throttledMs += d;
            break;
          case TRACK.PAUSED:
            t.pausedMs += d;
            break;
          case TRACK.EXIT:
            t.exitMs += d;
            break;
        }
      }
      out.push(t);
    }
    return out;
  }

  /**
   * Each domain's fraction of the busy pCPU time in [a, b) (all domains'
   * fractions sum to 1; empty when no pCPU was busy).
   */
  shares(a: number, b: number): Record<string, number> {
    const byDomain: Record<string, number> = {};
    let busy = 0;
    for (const lane of this.lanes) {
      const i0 = lane.firstEndingAfter(a);
      const i1 = lane.firstStartingAt(b, i0);
      const st = lane.starts;
      const en = lane.ends;
      const val = lane.values;
      for (let i = i0; i < i1; i++) {
        const d = Math.min(en[i], b) - Math.max(st[i], a);
        if (d <= 0) continue;
        const name = this.keys[val[i]].domain;
        if (name === undefined) continue;
        byDomain[name] = (byDomain[name] ?? 0) + d;
        busy += d;
      }
    }
    if (busy > 0) for (const name in byDomain) byDomain[name] /= busy;
    return byDomain;
  }

  #ingest(ring: TraceRing, owners: ReadonlyMap<number, SlotOwner>): void {
    const written = ring.written;
    const oldest = written - ring.capacity;
    if (this.next < oldest) {
      this.lost += oldest - this.next;
      this.#breakTracks();
      this.next = oldest;
    }
    for (const h of this.#holes) if (h < oldest) this.#holes.delete(h);
    let from = this.next;
    for (const h of this.#holes) from = Math.min(from, h);
    if (from >= written) return;
    const got = ring.read(from);
    let expect = this.next;
    for (const rec of got) {
      if (rec.seq < this.next) {
        if (!this.#holes.delete(rec.seq)) continue; // already ingested
      } else {
        for (; expect < rec.seq; expect++) this.#holes.add(expect);
        expect = rec.seq + 1;
      }
      this.ingest(rec, owners);
    }
    for (; expect < written; expect++) this.#holes.add(expect);
    this.next = written;
    if (this.#holes.size > 256) {
      // Writers never take this long: give up on the oldest.
      const sorted = [...this.#holes].sort((x, y) => x - y);
      for (const h of sorted.slice(0, sorted.length - 256)) this.#holes.delete(h);
    }
  }

  /** After lost records the gap states are unknown: start every track afresh. */
  #breakTracks(): void {
    for (let k = 0; k < this.#lastEnd.length; k++) this.#lastEnd[k] = NaN;
    for (const e of this.#exits) e.length = 0;
  }

  #keyFor(vm: number, slot: number, owners: ReadonlyMap<number, SlotOwner>): number {
    const id = vm * 256 + slot;
    const owner = owners.get(slot);
    let k = this.#keyByVmSlot.get(id);
    if (k !== undefined) {
      const key = this.keys[k];
      if (owner && key.domain === undefined) {
        key.domain = owner.domain;
        key.index = owner.index;
      }
      if (!owner || key.domain === owner.domain) return k;
    }
    k = this.keys.length;
    this.keys.push({ id: k, vm, slot, domain: owner?.domain, index: owner?.index ?? 0 });
    this.tracks.push(new SegmentSeries(256, this.maxSegments));
    this.#lastEnd.push(NaN);
    this.#lastWhy.push(SLICE_END.PREEMPTED);
    this.#pausedSince.push(NaN);
    this.#pauses.push([]);
    this.#exits.push([]);
    this.#keyByVmSlot.set(id, k);
    return k;
  }

  #samplePauses(st: SchedState, owners: ReadonlyMap<number, SlotOwner>, now: number): void {
    for (const [slot, owner] of owners) {
      const k = this.latestKeyOfSlot(slot);
      if (k < 0 || this.keys[k].domain !== owner.domain) continue;
      const paused = st.vcpu(slot)[V.PAUSED] !== 0;
      const since = this.#pausedSince[k];
      if (paused && Number.isNaN(since)) this.#pausedSince[k] = now;
      else if (!paused && !Number.isNaN(since)) {
        this.#pauses[k].push([since, now]);
        this.#pausedSince[k] = NaN;
      }
    }
  }

  /** The interval between two slices of `key`: the state the first ended in, paused where sampled so. */
  #gap(key: number, a: number, b: number, why: number): void {
    const base = stateAfter(why);
    const track = this.tracks[key];
    const pauses = this.#pauses[key];
    let cursor = a;
    let used = 0;
    for (const [ps, pe] of pauses) {
      if (pe <= a) {
        used++;
        continue;
      }
      if (ps >= b) break;
      if (ps > cursor && base !== TRACK.NONE) track.push(cursor, ps, base);
      track.push(Math.max(ps, cursor), Math.min(pe, b), TRACK.PAUSED);
      cursor = Math.min(pe, b);
      if (pe <= b) used++;
    }
    pauses.splice(0, used);
    // A pause still going on when the slice came (sampled a frame late).
    const since = this.#pausedSince[key];
    if (!Number.isNaN(since) && since < b) {
      if (since > cursor && base !== TRACK.NONE) track.push(cursor, since, base);
      track.push(Math.max(since, cursor), b, TRACK.PAUSED);
      return;
    }
    if (b > cursor && base !== TRACK.NONE) track.push(cursor, b, base);
  }

  #evict(before: number): void {
    for (const lane of this.lanes) lane.evictBefore(before);
    for (const track of this.tracks) track.evictBefore(before);
  }
}
