import { HEARTBEAT, runTicker } from './heartbeat';
import { Pcpu } from './host/pcpu';
import type { ParentPort, PcpuCommand, PcpuReport } from './protocol';

/**
 * The body of a pCPU worker, independent of the platform: the heartbeat of
 * the thread-model probe, or (after `init`) the host's scheduler loop.
 */
export function pcpuMain(port: ParentPort<PcpuCommand, PcpuReport>): void {
  const pcpu = new Pcpu(port);
  port.onMessage((command) => {
    if (command.kind === 'heartbeat') {
      const words = new Int32Array(command.sab);
      Atomics.store(words, HEARTBEAT.PCPU_READY, 1);
      port.post({ kind: 'started' });
      const ticks = runTicker(command.sab, HEARTBEAT.PCPU, command.periodMs);
      port.post({ kind: 'stopped', ticks });
      return;
    }
    pcpu.onMessage(command);
  });
}
