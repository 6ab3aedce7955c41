import { VIRT } from '../board/virt-board';
import { F, HART_STATE_BYTES, HartState, S } from '../cpu/hart-state';
import { Clint } from '../devices/clint';
import type { Clock, InterruptSink } from '../devices/interrupts';
import { Plic } from '../devices/plic';
import { DirtyLog } from '../memory/dirty-log';
import { FramePool } from '../memory/frame-pool';
import { HostMemory } from '../memory/host-memory';
import { P2m } from '../memory/p2m';
import { guestClock, hostNow } from './clock';
import type { SchedState } from './sched-state';
import { VcpuScheduler } from './scheduler';
import { EXIT_STAT, MEM_STAT, NOMEM, VMC, type VmShared } from './vm-shared';

/**
 * One thread's view of a VM's shared state (what KVM keeps in struct kvm):
 * hart states, p2m, the in-kernel irqchip and the scheduler slots. Both
 * pCPU workers and the VMM worker build one; all of it is shared memory.
 */
export class VmView {
  readonly hartStates: HartState[];
  readonly p2m: P2m;
  readonly plic: Plic;
  readonly clint: Clint;
  readonly control: Int32Array;
  readonly memStats: Int32Array;
  readonly exits: Int32Array;
  readonly clock: Clock;
  readonly sched: VcpuScheduler;
  /**
   * A COW break on this thread replaced a frame: shoot down the VM's other
   * translations (host/shootdown.ts). Set by whoever runs on this thread
   * now: the vCPU entering a slice, or the VMM.
   */
  cowShootdown: () => void = () => {};

  constructor(
    readonly shared: VmShared,
    schedState: SchedState,
  ) {
    this.sched = new VcpuScheduler(schedState);
    this.hartStates = Array.from(
      { length: shared.harts },
      (_, h) => new HartState(shared.hartStates, h * HART_STATE_BYTES),
    );
    const pages = (shared.memoryMiB << 20) >>> 12;
    this.control = new Int32Array(shared.control);
    this.memStats = new Int32Array(shared.memStats);
    this.p2m = new P2m(
      VIRT.DRAM.base,
      pages,
      new Int32Array(shared.p2m),
      {
        pool: new FramePool(new HostMemory(shared.ram), shared.framePool),
        counters: this.memStats,
        residentIndex: MEM_STAT.RESIDENT,
        cowIndex: MEM_STAT.COW_KSM,
        snapIndex: MEM_STAT.COW_SNAPSHOT,
        onOutOfMemory: () => this.pauseForMemory(),
        shootdown: () => this.cowShootdown(),
      },
      new DirtyLog(shared.dirty, this.control, VMC.LOG_DIRTY),
    );
    this.exits = new Int32Array(shared.exits);
    this.clock = guestClock(shared.epochMs);
    const sink: InterruptSink = { setPending: (h, bit, level) => this.setPending(h, bit, level) };
    this.plic = new Plic({ harts: shared.harts, ndev: VIRT.PLIC.ndev, sink, shared: shared.plic });
    this.clint = new Clint({ harts: shared.harts, sink, clock: this.clock, shared: shared.clint });
  }

  /** irqfd: raise or lower an interrupt at hart `h` and wake its vCPU if it sleeps. */
  setPending(h: number, bit: number, level: boolean): void {
    const st = this.hartStates[h];
    if (!st) return;
    if (level) {
      Atomics.or(st.i32, S.MIP, 1 << bit);
      if ((st.i32[S.MIE] >>> bit) & 1) {
        Atomics.add(this.exits, EXIT_STAT.HALT_WAKEUP, 1);
        this.sched.kick(this.shared.vcpuSlots[h]);
      }
    } else {
      Atomics.and(st.i32, S.MIP, ~(1 << bit));
    }
  }

  /** Host time (ms) at which hart h's next timer fires: SBI set_timer or CLINT mtimecmp. */
  timerDeadline(h: number): number {
    const ticks = Math.min(this.hartStates[h].f64[F.SBI_TIMECMP], this.clint.mtimecmp(h));
    if (!Number.isFinite(ticks) || ticks >= 2 ** 53) return Infinity;
    return this.shared.epochMs + ticks / (VIRT.TIMEBASE_HZ / 1000);
  }

  /**
   * The host has no frame for this VM's RAM: pause the VM (QEMU's stop on
   * error; the guest loses nothing, the access is retried on resume).
   */
  pauseForMemory(): void {
    Atomics.store(this.control, VMC.PAUSED, 1);
    if (Atomics.compareExchange(this.control, VMC.NOMEM, NOMEM.NONE, NOMEM.PAUSED) === NOMEM.NONE) {
      for (const slot of this.shared.vcpuSlots) this.sched.setPaused(slot, true, hostNow());
    }
  }

  get stopCode(): number {
    return Atomics.load(this.control, VMC.STOP);
  }

  get paused(): boolean {
    return Atomics.load(this.control, VMC.PAUSED) !== 0;
  }
}
