import { VIRT } from '../board/virt-board';
import { HART_STATE_BYTES, S } from '../cpu/hart-state';
import { Clint } from '../devices/clint';
import { Plic } from '../devices/plic';
import type { FramePool } from '../memory/frame-pool';
import { PAGE_SIZE } from '../memory/host-memory';
import { P2M, type P2m } from '../memory/p2m';
import { MAX_HARTS, MAX_MEMORY_MIB, MIN_MEMORY_MIB } from '../vm/boot';
import { MACHINE_STATE_VERSION, type FrameSnapshot, type MachineState } from '../vm/machine-state';
import { HSM_STATE } from '../sbi/sbi';
import { BAL, MEM_STAT } from './vm-shared';

/**
 * The memory half of snapshots and clones, and the checks a MachineState
 * passes before a VM is built from it. Runs on the control worker while
 * the VM is quiesced: no vCPU on a pCPU, the VMM's devices frozen.
 */

/**
 * Takes a copy-on-write snapshot of a quiesced VM's RAM: the snapshot holds
 * a reference on every backed frame, and the VM's entry becomes read-only,
 * so the VM's next write to it takes a private copy (p2m.ts copyOnWrite)
 * and the snapshot's frame never changes. Entries are marked SNAP, so that
 * copy counts as a snapshot's (MEM_STAT.COW_SNAPSHOT), not KSM's, and the
 * frame map can tell the frames apart. A page ksmd was comparing (WP |
 * PENDING) becomes a plain read-only mapping, so ksmd's undo cannot make
 * the held frame writable again; a KSM page keeps its plain read-only
 * mapping (its copy on write is KSM's). The caller shoots the VM's TLBs
 * down before it runs again.
 */
export function snapshotFrames(p2m: P2m, pool: FramePool): FrameSnapshot {
  const frames = new Int32Array(p2m.pages).fill(P2M.UNBACKED);
  const table = p2m.table;
  for (let gfn = 0; gfn < p2m.pages; gfn++) {
    for (;;) {
      const e = Atomics.load(table, gfn);
      if (e < 0) {
        frames[gfn] = e;
        break;
      }
      const frame = e & P2M.FRAME;
      if (frame === pool.zeroFrame) break; // reads as zero: nothing to hold
      // A KSM page is immutable already: held as it is, its mapping unchanged.
      const ksmPage = (e & (P2M.WP | P2M.PENDING)) === P2M.WP;
      const ro = ksmPage ? e : frame | P2M.WP | P2M.SNAP;
      if (e !== ro && Atomics.compareExchange(table, gfn, e, ro) !== e) continue; // ksmd moved it
      pool.hold(frame);
      frames[gfn] = frame;
      break;
    }
  }
  return { pages: p2m.pages, frames };
}

/** Drops every reference a snapshot holds. */
export function releaseFrames(pool: FramePool, snap: FrameSnapshot): void {
  for (const f of snap.frames) if (f >= 0) pool.release(f);
  snap.frames.fill(P2M.UNBACKED);
}

/**
 * Maps a snapshot's frames into a new VM's empty p2m, read-only, each with
 * one more reference: the VM and the snapshot share them until one writes.
 */
export function mapFrames(
  p2m: P2m,
  pool: FramePool,
  snap: FrameSnapshot,
  counters: Int32Array,
): void {
  if (snap.pages !== p2m.pages)
    throw new RangeError(`snapshot of ${snap.pages} pages, VM of ${p2m.pages}`);
  let resident = 0;
  for (let gfn = 0; gfn < snap.pages; gfn++) {
    const f = snap.frames[gfn];
    if (f === P2M.BALLOONED) p2m.table[gfn] = P2M.BALLOONED;
    if (f < 0) continue;
    pool.hold(f);
    Atomics.store(p2m.table, gfn, f | P2M.WP | P2M.SNAP);
    resident++;
  }
  Atomics.add(counters, MEM_STAT.RESIDENT, resident);
}

/**
 * Copies one saved page into a new VM (restore from a file, migration):
 * a fresh private frame. False when the host has no frame left.
 */
export function writePage(p2m: P2m, gfn: number, bytes: Uint8Array): boolean {
  if (!Number.isInteger(gfn) || gfn < 0 || gfn >= p2m.pages)
    throw new RangeError(`guest page ${gfn} outside the VM's ${p2m.pages} pages`);
  if (bytes.length !== PAGE_SIZE)
    throw new RangeError(`a page is ${PAGE_SIZE} bytes, got ${bytes.length}`);
  const off = p2m.hostOffsetWrite(p2m.base + gfn * PAGE_SIZE);
  if (off < 0) return false;
  p2m.backing!.pool.mem.ram8.set(bytes, off);
  return true;
}

/**
 * Every page a snapshot holds (frames it has a reference on; the zero
 * frame, unbacked and ballooned pages skipped): its gfn and a view of the
 * frame, which nobody writes while the snapshot holds it (copy-on-write).
 */
export function forEachSnapshotPage(
  snap: FrameSnapshot,
  pool: FramePool,
  fn: (gfn: number, bytes: Uint8Array) => void,
): void {
  const ram = pool.mem.ram8;
  for (let gfn = 0; gfn < snap.pages; gfn++) {
    const frame = snap.frames[gfn];
    if (frame < 0 || frame === pool.zeroFrame) continue;
    fn(gfn, ram.subarray(frame * PAGE_SIZE, (frame + 1) * PAGE_SIZE));
  }
}

/** Every backed page of a VM (the zero frame skipped): its gfn and a view of its frame. */
export function forEachPage(
  p2m: P2m,
  pool: FramePool,
  fn: (gfn: number, bytes: Uint8Array) => void,
): void {
  const ram = pool.mem.ram8;
  for (let gfn = 0; gfn < p2m.pages; gfn++) {
    const e = Atomics.load(p2m.table, gfn);
    if (e < 0) continue;
    const frame = e & P2M.FRAME;
    if (frame === pool.zeroFrame) continue;
    fn(gfn, ram.subarray(frame * PAGE_SIZE, (frame + 1) * PAGE_SIZE));
  }
}

/** Why a MachineState cannot be run here, or undefined: checked before anything is allocated. */
export function machineStateProblem(s: MachineState): string | undefined {
  if (s.version !== MACHINE_STATE_VERSION)
    return `machine state version ${s.version}, this host runs version ${MACHINE_STATE_VERSION}`;
  if (!Number.isInteger(s.harts) || s.harts < 1 || s.harts > MAX_HARTS)
    return `${s.harts} vCPUs (1 to ${MAX_HARTS})`;
  if (
    !Number.isInteger(s.memoryMiB) ||
    s.memoryMiB < MIN_MEMORY_MIB ||
    s.memoryMiB > MAX_MEMORY_MIB
  )
    return `${s.memoryMiB} MiB of memory (${MIN_MEMORY_MIB} to ${MAX_MEMORY_MIB})`;
  if (s.engine !== 'interpreter' && s.engine !== 'jit') return `unknown engine '${s.engine}'`;
  if (!(s.mtime >= 0 && s.mtime < 2 ** 53)) return `mtime ${s.mtime}`;
  const sizes: [string, Uint8Array, number][] = [
    ['hart states', s.hartStates, s.harts * HART_STATE_BYTES],
    ['PLIC', s.plic, Plic.sharedBytes(s.harts, VIRT.PLIC.ndev)],
    ['CLINT', s.clint, Clint.sharedBytes(s.harts)],
  ];
  for (const [what, bytes, want] of sizes)
    if (!(bytes instanceof Uint8Array) || bytes.length !== want)
      return `${what}: ${bytes?.length ?? 0} bytes, want ${want}`;
  const words = new Int32Array(s.hartStates.slice().buffer);
  for (let h = 0; h < s.harts; h++) {
    const w = (i: number) => words[(h * HART_STATE_BYTES) / 4 + i];
    if (w(0) !== 0) return `hart ${h}: x0 is ${w(0)}`;
    if (![0, 1, 3].includes(w(S.PRIV))) return `hart ${h}: privilege ${w(S.PRIV)}`;
    if (w(S.HARTID) !== h) return `hart ${h}: mhartid ${w(S.HARTID)}`;
    if (!Object.values(HSM_STATE).includes(w(S.HSM) as never))
      return `hart ${h}: HSM state ${w(S.HSM)}`;
  }
  if (s.balloon && (!Array.isArray(s.balloon.words) || s.balloon.words.length !== BAL.WORDS))
    return `balloon: ${s.balloon.words?.length ?? 0} words, want ${BAL.WORDS}`;
  const d = s.devices;
  if (!d || typeof d !== 'object' || !Array.isArray(d.virtio)) return 'no device state';
  return undefined;
}
