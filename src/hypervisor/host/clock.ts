/**
 * Host time in milliseconds since the Unix epoch, comparable across threads:
 * `performance.now()` alone has a per-thread origin (each worker's start).
 */
export function hostNow(): number {
  return performance.timeOrigin + performance.now();
}
