import { describe, expect, it } from 'vitest';
import { ExitSpans, GAP_MS, MAX_SPANS } from './exit-spans';

const drained = (s: ExitSpans) => {
  const out: [number, number][] = [];
  s.drain((a, b) => out.push([a, b]));
  return out;
};

describe('ExitSpans', () => {
  it('joins exits closer than GAP_MS into one span and keeps separate bursts apart', () => {
    const s = new ExitSpans();
    s.add(1, 1.02);
    s.add(1.02 + GAP_MS / 2, 1.06); // same burst
    s.add(2, 2.5); // a new one
    expect(drained(s)).toEqual([
      [1, 1.06],
      [2, 2.5],
    ]);
    expect(s.count).toBe(0);
    expect(drained(s)).toEqual([]);
  });

  it('grows the last span once MAX_SPANS are used, so no exit time is lost', () => {
    const s = new ExitSpans();
    for (let i = 0; i < MAX_SPANS + 5; i++) s.add(i, i + 0.5);
    const spans = drained(s);
    expect(spans).toHaveLength(MAX_SPANS);
    expect(spans[MAX_SPANS - 1]).toEqual([MAX_SPANS - 1, MAX_SPANS + 4.5]);
  });
});
