import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startControl, type ControlClient } from '../tools/lib/control-client';
import type { DomainSession } from '../tools/lib/domain-session';
import { boot, settle, sleep, spinInBackground, step } from './helpers/hypervisor';

/**
 * Issue 13 [guest-userland] item 3: steal time in the guest. The hypervisor
 * reports each vCPU's steal (runnable, waiting for a pCPU) through SBI STA
 * (sbi/sta.ts); Linux 6.12 (PARAVIRT_TIME_ACCOUNTING) adds it to the `steal`
 * column of /proc/stat's `cpu` line, which `vmstat` shows as `st`. On a host
 * with one pCPU, a busy guest alone loses nothing; two busy guests each wait
 * for the pCPU about half the time.
 */
let client: ControlClient;
let solo: DomainSession;

beforeAll(async () => {
  client = await startControl({ pcpus: 1, ramMiB: 256 });
  solo = await boot(client, { name: 'solo' });
  await settle(solo);
}, 120_000);
afterAll(async () => client?.close());

/** /proc/stat's `cpu` line (USER_HZ = 100 ticks): the steal column and the sum of all. */
async function cpuTicks(session: DomainSession): Promise<{ steal: number; total: number }> {
  const stat = await step('cat /proc/stat', session.exec('cat /proc/stat'), session);
  const line = stat.split('\n').find((l) => l.startsWith('cpu '));
  expect(line, stat).toBeDefined();
  // user nice system idle iowait irq softirq steal guest guest_nice (proc(5))
  const fields = line!.trim().split(/\s+/).slice(1).map(Number);
  expect(fields.length).toBeGreaterThanOrEqual(8);
  return { steal: fields[7], total: fields.slice(0, 8).reduce((a, b) => a + b, 0) };
}

/** Steal over a window of `ms`, as a share of the guests' own tick count and of host wall time. */
async function stealOver(sessions: DomainSession[], ms: number) {
  const before = await Promise.all(sessions.map(cpuTicks));
  const t0 = performance.now();
  await sleep(ms);
  const after = await Promise.all(sessions.map(cpuTicks));
  const wallTicks = (performance.now() - t0) / 10;
  return after.map((a, i) => {
    const steal = a.steal - before[i].steal;
    const total = a.total - before[i].total;
    return { steal, total, ofTicks: steal / total, ofWall: steal / wallTicks };
  });
}

describe('steal time through SBI STA (one pCPU)', () => {
  it('the guest finds the STA extension and computes paravirt steal time', async () => {
    const dmesg = await step('dmesg', solo.exec('dmesg'), solo);
    expect(dmesg).toContain('riscv-pv: SBI STA extension detected');
    expect(dmesg).toContain('riscv-pv: Computing paravirt steal-time');
  });

  it('a busy guest alone on the pCPU has almost no steal', async () => {
    await step('spin solo', spinInBackground(solo, 1), solo);
    await sleep(500);
    const [s] = await stealOver([solo], 5_000);
    expect(s.total, 'ticks in the window').toBeGreaterThan(300);
    expect(s.ofTicks, `steal ${s.steal} of ${s.total} ticks`).toBeLessThan(0.05);
  }, 60_000);

  it('two busy guests on one pCPU each see about half their time stolen', async () => {
    const other = await step('boot other', boot(client, { name: 'other' }));
    await step('settle other', settle(other), other);
    await step('spin other', spinInBackground(other, 1), other);
    await sleep(500);
    const shares = await stealOver([solo, other], 8_000);
    for (const [i, s] of shares.entries()) {
      const what = `${['solo', 'other'][i]}: steal ${s.steal} of ${s.total} ticks (${(100 * s.ofWall).toFixed(0)} % of wall time)`;
      expect(s.ofTicks, what).toBeGreaterThan(0.3);
      expect(s.ofTicks, what).toBeLessThan(0.7);
      expect(s.ofWall, what).toBeGreaterThan(0.3);
      expect(s.ofWall, what).toBeLessThan(0.7);
    }
  }, 120_000);
});
