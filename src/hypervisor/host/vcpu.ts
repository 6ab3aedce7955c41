import { EXIT, Hart, type Exit, type HartEnv } from '../cpu/hart';
import { jitForThread } from '../cpu/jit/jit-engine';
import { S } from '../cpu/hart-state';
import { MIP, type Clock } from '../devices/interrupts';
import type { HostMemory } from '../memory/host-memory';
import { HSM_STATE, SBI_ERR, handleSbiCall, type SbiHost } from '../sbi/sbi';
import { staPreempted, staRecord } from '../sbi/sta';
import { resetHartForLinux } from '../vm/boot';
import { ByteRing } from '../vm/byte-ring';
import { Htif } from '../vm/htif';
import { hostNow } from './clock';
import { ExitSpans } from './exit-spans';
import { KernelBus } from './kernel-bus';
import { MmioExit } from './mmio-mailbox';
import { Shootdown } from './shootdown';
import { P, V, VF } from './sched-state';
import { WAKEUP_GRAN_MS } from './scheduler';
import type { SchedState } from './sched-state';
import { EXIT_STAT, STOP_CODE, requestStop } from './vm-shared';
import type { VmView } from './vm-view';

/**
 * A vCPU's HartEnv. One factory for every hart a pCPU worker runs (the
 * interpreter's warm-up too, host/warm-up.ts), so V8 sees one shape.
 */
export function vcpuEnv(
  clock: Clock,
  poll: () => void,
  sbiCall?: (hart: Hart) => boolean,
): HartEnv {
  return { clock, poll, sbiCall };
}

/** What a vCPU reports to the host (through its pCPU worker). */
export interface VcpuHostLink {
  vmStop(vm: number): void;
}

/**
 * One vCPU as seen from one pCPU worker: a Hart over the shared hart state,
 * its kernel bus (irqchip here, other devices through MMIO exits), and SBI
 * provided by the hypervisor. Built once per (pCPU, vCPU); its TLB is this
 * thread's and is flushed when the vCPU comes back after running elsewhere
 * or when another vCPU requests a remote fence.
 */
export class Vcpu {
  readonly hart: Hart;
  readonly rec: Int32Array;
  readonly #htif: Htif | undefined;
  readonly #exit: MmioExit;
  readonly #shootdown: Shootdown;
  /** The record of the pCPU running this vCPU now, and when its slice began (host ms). */
  #pcpuRec: Int32Array | undefined;
  #sliceStart = 0;
  /** This slice's time in exits to the VMM; the pCPU drains it into the trace. */
  readonly exitSpans = new ExitSpans();
  /** The slice deadline (host ms), also checked at every check point (see #poll). */
  #deadline = Infinity;

  constructor(
    readonly view: VmView,
    readonly index: number,
    readonly slot: number,
    mem: HostMemory,
    readonly sched: SchedState,
    readonly link: VcpuHostLink,
    /** This pCPU's JIT frames (host.ts); none: the interpreter runs whatever the VM asks. */
    jitFrames: number[] = [],
    jitTelemetry?: Float64Array,
  ) {
    this.rec = sched.vcpu(slot);
    const shared = view.shared;
    const exit = new MmioExit(
      shared.mailbox,
      index,
      shared.harts,
      () => view.stopCode !== 0,
      () => this.#serviceFlush(),
      this.exitSpans,
    );
    this.#shootdown = new Shootdown(shared, sched, () => this.#serviceFlush());
    this.#exit = exit;
    const host = shared.sbi ? this.#sbiHost() : undefined;
    const env = vcpuEnv(
      view.clock,
      () => this.#poll(),
      host && ((hart) => handleSbiCall(hart, host)),
    );
    this.hart = new Hart(view.hartStates[index], mem, view.p2m, new KernelBus(view, exit), env);
    if (shared.engine === 'jit') {
      const jit = jitForThread(mem, jitFrames, this.hart.ctab, jitTelemetry);
      if (jit) this.hart.engine = jit;
    }
    if (shared.htif) {
      this.#htif = new Htif(mem, view.p2m, shared.htif.tohost, shared.htif.fromhost, {
        consoleOut: (bytes) => void exit.console(bytes),
        finish: (code) => this.#stopVm(code === 0 ? STOP_CODE.PASS : STOP_CODE.FAIL, code),
      });
    }
  }

  /** Before running a slice on this thread; `pcpu` is the pCPU's record (its P.RESCHED word). */
  enter(migrated: boolean, pcpu?: Int32Array): void {
    const hart = this.hart;
    hart.stopRequested = false;
    this.#pcpuRec = pcpu;
    this.#sliceStart = hostNow();
    if (migrated) hart.flushTlb();
    this.#serviceFlush();
    hart.updateModes();
    this.view.cowShootdown = () => {
      hart.flushTlb();
      this.#shootdown.run(this.index);
    };
    // SBI STA: report the steal up to this pick (after cowShootdown: the write may break a KSM share).
    if (this.view.shared.sbi) staRecord(hart, this.#stealMs());
  }

  /**
   * After a slice, before the scheduler's put (the vCPU is still RUNNING
   * here, so no other pCPU can have picked it): a vCPU that will wait for a
   * pCPU is marked preempted in its SBI STA structure.
   */
  leave(waiting: boolean): void {
    if (waiting && this.view.shared.sbi) staPreempted(this.hart);
  }

  /**
   * This vCPU's steal (ms). Read without the scheduler lock: only pick and
   * setPaused write it, and neither does while the vCPU is RUNNING, which
   * it is whenever its own thread calls this.
   */
  #stealMs(): number {
    return this.sched.vcpuF(this.slot)[VF.STEAL_MS];
  }

  /** Runs until the slice deadline (host ms), a halt, or a stop request. */
  runSlice(deadline: number): Exit {
    const hart = this.hart;
    this.#deadline = deadline;
    let exit: Exit;
    do {
      exit = hart.run(SUB_SLICE);
    } while (exit === EXIT.BUDGET && hostNow() < deadline);
    if (exit === EXIT.WFI) Atomics.add(this.view.exits, EXIT_STAT.WFI_EXIT, 1);
    return exit;
  }

  /** True when the hart's HSM state or the VM says it must not run. */
  get stopped(): boolean {
    return this.view.stopCode !== 0 || Atomics.load(this.hart.s, S.HSM) === HSM_STATE.STOPPED;
  }

  #poll(): void {
    const view = this.view;
    if (view.stopCode !== 0 || view.paused) this.hart.stopRequested = true;
    // The slice deadline, at every check point (≤ 4096 instructions, and after every
    // ecall): an instruction that exits many times (an SBI console write) cannot stretch
    // a slice. And wake-up preemption: a woken vCPU waits for this pCPU (scheduler.ts).
    const now = hostNow();
    if (
      now >= this.#deadline ||
      (this.#pcpuRec !== undefined &&
        Atomics.load(this.#pcpuRec, P.RESCHED) !== 0 &&
        now - this.#sliceStart >= WAKEUP_GRAN_MS)
    )
      this.hart.stopRequested = true;
    if (Atomics.load(this.rec, V.FLUSH_REQ) !== Atomics.load(this.rec, V.FLUSH_ACK))
      this.#serviceFlush();
    if (!view.shared.sbi) view.clint.updateTimer(this.index);
    this.#htif?.poll();
  }

  /** Completes pending remote fences: flush this thread's TLB, then acknowledge. */
  #serviceFlush(): void {
    const req = Atomics.load(this.rec, V.FLUSH_REQ);
    if (Atomics.load(this.rec, V.FLUSH_ACK) === req) return;
    this.hart.flushTlb();
    this.hart.updateModes();
    Atomics.store(this.rec, V.FLUSH_ACK, req);
    Atomics.notify(this.rec, V.FLUSH_ACK);
  }

  #stopVm(code: number, detail = 0): void {
    if (requestStop(this.view.control, code, detail)) this.link.vmStop(this.view.shared.vm);
    this.hart.stopRequested = true;
  }

  /** Remote TLB shootdown: request a flush of hart h and wait until it is done or h is not running. */
  #fence(h: number): void {
    if (h === this.index) {
      this.hart.flushTlb();
      return;
    }
    const slot = this.view.shared.vcpuSlots[h];
    const rec = this.sched.vcpu(slot);
    const target = Atomics.add(rec, V.FLUSH_REQ, 1) + 1;
    // A vCPU that is not running flushes before it next runs (Vcpu.enter), so only a running one is awaited.
    while (Atomics.load(rec, V.FLUSH_ACK) - target < 0 && Atomics.load(rec, V.RUNNING_ON) >= 0) {
      if (this.view.stopCode !== 0) return;
      this.#serviceFlush(); // never deadlock against a vCPU fencing us at the same time
      Atomics.wait(rec, V.FLUSH_ACK, Atomics.load(rec, V.FLUSH_ACK), 1);
    }
  }

  #sbiHost(): SbiHost {
    const view = this.view;
    const shared = view.shared;
    const agent = new ByteRing(shared.agentIn);
    return {
      // Forwarded to the VMM in one exit per call (KVM_EXIT_RISCV_SBI), so it lands in the console
      // stream in order. As the firmware's console does (OpenSBI's sbi_putc), "\n" goes out as
      // "\r\n": Linux's DBCN earlycon writes raw buffers, and a terminal needs the carriage return.
      consoleWrite: (bytes) => {
        if (view.stopCode !== 0) return 0;
        let lf = 0;
        for (const b of bytes) if (b === 0x0a) lf++;
        const out = new Uint8Array(bytes.length + lf);
        let o = 0;
        for (const b of bytes) {
          if (b === 0x0a) out[o++] = 0x0d;
          out[o++] = b;
        }
        return this.#exit.console(out) ? bytes.length : 0;
      },
      // The serial console's input belongs to the UART (VMM worker); the SBI console carries guest-agent requests.
      consoleRead: () => agent.readByteShared(),
      sendIpi: (harts) => {
        for (const h of harts) {
          Atomics.add(view.exits, EXIT_STAT.IPI_SENT, 1);
          view.setPending(h, MIP.SSIP, true);
        }
      },
      remoteFence: (harts) => {
        Atomics.add(view.exits, EXIT_STAT.REMOTE_FENCE, 1);
        for (const h of harts) this.#fence(h);
      },
      hartCount: () => shared.harts,
      hartStatus: (h) =>
        h >= 0 && h < shared.harts ? Atomics.load(view.hartStates[h].i32, S.HSM) : -1,
      hartStart: (h, addr, opaque) => {
        const st = view.hartStates[h];
        if (!st) return SBI_ERR.INVALID_PARAM;
        if (view.p2m.hostOffset(addr) < 0) return SBI_ERR.INVALID_ADDRESS;
        if (
          Atomics.compareExchange(st.i32, S.HSM, HSM_STATE.STOPPED, HSM_STATE.START_PENDING) !==
          HSM_STATE.STOPPED
        ) {
          return SBI_ERR.ALREADY_AVAILABLE;
        }
        resetHartForLinux(st, h, addr, opaque);
        Atomics.store(st.i32, S.HSM, HSM_STATE.STARTED);
        const slot = shared.vcpuSlots[h];
        Atomics.add(this.sched.vcpu(slot), V.FLUSH_REQ, 1); // its TLB anywhere is stale
        view.sched.start(slot, hostNow());
        return SBI_ERR.SUCCESS;
      },
      hartStop: (hart) => {
        // Once STOPPED, hart_start from another vCPU may rewrite the registers: none may be in flight.
        hart.engine?.commitRegs?.(hart);
        Atomics.store(hart.s, S.HSM, HSM_STATE.STOPPED);
      },
      systemReset: (type, reason) =>
        this.#stopVm(
          reason === 'system-failure'
            ? STOP_CODE.PANIC
            : type === 'shutdown'
              ? STOP_CODE.POWEROFF
              : STOP_CODE.REBOOT,
        ),
      stealMs: () => this.#stealMs(),
      countCall: () => Atomics.add(view.exits, EXIT_STAT.ECALL_EXIT, 1),
    };
  }
}

/**
 * Instructions per engine call. The slice deadline is checked at every check
 * point (#poll); this outer check is the backstop for an engine path that
 * runs without one.
 */
const SUB_SLICE = 50_000;
