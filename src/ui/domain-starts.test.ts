import { describe, expect, it } from 'vitest';
import { DomainStarts } from './domain-starts.svelte';
import type { HostSession } from './host.svelte';

/** A host whose start settles when the test says, and whose list refresh is counted. */
function fakeHost() {
  let settle: { resolve(): void; reject(e: Error): void } | undefined;
  const host = {
    refreshes: 0,
    call: <T>(p: Promise<T>) => p,
    api: {
      start: () => new Promise<void>((resolve, reject) => (settle = { resolve, reject })),
    },
    async refresh() {
      host.refreshes++;
    },
  };
  return { host, session: host as unknown as HostSession, settle: () => settle! };
}

describe('DomainStarts (starts from the New VM dialog)', () => {
  it('holds a VM as starting until the list was refreshed after its start', async () => {
    const starts = new DomainStarts();
    const { host, session, settle } = fakeHost();
    const done = starts.start(session, 'vm2', { quick: true });
    expect(starts.pending('vm2')).toBe(true);
    expect(starts.pending('vm3')).toBe(false);
    settle().resolve();
    expect(await done).toBe(true);
    expect(host.refreshes).toBe(1);
    expect(starts.pending('vm2')).toBe(false);
    expect(starts.error('vm2')).toBeUndefined();
  });

  it("keeps a failed start's error for the VM's page, until cleared or started again", async () => {
    const starts = new DomainStarts();
    const { session, settle } = fakeHost();
    const done = starts.start(session, 'vm2');
    settle().reject(new Error('no free host memory'));
    expect(await done).toBe(false);
    expect(starts.pending('vm2')).toBe(false);
    expect(starts.error('vm2')).toContain('no free host memory');
    const again = starts.start(session, 'vm2');
    expect(starts.error('vm2')).toBeUndefined();
    settle().reject(new Error('still no memory'));
    await again;
    starts.clearError('vm2');
    expect(starts.error('vm2')).toBeUndefined();
  });
});
