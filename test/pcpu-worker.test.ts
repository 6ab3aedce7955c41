import { join } from 'node:path';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import {
  HEARTBEAT,
  createHeartbeatBuffer,
  readHeartbeat,
  stopHeartbeat,
} from '../src/hypervisor/heartbeat';
import type { PcpuReport } from '../src/hypervisor/protocol';
import { startNodeWorker } from '../tools/lib/node-worker';

describe('pCPU worker on node:worker_threads', () => {
  it('ticks in shared memory until stopped, sleeping in Atomics.wait', async () => {
    const worker = await startNodeWorker(
      join(import.meta.dirname, '../src/hypervisor/workers/pcpu.node-worker.ts'),
    );
    try {
      const sab = createHeartbeatBuffer();
      const reports: PcpuReport[] = [];
      worker.on('message', (report: PcpuReport) => reports.push(report));
      worker.postMessage({ kind: 'heartbeat', sab, periodMs: 1 });
      const words = new Int32Array(sab);
      // Wait on this thread until the worker has ticked 20 times.
      const deadline = Date.now() + 10_000;
      while (Atomics.load(words, HEARTBEAT.PCPU) < 20 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      expect(readHeartbeat(sab).pcpuReady).toBe(true);
      expect(readHeartbeat(sab).pcpu).toBeGreaterThanOrEqual(20);
      stopHeartbeat(sab);
      while (!reports.some((r) => r.kind === 'stopped')) await once(worker, 'message');
      const stopped = reports.find((r) => r.kind === 'stopped');
      expect(stopped).toEqual({ kind: 'stopped', ticks: readHeartbeat(sab).pcpu });
      expect(reports[0]).toEqual({ kind: 'started' });
    } finally {
      await worker.terminate();
    }
  });
});
