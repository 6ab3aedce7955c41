import { describe, expect, it } from 'vitest';
import { ExitRates } from './exit-rates';

describe('ExitRates', () => {
  it('totals, shares and rates over the window, most frequent first', () => {
    const r = new ExitRates(2000);
    r.add(0, { mmio_exit_user: 0, wfi_exit_stat: 0 });
    r.add(1000, { mmio_exit_user: 100, wfi_exit_stat: 300 });
    r.add(2000, { mmio_exit_user: 200, wfi_exit_stat: 600 });
    const rows = r.rows();
    expect(rows.map((x) => x.reason)).toEqual(['wfi_exit_stat', 'mmio_exit_user']);
    expect(rows[0]).toMatchObject({ total: 600, pct: 75, rate: 300 });
    expect(rows[1]).toMatchObject({ total: 200, pct: 25, rate: 100 });
    // Old samples leave the window.
    r.add(5000, { mmio_exit_user: 200, wfi_exit_stat: 600 });
    expect(r.rows()[0].rate).toBe(0);
    expect(r.history).toHaveLength(4);
  });
});
