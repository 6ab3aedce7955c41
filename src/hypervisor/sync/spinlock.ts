/**
 * A lock word in a SharedArrayBuffer: 0 free, 1 held, 2 held with waiters.
 * Acquire spins briefly with compareExchange, then sleeps in Atomics.wait
 * (never spins a core for long). Critical sections must be short and must
 * not take another lock of the same kind unless the order is documented.
 *
 * Lock order (ARCHITECTURE.md): a VM's irqchip lock (PLIC or CLINT) is
 * innermost and is never taken while holding the scheduler lock; the
 * irqchip's interrupt reports kick vCPUs lock-free (VcpuScheduler.kick).
 */
const SPINS = 200;

export function lock(words: Int32Array, index: number): void {
  for (let i = 0; i < SPINS; i++) {
    if (Atomics.compareExchange(words, index, 0, 1) === 0) return;
  }
  // Mark contended and sleep until released (Drepper, "Futexes Are Tricky", mutex 2).
  let c = Atomics.exchange(words, index, 2);
  while (c !== 0) {
    Atomics.wait(words, index, 2, 10);
    c = Atomics.exchange(words, index, 2);
  }
}

export function unlock(words: Int32Array, index: number): void {
  if (Atomics.exchange(words, index, 0) === 2) Atomics.notify(words, index, 1);
}

export function tryLock(words: Int32Array, index: number): boolean {
  return Atomics.compareExchange(words, index, 0, 1) === 0;
}
