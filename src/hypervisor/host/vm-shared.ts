import { VIRT } from '../board/virt-board';
import { HART_STATE_BYTES } from '../cpu/hart-state';
import { Clint } from '../devices/clint';
import { Plic } from '../devices/plic';
import { DirtyLog } from '../memory/dirty-log';
import type { CpuEngine } from '../vm/boot';
import { ByteRing } from '../vm/byte-ring';
import { mailboxBytes } from './mmio-mailbox';

/**
 * Everything of one VM that lives in shared memory, as one structured-
 * cloneable descriptor sent to every pCPU worker and to the VM's VMM worker.
 * Guest RAM itself is in the host's RAM buffer, reached through `p2m`.
 */
export interface VmShared {
  /** The VM's slot in the host's VM table. */
  vm: number;
  name: string;
  harts: number;
  memoryMiB: number;
  /** Scheduler slot of each hart (sched-state.ts). */
  vcpuSlots: number[];
  /** Per hart, cpu/hart-state.ts layout, hart h at byte h × 512. */
  hartStates: SharedArrayBuffer;
  /** Int32 guest frame → host frame (memory/p2m.ts). */
  p2m: SharedArrayBuffer;
  plic: SharedArrayBuffer;
  clint: SharedArrayBuffer;
  /** MMIO exits to the VMM worker (mmio-mailbox.ts). */
  mailbox: SharedArrayBuffer;
  /** VM control words (VMC.*). */
  control: SharedArrayBuffer;
  /** Exit counters (EXIT_STAT.*), kvm_stat style. */
  exits: SharedArrayBuffer;
  /** Console input ring (vm/byte-ring.ts); the VMM's UART consumes it. */
  consoleIn: SharedArrayBuffer;
  /** Guest-agent requests (host → guest), read by the guest through the SBI console (/dev/hvc0). */
  agentIn: SharedArrayBuffer;
  /** hostNow() at which the VM's mtime was 0. */
  epochMs: number;
  /** Host RAM and its free-frame pool (the same buffers for every VM). */
  ram: SharedArrayBuffer;
  framePool: SharedArrayBuffer;
  /** Memory counters (MEM_STAT.*), Int32, Atomics. */
  memStats: SharedArrayBuffer;
  /**
   * Dirty-page bitmap, one bit per guest frame (memory/dirty-log.ts), set
   * while VMC.LOG_DIRTY is 1. Int32 words, Atomics.
   */
  dirty: SharedArrayBuffer;
  /** Linux guest: SBI by the hypervisor. False for bare-metal M-mode programs. */
  sbi: boolean;
  /** How its vCPUs execute guest code (vm/boot.ts MachineConfig.engine). */
  engine: CpuEngine;
  /** The virtio-balloon's shared words (BAL.*, Float64), when the VM has one. */
  balloon?: SharedArrayBuffer;
  /** The balloon offers DEFLATE_ON_OOM (libvirt autodeflate) and PAGE_REPORTING (freePageReporting). */
  balloonDeflateOnOom?: boolean;
  balloonFreePageReporting?: boolean;
  htif?: { tohost: number; fromhost?: number };
  /**
   * The VM generation id its vmgenid device holds (16 bytes). A restored VM
   * whose saved id differs is told at start (host/vmm.ts): a new generation.
   */
  genid?: Uint8Array;
}

/**
 * VM control words (Int32, Atomics):
 *   [0] STOP    0 while running; a STOP_CODE once it must stop (first writer wins, compareExchange)
 *   [1] DETAIL  the failing test number for STOP_CODE.FAIL
 *   [2] PAUSED  1 while paused (vCPUs leave their pCPU at the next check)
 *   [3] NOMEM   NOMEM.*: the VM paused itself because the host ran out of frames
 *   [4] DMA     odd while the VMM touches guest memory (host/shootdown.ts), bumped on entry and exit
 *   [5] LOG_DIRTY 1 while dirty-page logging is on (memory/dirty-log.ts); the host writes it
 */
export const VMC = {
  STOP: 0,
  DETAIL: 1,
  PAUSED: 2,
  NOMEM: 3,
  DMA: 4,
  LOG_DIRTY: 5,
  WORDS: 8,
} as const;

/** VMC.NOMEM: 0 none; 1 a vCPU found no free host frame and paused the VM; 2 the host was told. */
export const NOMEM = { NONE: 0, PAUSED: 1, REPORTED: 2 } as const;

/** Memory counters of a VM (Int32, Atomics). */
export const MEM_STAT = {
  /** Host frames backing the VM's RAM now (its RSS; the zero frame not counted). */
  RESIDENT: 0,
  /** Written by ksmd after each batch (/proc/<pid>/ksm_stat): pages it tracks, */
  KSM_RMAP_ITEMS: 1,
  /** pages mapping a KSM page, */
  KSM_MERGING_PAGES: 2,
  /** and pages KSM mapped to the zero frame. */
  KSM_ZERO_PAGES: 3,
  /** Copy-on-write breaks of merged (KSM) frames, cumulative: /proc/vmstat's cow_ksm, for this VM. */
  COW_KSM: 4,
  /** Copy-on-write breaks of frames shared with a snapshot, a clone or a quick-boot template, cumulative. */
  COW_SNAPSHOT: 5,
  WORDS: 8,
} as const;

/**
 * virtio-balloon state shared between the host and the VMM (Float64):
 *   [0] TARGET      balloon size the host wants, 4 KiB pages (config num_pages); host writes
 *   [1] ACTUAL      balloon size the driver reports (config actual); VMM writes
 *   [2] PERIOD_S    stats polling period, s (0 = off); host writes
 *   [3] LAST_UPDATE when the last stats arrived, s since the Unix epoch (0 = never)
 *   [4] INFLATED    pages given to the host, cumulative (VMM)
 *   [5] DEFLATED    pages taken back, cumulative (VMM)
 *   [6] REPORTED    free pages reported (and dropped), cumulative (VMM)
 *   [7] FREED       host frames freed by inflate and reporting, cumulative (VMM)
 *   [8 + tag]       the last value of each stats tag (VIRTIO_BALLOON_S.*, 16 tags), NaN if never sent
 *   [24] STATS_AT_MS when the last stats arrived, ms since the Unix epoch (0 = never): the
 *                   balloon policy acts only on stats newer than its last change
 * The host wakes the VMM (mailbox doorbell) after writing TARGET or PERIOD_S.
 */
export const BAL = {
  TARGET: 0,
  ACTUAL: 1,
  PERIOD_S: 2,
  LAST_UPDATE: 3,
  INFLATED: 4,
  DEFLATED: 5,
  REPORTED: 6,
  FREED: 7,
  STATS: 8,
  STATS_AT_MS: 24,
  WORDS: 32,
} as const;

export const STOP_CODE = {
  POWEROFF: 1,
  REBOOT: 2,
  PANIC: 3,
  PASS: 4,
  FAIL: 5,
  ERROR: 6,
  DESTROYED: 7,
  /** Memory the host could not back while loading the guest. */
  OUT_OF_MEMORY: 8,
} as const;

/**
 * Exit counters (Int32, Atomics.add), named as KVM's RISC-V vCPU stats
 * (kvm_stat): mmio_exit_user goes to the VMM worker, mmio_exit_kernel is
 * served by the in-kernel irqchip on the pCPU.
 */
export const EXIT_STAT = {
  MMIO_EXIT_USER: 0,
  MMIO_EXIT_KERNEL: 1,
  ECALL_EXIT: 2,
  WFI_EXIT: 3,
  IPI_SENT: 4,
  REMOTE_FENCE: 5,
  HALT_WAKEUP: 6,
  WORDS: 16,
} as const;
export const EXIT_STAT_NAMES = [
  'mmio_exit_user',
  'mmio_exit_kernel',
  'ecall_exit_stat',
  'wfi_exit_stat',
  'ipi_sent',
  'remote_fence',
  'halt_wakeup',
] as const;

/** Requests a stop with `code`; returns false if another stop came first. */
export function requestStop(control: Int32Array, code: number, detail = 0): boolean {
  if (Atomics.compareExchange(control, VMC.STOP, 0, code) !== 0) return false;
  Atomics.store(control, VMC.DETAIL, detail);
  return true;
}

export function allocVmShared(init: {
  ram: SharedArrayBuffer;
  framePool: SharedArrayBuffer;
  vm: number;
  name: string;
  harts: number;
  memoryMiB: number;
  vcpuSlots: number[];
  epochMs: number;
  sbi: boolean;
  engine: CpuEngine;
  balloon?: { deflateOnOom: boolean; freePageReporting: boolean };
}): VmShared {
  const pages = (init.memoryMiB << 20) >>> 12;
  const { balloon, ...rest } = init;
  let bal: SharedArrayBuffer | undefined;
  if (balloon) {
    bal = new SharedArrayBuffer(BAL.WORDS * 8);
    new Float64Array(bal).fill(NaN, BAL.STATS, BAL.STATS + 16);
  }
  return {
    ...rest,
    ...(bal && balloon
      ? {
          balloon: bal,
          balloonDeflateOnOom: balloon.deflateOnOom,
          balloonFreePageReporting: balloon.freePageReporting,
        }
      : {}),
    hartStates: new SharedArrayBuffer(HART_STATE_BYTES * init.harts),
    p2m: filled(new SharedArrayBuffer(pages * 4), -1),
    memStats: new SharedArrayBuffer(MEM_STAT.WORDS * 4),
    dirty: new SharedArrayBuffer(DirtyLog.bytes(pages)),
    plic: new SharedArrayBuffer(Plic.sharedBytes(init.harts, VIRT.PLIC.ndev)),
    clint: new SharedArrayBuffer(Clint.sharedBytes(init.harts)),
    mailbox: new SharedArrayBuffer(mailboxBytes(init.harts)),
    control: new SharedArrayBuffer(VMC.WORDS * 4),
    exits: new SharedArrayBuffer(EXIT_STAT.WORDS * 4),
    consoleIn: ByteRing.create(1 << 16).sab,
    agentIn: ByteRing.create(256).sab,
  };
}

function filled(sab: SharedArrayBuffer, value: number): SharedArrayBuffer {
  new Int32Array(sab).fill(value);
  return sab;
}
