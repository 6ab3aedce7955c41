import { FramePool } from '../memory/frame-pool';
import { HostMemory } from '../memory/host-memory';
import { SchedState } from '../host/sched-state';
import { Shootdown } from '../host/shootdown';
import { VMC, type VmShared } from '../host/vm-shared';
import type { KsmdCommand, KsmdReport, ParentPort } from '../protocol';
import { KSM, KSMF, KsmState } from './ksm-state';
import { Ksmd } from './ksmd';

/**
 * The body of the ksmd worker (Linux's ksmd kthread): scan a batch of
 * pages_to_scan pages, sleep sleep_millisecs, repeat while run=1. It
 * sleeps in Atomics.wait on KSM.GEN, so a knob change or a VM added or
 * removed (the host bumps GEN after posting the message) wakes it at once,
 * and with run=0 it costs nothing.
 */
export function ksmdMain(port: ParentPort<KsmdCommand, KsmdReport>): void {
  let ksmd: Ksmd | undefined;
  let state: KsmState | undefined;
  let sched: SchedState | undefined;
  port.onMessage((command) => {
    switch (command.kind) {
      case 'init': {
        state = new KsmState(command.ksm);
        sched = new SchedState(command.sched);
        ksmd = new Ksmd(new FramePool(new HostMemory(command.ram), command.framePool), state);
        void loop(ksmd, state, port);
        break;
      }
      case 'vm-add':
        if (ksmd && sched) ksmd.addVm(ksmVm(command.shared, sched));
        break;
      case 'vm-remove':
        ksmd?.removeVm(command.vm);
        break;
    }
  });
}

function ksmVm(shared: VmShared, sched: SchedState) {
  const control = new Int32Array(shared.control);
  const shootdown = new Shootdown(shared, sched);
  return {
    vm: shared.vm,
    table: new Int32Array(shared.p2m),
    counters: new Int32Array(shared.memStats),
    gone: () => Atomics.load(control, VMC.STOP) !== 0,
    shootdown: () => shootdown.run(),
  };
}

async function loop(ksmd: Ksmd, state: KsmState, port: ParentPort<KsmdCommand, KsmdReport>) {
  const w = state.w;
  let gen = -1;
  try {
    while (Atomics.load(w, KSM.SHUTDOWN) === 0) {
      const g = Atomics.load(w, KSM.GEN);
      if (g !== gen) {
        gen = g;
        await new Promise((resolve) => setTimeout(resolve, 0)); // read pending messages
        continue;
      }
      const run = Atomics.load(w, KSM.RUN);
      if (run === 2 && Atomics.load(w, KSM.UNMERGED) === 0) {
        Atomics.store(w, KSM.UNMERGED, ksmd.unmergeAll() ? 1 : -1);
        continue;
      }
      if (run !== 1 || ksmd.vmCount === 0) {
        Atomics.wait(w, KSM.GEN, gen, 1000);
        continue;
      }
      const t0 = performance.now();
      Atomics.store(w, KSM.SCANNING, 1);
      ksmd.scan(Atomics.load(w, KSM.PAGES_TO_SCAN));
      Atomics.store(w, KSM.SCANNING, 0);
      state.f[KSMF.SCAN_MS] += performance.now() - t0;
      const sleep = Atomics.load(w, KSM.SLEEP_MILLISECS);
      if (sleep > 0) Atomics.wait(w, KSM.GEN, gen, sleep);
    }
  } catch (error) {
    port.post({ kind: 'error', message: (error as Error).stack ?? String(error) });
  }
  port.post({ kind: 'exited' });
}
