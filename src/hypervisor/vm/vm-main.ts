import { F } from '../cpu/hart-state';
import { EXIT } from '../cpu/hart';
import type { ParentPort, VmCommand, VmReport } from '../protocol';
import { VM_CTL } from '../protocol';
import { ByteRing } from './byte-ring';
import { VirtMachine } from './virt-machine';

/** Instructions per hart between checks of the control words. */
const SLICE = 2_000_000;
/** Longest sleep of an idle VM before it looks at its control words again. */
const MAX_SLEEP_MS = 1000;

/**
 * The body of a VM worker (this single-threaded VM: all harts and
 * devices on one worker). Runs until the guest stops or STOP is set.
 */
export function vmMain(port: ParentPort<VmCommand, VmReport>): void {
  port.onMessage((command) => {
    if (command.kind !== 'boot') return;
    const control = new Int32Array(command.control);
    const started = performance.now();
    let machine: VirtMachine;
    try {
      machine = new VirtMachine(command.config, {
        consoleIn: new ByteRing(command.consoleIn),
        consoleOut: (bytes) => port.post({ kind: 'console', bytes }),
      });
    } catch (error) {
      port.post({
        kind: 'stopped',
        reason: { kind: 'error', message: (error as Error).message },
        stats: emptyStats(),
      });
      return;
    }
    port.post({ kind: 'started', hartStates: machine.hartStateSab, harts: machine.harts.length });
    try {
      while (!machine.stopReason) {
        if (Atomics.load(control, VM_CTL.STOP)) {
          machine.stop({ kind: 'destroyed' });
          break;
        }
        const seen = Atomics.load(control, VM_CTL.WAKE);
        const exit = machine.runSlice(SLICE);
        if (exit === EXIT.WFI && !machine.hasWork()) {
          const wait = (machine.nextDeadline() - machine.clock.now()) / 10_000;
          if (wait > 0) Atomics.wait(control, VM_CTL.WAKE, seen, Math.min(wait, MAX_SLEEP_MS));
        }
      }
    } catch (error) {
      // A host bug, not a guest fault: stop this VM with the reason, never crash the host.
      machine.stop({
        kind: 'error',
        message: `hypervisor error: ${(error as Error).stack ?? error}`,
      });
    }
    machine.flushConsole();
    const instret = machine.harts.reduce((sum, h) => sum + h.f[F.INSTRET], 0);
    port.post({
      kind: 'stopped',
      reason: machine.stopReason!,
      stats: {
        instret,
        seconds: (performance.now() - started) / 1000,
        sbiCalls: Object.fromEntries([...machine.sbiCalls].map(([k, v]) => [k.toString(16), v])),
      },
    });
  });
}

function emptyStats() {
  return { instret: 0, seconds: 0, sbiCalls: {} };
}
