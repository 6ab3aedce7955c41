import { HEARTBEAT, runTicker } from './heartbeat';
import type { ParentPort, PcpuCommand, PcpuReport } from './protocol';

/**
 * The body of a pCPU worker, independent of the platform. For now it only
 * runs the heartbeat; the vCPU scheduler loop grows here.
 */
export function pcpuMain(port: ParentPort<PcpuCommand, PcpuReport>): void {
  port.onMessage((command) => {
    switch (command.kind) {
      case 'heartbeat': {
        const words = new Int32Array(command.sab);
        Atomics.store(words, HEARTBEAT.PCPU_READY, 1);
        port.post({ kind: 'started' });
        const ticks = runTicker(command.sab, HEARTBEAT.PCPU, command.periodMs);
        port.post({ kind: 'stopped', ticks });
        break;
      }
    }
  });
}
