import { describe, expect, it } from 'vitest';
import { lock, tryLock, unlock } from './spinlock';

describe('spinlock', () => {
  it('excludes a second holder until released', () => {
    const w = new Int32Array(new SharedArrayBuffer(4));
    lock(w, 0);
    expect(tryLock(w, 0)).toBe(false);
    unlock(w, 0);
    expect(tryLock(w, 0)).toBe(true);
    unlock(w, 0);
    expect(w[0]).toBe(0);
  });
});
