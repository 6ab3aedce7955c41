import { describe, expect, it } from 'vitest';
import {
  HEARTBEAT,
  createHeartbeatBuffer,
  readHeartbeat,
  runTicker,
  stopHeartbeat,
} from './heartbeat';

describe('heartbeat', () => {
  it('returns at once when STOP is already set', () => {
    const sab = createHeartbeatBuffer();
    stopHeartbeat(sab);
    expect(runTicker(sab, HEARTBEAT.CONTROL)).toBe(0);
    expect(readHeartbeat(sab).control).toBe(0);
  });

  it('reads what the tickers wrote', () => {
    const sab = createHeartbeatBuffer();
    const words = new Int32Array(sab);
    Atomics.store(words, HEARTBEAT.PCPU, 7);
    Atomics.store(words, HEARTBEAT.PCPU_READY, 1);
    expect(readHeartbeat(sab)).toEqual({ control: 0, pcpu: 7, pcpuReady: true });
  });
});
