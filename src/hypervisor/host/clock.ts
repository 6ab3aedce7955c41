import { VIRT } from '../board/virt-board';
import type { Clock } from '../devices/interrupts';
/**
 * Host time in milliseconds since the Unix epoch, comparable across threads:
 * `performance.now()` alone has a per-thread origin (each worker's start).
 */
export function hostNow(): number {
  return performance.timeOrigin + performance.now();
}

/** Timebase ticks per host millisecond. */
const TICKS_PER_MS = VIRT.TIMEBASE_HZ / 1000;

/**
 * A VM's clock: timebase ticks (VIRT.TIMEBASE_HZ) since `epochMs` (host
 * ms). A class, not an object literal with a closure: every clock a hart
 * sees then has one V8 map, whatever else the thread has made. With
 * literals, the interpreter's training (host/warm-up.ts) and the vCPUs
 * ended up with clocks of two maps in Chromium, and the map change threw
 * away the optimised interpreter, mid-compile, at the first vCPU.
 */
class GuestClock implements Clock {
  constructor(readonly epochMs: number) {}
  now(): number {
    return Math.floor((hostNow() - this.epochMs) * TICKS_PER_MS);
  }
}

/** A VM's clock (above): one factory, so every clock a hart sees has one shape. */
export function guestClock(epochMs: number): Clock {
  return new GuestClock(epochMs);
}
