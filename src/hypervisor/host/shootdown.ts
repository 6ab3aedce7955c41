import { mailboxIdle } from './mmio-mailbox';
import { V, type SchedState } from './sched-state';
import { VMC, type VmShared } from './vm-shared';

/**
 * TLB shootdown for one VM: after a p2m entry changed (COW, KSM merge,
 * balloon), make sure no thread can still reach the old frame through a
 * translation it cached, before the frame's reference is dropped.
 *
 * Who can hold a translation of this VM's RAM:
 * - each vCPU's software TLB (and the interpreter's fetch page), on the
 *   pCPU thread that runs it. A vCPU flushes when it sees
 *   FLUSH_REQ ≠ FLUSH_ACK: at every check point while running (≤ CHUNK
 *   instructions), before its next slice (Vcpu.enter), and when it comes
 *   back from an MMIO exit. So we bump FLUSH_REQ, then wait until each vCPU
 *   acknowledged, or is not running (RUNNING_ON < 0), or is parked in an
 *   MMIO exit (its mailbox not idle): in the last two cases it flushes
 *   before it executes guest code again. The bump and the check are both
 *   sequentially consistent Atomics, as are the vCPU's state change and
 *   its check of FLUSH_REQ, so one of the two sides sees the other
 *   (Dekker's argument).
 * - the VMM worker, while it reads or writes guest memory for a device. It
 *   does that only inside a DMA section (VMC.DMA odd, see dmaEnter), never
 *   caching a translation across sections; we wait for a section in
 *   progress to end.
 *
 * Every waiter calls `whileWaiting`, which services the waiter's own flush
 * requests: two vCPUs (or a vCPU and the VMM) shooting each other down at
 * once both make progress.
 */
export class Shootdown {
  readonly #recs: Int32Array[];
  readonly #mailbox: Int32Array;
  readonly #control: Int32Array;

  constructor(
    shared: VmShared,
    sched: SchedState,
    readonly whileWaiting: () => void = () => {},
  ) {
    this.#recs = shared.vcpuSlots.map((slot) => sched.vcpu(slot));
    this.#mailbox = new Int32Array(shared.mailbox);
    this.#control = new Int32Array(shared.control);
  }

  /**
   * Flushes every vCPU but `selfHart` (-1: none) and waits as described;
   * `vmm` is true when the caller is the VMM itself (no DMA wait).
   */
  run(selfHart = -1, vmm = false): void {
    const recs = this.#recs;
    const targets = recs.map((rec, h) =>
      h === selfHart ? 0 : Atomics.add(rec, V.FLUSH_REQ, 1) + 1,
    );
    for (let h = 0; h < recs.length; h++) {
      if (h === selfHart) continue;
      const rec = recs[h];
      for (;;) {
        const ack = Atomics.load(rec, V.FLUSH_ACK);
        if (ack - targets[h] >= 0) break;
        if (Atomics.load(rec, V.RUNNING_ON) < 0 || !mailboxIdle(this.#mailbox, h)) break;
        this.whileWaiting();
        Atomics.wait(rec, V.FLUSH_ACK, ack, 1);
      }
    }
    if (!vmm) {
      const c = this.#control;
      const seq = Atomics.load(c, VMC.DMA);
      if (seq & 1) {
        while (Atomics.load(c, VMC.DMA) === seq) {
          this.whileWaiting();
          Atomics.wait(c, VMC.DMA, seq, 1);
        }
      }
    }
  }
}

/** The VMM begins touching guest memory (a DMA section; see Shootdown). */
export function dmaEnter(control: Int32Array): void {
  Atomics.add(control, VMC.DMA, 1);
}

/** The VMM holds no translation of guest memory any more. */
export function dmaExit(control: Int32Array): void {
  Atomics.add(control, VMC.DMA, 1);
  Atomics.notify(control, VMC.DMA);
}
