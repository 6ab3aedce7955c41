import { describe, expect, it } from 'vitest';
import { parseRoute, routeHash, type Route } from './router.svelte';

describe('router', () => {
  it('round-trips every kind of route through the hash', () => {
    const routes: Route[] = [
      { view: 'host' },
      { view: 'scheduler' },
      { view: 'memory' },
      { view: 'migration' },
      { view: 'engines' },
      { view: 'domain', name: 'vm 1', tab: 'memory' },
      { view: 'learn' },
      { view: 'learn', lesson: 'ksm', step: 2 },
    ];
    for (const r of routes) expect(parseRoute(routeHash(r))).toEqual(r);
  });

  it('falls back to sensible views for unknown hashes', () => {
    expect(parseRoute('')).toEqual({ view: 'host' });
    expect(parseRoute('#/nonsense')).toEqual({ view: 'host' });
    expect(parseRoute('#/domain/vm1/bogus')).toEqual({
      view: 'domain',
      name: 'vm1',
      tab: 'console',
    });
  });
});
