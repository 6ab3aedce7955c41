import { describe, expect, it } from 'vitest';
import { PVPANIC_CRASH_LOADED, PVPANIC_PANICKED, PvpanicMmio } from './pvpanic-mmio';

function setup() {
  const events: number[] = [];
  const dev = new PvpanicMmio({ onEvent: (bits) => events.push(bits) });
  return { dev, events };
}

describe('PvpanicMmio', () => {
  it('advertises PANICKED and CRASH_LOADED', () => {
    const { dev } = setup();
    expect(dev.read(0, 1)).toBe(PVPANIC_PANICKED | PVPANIC_CRASH_LOADED);
    expect(dev.read(1, 1)).toBe(0);
  });

  it('reports written events', () => {
    const { dev, events } = setup();
    dev.write(0, PVPANIC_PANICKED, 1);
    dev.write(0, PVPANIC_CRASH_LOADED, 1);
    expect(events).toEqual([1, 2]);
  });

  it('drops unsupported bits and wrong offsets, counting them', () => {
    const { dev, events } = setup();
    dev.write(0, 0x84 | PVPANIC_PANICKED, 1);
    dev.write(0, 0x80, 1);
    dev.write(1, PVPANIC_PANICKED, 1);
    expect(events).toEqual([PVPANIC_PANICKED]);
    expect(dev.ignoredWrites).toBe(3);
  });
});
