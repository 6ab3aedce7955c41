import { P2M } from '../../hypervisor/memory/p2m';

/**
 * The host frame map's model: what every host frame holds, rebuilt from
 * the frame pool's reference counts and every running domain's p2m table
 * (both shared memory, read without locks a few times a second: a
 * telemetry reader, so a frame may change while it is read). The inverse
 * of the p2m tables: frame → owners.
 */

/** What a host frame is used for, as the frame map colours it (CSS --kind-*). */
export const FRAME_KIND = {
  /** Reference count 0: on the pool's free stack. */
  FREE: 0,
  /** Mapped writable by one guest page. */
  PRIVATE: 1,
  /** A KSM page: mapped read-only by one or more guest pages (copy-on-write). */
  KSM: 2,
  /** The shared zero frame (never handed out). */
  ZERO: 3,
  /** Free again because a balloon took (or free page reporting returned) the guest page that held it. */
  BALLOONED: 4,
  /**
   * The host's own: held but mapped by no guest (the VM workers' reservation,
   * a KSM page ksmd has not pruned yet), or above the zero frame (JIT frames).
   */
  OVERHEAD: 5,
  /**
   * Shared with a snapshot (a clone's source, quick boot's template):
   * mapped read-only (P2M.SNAP), copied on the first write.
   */
  SNAPSHOT: 6,
} as const;
export type FrameKind = (typeof FRAME_KIND)[keyof typeof FRAME_KIND];
export const FRAME_KIND_NAMES = [
  'free',
  'private',
  'ksm',
  'zero',
  'balloon',
  'overhead',
  'snapshot',
] as const;

/** How many snapshots a changed frame stays highlighted. */
export const FLASH_STEPS = 4;

/**
 * The frame pool's shared words (memory/frame-pool.ts): Int32 [2] TOTAL,
 * [3] ZERO, the free stack from word 4 (F words), then REFS (F words), F
 * being every host frame, so F comes from the buffer's size. Frames above
 * the zero frame are the host's own (the pCPUs' JIT frames), outside the pool.
 */
export function framePoolRefs(sab: SharedArrayBuffer): { refs: Int32Array; zeroFrame: number } {
  const frames = (sab.byteLength / 4 - 4) / 2;
  const zeroFrame = new Int32Array(sab, 0, 4)[3];
  return { refs: new Int32Array(sab, (4 + frames) * 4, frames), zeroFrame };
}

/** One running domain's p2m as the index reads it. */
export interface DomainP2m {
  name: string;
  table: Int32Array;
}

export interface FrameCounts {
  free: number;
  private: number;
  ksm: number;
  zero: number;
  balloon: number;
  overhead: number;
  snapshot: number;
  /** Guest pages mapping frames shared with a snapshot (each such frame counted once per mapping). */
  snapshotMappings: number;
  /** Guest pages mapping KSM pages (each KSM frame counted once per mapping). */
  ksmMappings: number;
  /** Private frames of each domain, in the scan's domain order. */
  privateByDomain: number[];
}

export interface FrameOwner {
  domain: string;
  gfn: number;
  /** Guest-physical address (RAM starts at 0x80000000). */
  gpa: number;
  /** Mapped read-only (a KSM page or the zero frame). */
  readOnly: boolean;
}

export const GUEST_RAM_BASE = 0x8000_0000;

export class FrameIndex {
  readonly kind: Uint8Array;
  /** Index (in the last scan's domain list) of the first domain mapping the frame, −1 if none. */
  readonly owner: Int16Array;
  /** A second, different domain mapping it (KSM across guests), −1 if none. */
  readonly owner2: Int16Array;
  /** Guest pages mapping the frame (a KSM page's sharers). */
  readonly maps: Uint16Array;
  /** Snapshots left to highlight the frame: its kind or owner changed. */
  readonly flash: Uint8Array;
  counts: FrameCounts = emptyCounts();
  /** Frames still highlighted after the last scan: 0 twice in a row means nothing moved. */
  flashing = 0;
  /** Domain names of the last scan, in owner-index order. */
  names: string[] = [];
  readonly #readOnly: Uint8Array;
  readonly #returned: Uint8Array;
  readonly #prevKind: Uint8Array;
  readonly #prevOwner: Int16Array;
  /** Each domain's p2m at the previous scan, to see a page leave for the balloon. */
  #prevTables = new Map<string, { source: Int32Array; copy: Int32Array }>();
  #scans = 0;

  constructor(readonly frames: number) {
    this.kind = new Uint8Array(frames);
    this.owner = new Int16Array(frames);
    this.owner2 = new Int16Array(frames);
    this.maps = new Uint16Array(frames);
    this.flash = new Uint8Array(frames);
    this.#readOnly = new Uint8Array(frames);
    this.#returned = new Uint8Array(frames);
    this.#prevKind = new Uint8Array(frames);
    this.#prevOwner = new Int16Array(frames);
  }

  /**
   * Rebuilds the index from the reference counts and the domains' p2m
   * tables; frames whose kind or owning domain changed since the last scan
   * are flashed (not on the first scan).
   */
  scan(refs: Int32Array, zeroFrame: number, domains: readonly DomainP2m[]): void {
    const { kind, owner, owner2, maps, flash } = this;
    const readOnly = this.#readOnly;
    const returned = this.#returned;
    const n = this.frames;
    const prevNames = this.names;
    const prevOwner = this.#prevOwner;
    if (
      prevNames.length === domains.length &&
      prevNames.every((name, i) => domains[i].name === name)
    ) {
      prevOwner.set(owner);
    } else {
      // Owners are compared by name: a domain's index shifts when another starts or stops.
      const remap = new Int16Array(prevNames.length + 1).fill(-1);
      for (let i = 0; i < prevNames.length; i++)
        remap[i + 1] = domains.findIndex((d) => d.name === prevNames[i]);
      for (let f = 0; f < n; f++) prevOwner[f] = remap[owner[f] + 1];
    }
    this.#prevKind.set(kind);
    owner.fill(-1);
    owner2.fill(-1);
    maps.fill(0);
    readOnly.fill(0);
    const tables = new Map<string, { source: Int32Array; copy: Int32Array }>();
    for (let d = 0; d < domains.length; d++) {
      const { name, table } = domains[d];
      const last = this.#prevTables.get(name);
      // Only the same p2m: a domain restarted under its name has a new one, all unbacked.
      const watch = last !== undefined && last.source === table;
      const prev = last?.copy ?? table;
      for (let g = 0; g < table.length; g++) {
        const e = table[g];
        if (e < 0) {
          // A page that had a frame and has none now: the balloon (or free page reporting) took it.
          if (watch && prev[g] >= 0) returned[prev[g] & P2M.FRAME] = 1;
          continue;
        }
        const f = e & P2M.FRAME;
        if (f >= n || f === zeroFrame) continue;
        if (maps[f] < 0xffff) maps[f]++;
        if (owner[f] < 0) owner[f] = d;
        else if (owner[f] !== d && owner2[f] < 0) owner2[f] = d;
        // 1: a KSM page (any plain read-only mapping says so), 2: shared with a snapshot only.
        if (e & P2M.WP && !(e & P2M.PENDING))
          readOnly[f] = e & P2M.SNAP && readOnly[f] !== 1 ? 2 : 1;
      }
      if (watch) prev.set(table);
      tables.set(name, { source: table, copy: watch ? prev : table.slice() });
    }
    this.#prevTables = tables;
    const prevKind = this.#prevKind;
    const first = this.#scans === 0;
    const byKind = new Int32Array(FRAME_KIND_NAMES.length);
    const privateByDomain = new Int32Array(domains.length);
    let ksmMappings = 0;
    let snapshotMappings = 0;
    let flashing = 0;
    for (let f = 0; f < n; f++) {
      let k: number;
      if (f === zeroFrame) k = FRAME_KIND.ZERO;
      else if (f > zeroFrame) k = FRAME_KIND.OVERHEAD;
      else if (refs[f] === 0) k = returned[f] ? FRAME_KIND.BALLOONED : FRAME_KIND.FREE;
      else {
        returned[f] = 0;
        if (maps[f] === 0) k = FRAME_KIND.OVERHEAD;
        else if (readOnly[f] === 1) k = FRAME_KIND.KSM;
        else if (readOnly[f] === 2) k = FRAME_KIND.SNAPSHOT;
        else k = FRAME_KIND.PRIVATE;
      }
      kind[f] = k;
      byKind[k]++;
      if (k === FRAME_KIND.KSM) ksmMappings += maps[f];
      else if (k === FRAME_KIND.SNAPSHOT) snapshotMappings += maps[f];
      else if (k === FRAME_KIND.PRIVATE) privateByDomain[owner[f]]++;
      if (!first && (k !== prevKind[f] || owner[f] !== prevOwner[f])) flash[f] = FLASH_STEPS;
      else if (flash[f] > 0) flash[f]--;
      if (flash[f] > 0) flashing++;
    }
    const counts: FrameCounts = {
      free: byKind[FRAME_KIND.FREE],
      private: byKind[FRAME_KIND.PRIVATE],
      ksm: byKind[FRAME_KIND.KSM],
      zero: byKind[FRAME_KIND.ZERO],
      balloon: byKind[FRAME_KIND.BALLOONED],
      overhead: byKind[FRAME_KIND.OVERHEAD],
      snapshot: byKind[FRAME_KIND.SNAPSHOT],
      snapshotMappings,
      ksmMappings,
      privateByDomain: Array.from(privateByDomain),
    };
    this.flashing = flashing;
    this.counts = counts;
    this.names = domains.map((d) => d.name);
    this.#scans++;
  }
}

function emptyCounts(): FrameCounts {
  return {
    free: 0,
    private: 0,
    ksm: 0,
    zero: 0,
    balloon: 0,
    overhead: 0,
    snapshot: 0,
    snapshotMappings: 0,
    ksmMappings: 0,
    privateByDomain: [],
  };
}

/**
 * Every guest page that maps `frame`, over the domains' p2m tables (a hover
 * asks for one frame, so a linear scan), at most `limit` of them; `total`
 * counts them all.
 */
export function frameOwners(
  frame: number,
  domains: readonly DomainP2m[],
  limit = 16,
): { owners: FrameOwner[]; total: number } {
  const owners: FrameOwner[] = [];
  let total = 0;
  for (const { name, table } of domains) {
    for (let g = 0; g < table.length; g++) {
      const e = table[g];
      if (e < 0 || (e & P2M.FRAME) !== frame) continue;
      total++;
      if (owners.length < limit)
        owners.push({
          domain: name,
          gfn: g,
          gpa: GUEST_RAM_BASE + g * 4096,
          readOnly: (e & P2M.WP) !== 0,
        });
    }
  }
  return { owners, total };
}
