import { VIRT } from '../board/virt-board';
import type { Clock } from '../devices/interrupts';
/**
 * Host time in milliseconds since the Unix epoch, comparable across threads:
 * `performance.now()` alone has a per-thread origin (each worker's start).
 */
export function hostNow(): number {
  return performance.timeOrigin + performance.now();
}

/**
 * A VM's clock: timebase ticks (VIRT.TIMEBASE_HZ) since `epochMs` (host
 * ms). One factory, so every clock a hart sees has one shape.
 */
export function guestClock(epochMs: number): Clock {
  return { now: () => Math.floor((hostNow() - epochMs) * (VIRT.TIMEBASE_HZ / 1000)) };
}
