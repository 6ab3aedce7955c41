import { describe, expect, it } from 'vitest';
import { TraceRing } from './trace-ring';

describe('TraceRing', () => {
  it('keeps the newest records and reads them in order', () => {
    const ring = TraceRing.create(4);
    for (let i = 0; i < 6; i++)
      ring.write({ pcpu: 0, vcpu: i, vm: 0, start: i, end: i + 1, why: 0, instructions: 10 });
    expect(ring.written).toBe(6);
    expect(ring.read(0).map((r) => r.vcpu)).toEqual([2, 3, 4, 5]);
    expect(ring.read(5).map((r) => r.seq)).toEqual([5]);
    const other = new TraceRing(ring.sab);
    expect(other.read(4)).toHaveLength(2);
  });
});
