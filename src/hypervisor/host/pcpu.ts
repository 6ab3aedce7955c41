import { JIT_STATS } from '../cpu/jit/jit-stats';
import { moduleExchange } from '../cpu/jit/module-exchange';
import { EXIT } from '../cpu/hart';
import { F } from '../cpu/hart-state';
import { HostMemory } from '../memory/host-memory';
import type { ParentPort, PcpuCommand, PcpuReport } from '../protocol';
import { hostNow } from './clock';
import { H, SchedState, V } from './sched-state';
import { VcpuScheduler } from './scheduler';
import { TRACE_EXIT_SPAN, TraceRing } from './trace-ring';
import { Vcpu } from './vcpu';
import { warmUpInterpreter } from './warm-up';
import { NOMEM, STOP_CODE, VMC, requestStop, type VmShared } from './vm-shared';
import { VmView } from './vm-view';

/** Longest idle sleep before a pCPU looks at its mailbox of messages again. */
const MAX_IDLE_MS = 200;

/**
 * One physical CPU of the host (a worker thread): the scheduler loop. Pick
 * a runnable vCPU from the shared run queue, run it for a slice, account,
 * repeat; with nothing to run, sleep in Atomics.wait until a kick or the
 * next timer deadline. Messages (VMs added/removed) are read between
 * slices when CONFIG_GEN says some are waiting.
 */
export class Pcpu {
  #pcpu = -1;
  #st!: SchedState;
  #sched!: VcpuScheduler;
  #mem!: HostMemory;
  #trace!: TraceRing;
  /** vCPU objects by scheduler slot, with the slot generation they were built for. */
  readonly #vcpus = new Map<number, { gen: number; vcpu: Vcpu }>();
  readonly #views = new Map<number, VmView>();
  #running = false;
  #jitFrames: number[] = [];
  #jitStats: Float64Array | undefined;

  constructor(readonly port: ParentPort<PcpuCommand, PcpuReport>) {}

  onMessage(command: PcpuCommand): void {
    switch (command.kind) {
      case 'init':
        this.#pcpu = command.pcpu;
        this.#st = new SchedState(command.sched);
        this.#sched = new VcpuScheduler(this.#st);
        this.#mem = new HostMemory(command.ram, command.ramMemory);
        this.#jitFrames = command.jitFrames ?? [];
        if (command.jitStats)
          this.#jitStats = new Float64Array(
            command.jitStats,
            command.pcpu * JIT_STATS.WORDS * 8,
            JIT_STATS.WORDS,
          );
        this.#trace = new TraceRing(command.trace);
        moduleExchange().publish = (module) =>
          this.port.post({ kind: 'jit-module', pcpu: command.pcpu, module });
        this.port.post({ kind: 'online', pcpu: this.#pcpu });
        if (!this.#running) {
          this.#running = true;
          // Before any guest runs here, while the host reads its kernel (host/warm-up.ts).
          try {
            warmUpInterpreter();
          } catch (e) {
            // Only an optimisation: the guests run all the same, on code V8 trains as they go.
            console.warn('pCPU warm-up failed', e);
          }
          void this.#loop();
        }
        break;
      case 'vm-add':
        this.#addVm(command.shared);
        break;
      case 'vm-remove':
        this.#views.delete(command.vm);
        for (const [slot, entry] of this.#vcpus)
          if (entry.vcpu.view.shared.vm === command.vm) this.#vcpus.delete(slot);
        break;
      case 'jit-modules':
        moduleExchange().receive(command.modules);
        break;
      case 'heartbeat':
        break;
    }
  }

  #addVm(shared: VmShared): void {
    const view = new VmView(shared, this.#st);
    this.#views.set(shared.vm, view);
    const link = { vmStop: (vm: number) => this.port.post({ kind: 'vm-stop', vm }) };
    shared.vcpuSlots.forEach((slot, index) => {
      const gen = this.#st.vcpu(slot)[V.GEN];
      const vcpu = new Vcpu(
        view,
        index,
        slot,
        this.#mem,
        this.#st,
        link,
        this.#jitFrames,
        this.#jitStats,
      );
      this.#vcpus.set(slot, { gen, vcpu });
    });
  }

  async #loop(): Promise<void> {
    const header = this.#st.header;
    const me = this.#pcpu;
    let gen = -1;
    while (Atomics.load(header, H.SHUTDOWN) === 0) {
      if (Atomics.load(header, H.CONFIG_GEN) !== gen) {
        gen = Atomics.load(header, H.CONFIG_GEN);
        await yieldToEventLoop();
        continue;
      }
      const seq = Atomics.load(header, H.WORK_SEQ);
      const now = hostNow();
      const pick = this.#sched.pick(me, now);
      if (pick.vcpu < 0) {
        this.#sched.pcpuIdle(me, now, true);
        const timeout = Math.max(0, Math.min(MAX_IDLE_MS, pick.wakeAt - now));
        Atomics.wait(header, H.WORK_SEQ, seq, timeout);
        this.#sched.pcpuIdle(me, hostNow(), false);
        continue;
      }
      const entry = this.#vcpus.get(pick.vcpu);
      if (!entry || entry.gen !== this.#st.vcpu(pick.vcpu)[V.GEN]) {
        // Its VM's vm-add message has not been read yet: give the vCPU back and read messages.
        const t = hostNow();
        this.#sched.put(pick.vcpu, me, t, 0, {
          halted: false,
          stopped: false,
          wakeAt: Infinity,
          stillHalted: () => false,
        });
        await yieldToEventLoop();
        continue;
      }
      this.#runSlice(entry.vcpu, pick.sliceMs, pick.migrated);
    }
    this.port.post({ kind: 'exited', pcpu: me });
  }

  #runSlice(vcpu: Vcpu, sliceMs: number, migrated: boolean): void {
    const hart = vcpu.hart;
    const start = hostNow();
    const i0 = hart.f[F.INSTRET];
    let exit: number = EXIT.BUDGET;
    try {
      vcpu.enter(migrated, this.#st.pcpu(this.#pcpu));
      exit = vcpu.runSlice(start + sliceMs);
    } catch (error) {
      // A host bug, not a guest fault: stop this VM with the reason; the host and other VMs go on.
      const vm = vcpu.view.shared.vm;
      if (requestStop(vcpu.view.control, STOP_CODE.ERROR)) {
        this.port.post({ kind: 'vm-error', vm, message: (error as Error).stack ?? String(error) });
      }
    }
    // Still RUNNING: a slice that ended without a halt or a stop leaves the vCPU waiting for a pCPU.
    vcpu.leave(exit !== EXIT.WFI && !vcpu.stopped);
    const end = hostNow();
    const view = vcpu.view;
    // Computed before taking the scheduler lock: it reads the CLINT, whose lock comes first (spinlock.ts).
    const wakeAt = view.timerDeadline(vcpu.index);
    const instructions = hart.f[F.INSTRET] - i0;
    const why = this.#sched.put(vcpu.slot, this.#pcpu, end, end - start, {
      halted: exit === EXIT.WFI,
      stopped: vcpu.stopped,
      wakeAt,
      stillHalted: () => !hart.wfiWake() && wakeAt > hostNow(),
      instructions,
    });
    if (view.stopCode !== 0) this.port.post({ kind: 'vm-stop', vm: view.shared.vm }); // the host reaps it once
    if (
      Atomics.compareExchange(view.control, VMC.NOMEM, NOMEM.PAUSED, NOMEM.REPORTED) ===
      NOMEM.PAUSED
    ) {
      this.port.post({ kind: 'vm-nomem', vm: view.shared.vm });
    }
    // Its exit spans first: a reader knows they belong to the slice record that follows.
    vcpu.exitSpans.drain((a, b) =>
      this.#trace.write({
        pcpu: this.#pcpu,
        vcpu: vcpu.slot,
        vm: view.shared.vm,
        start: a,
        end: b,
        why: TRACE_EXIT_SPAN,
        instructions: 0,
      }),
    );
    this.#trace.write({
      pcpu: this.#pcpu,
      vcpu: vcpu.slot,
      vm: view.shared.vm,
      start,
      end,
      why,
      instructions,
    });
  }
}

/** Lets the worker's event loop deliver pending messages. */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}
