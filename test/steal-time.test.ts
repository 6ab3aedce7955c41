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

/**
 * The guest's uptime (s) and /proc/stat's `cpu` steal column (USER_HZ = 100
 * ticks), read by one command so both describe the same moment.
 */
async function guestClock(session: DomainSession): Promise<{ uptime: number; steal: number }> {
  const out = await step('cat', session.exec('cat /proc/uptime /proc/stat'), session);
  const uptime = Number(out.split(/\s+/)[0]);
  const line = out.split('\n').find((l) => l.startsWith('cpu '));
  expect(line, out).toBeDefined();
  // user nice system idle iowait irq softirq steal guest guest_nice (proc(5))
  const fields = line!.trim().split(/\s+/).slice(1).map(Number);
  expect(fields.length).toBeGreaterThanOrEqual(8);
  expect(uptime).toBeGreaterThan(0);
  return { uptime, steal: fields[7] };
}

/**
 * Steal over a window of about `ms` in each guest, as a share of the time
 * that passed in that guest (its uptime): steal is wall time the vCPU was
 * runnable but not running, so it is compared with elapsed time, not with
 * the sum of /proc/stat's columns (a tick that finds more steal than a tick
 * accounts nothing else, so that sum falls behind elapsed time).
 */
async function stealOver(sessions: DomainSession[], ms: number) {
  const before = await Promise.all(sessions.map(guestClock));
  await sleep(ms);
  const after = await Promise.all(sessions.map(guestClock));
  return after.map((a, i) => {
    const steal = a.steal - before[i].steal;
    const elapsed = (a.uptime - before[i].uptime) * 100;
    return { steal, elapsed, share: steal / elapsed };
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
    expect(s.elapsed, 'ticks in the window').toBeGreaterThan(400);
    expect(s.share, `steal ${s.steal} of ${s.elapsed} ticks`).toBeLessThan(0.05);
  }, 60_000);

  it('two busy guests on one pCPU each see about half their time stolen', async () => {
    const other = await step('boot other', boot(client, { name: 'other' }));
    await step('settle other', settle(other), other);
    await step('spin other', spinInBackground(other, 1), other);
    await sleep(500);
    const shares = await stealOver([solo, other], 8_000);
    for (const [i, s] of shares.entries()) {
      const what = `${['solo', 'other'][i]}: steal ${s.steal} of ${s.elapsed.toFixed(0)} ticks`;
      expect(s.elapsed, what).toBeGreaterThan(700);
      expect(s.share, what).toBeGreaterThan(0.3);
      expect(s.share, what).toBeLessThan(0.7);
    }
  }, 120_000);
});
