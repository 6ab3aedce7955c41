/**
 * Deep links in the URL hash, so a view can be shared and survives reload:
 *   #/                         the host overview
 *   #/domain/NAME/TAB          a domain's tab (console, details, cpu, memory, exits, snapshots)
 *   #/scheduler  #/memory      the host's scheduling timeline and memory map
 *   #/engines                  a kvm and a qemu domain side by side, their MIPS live
 *   #/migration                live migration between this page's hosts and other tabs
 *   #/learn[/LESSON[/STEP]]    the lessons (STEP counts from 1)
 * The hash is the only state; `route` mirrors it.
 */
export const DOMAIN_TABS = ['console', 'details', 'cpu', 'memory', 'exits', 'snapshots'] as const;
export type DomainTab = (typeof DOMAIN_TABS)[number];

export type Route =
  | { view: 'host' }
  | { view: 'scheduler' }
  | { view: 'memory' }
  | { view: 'migration' }
  | { view: 'engines' }
  | { view: 'domain'; name: string; tab: DomainTab }
  | { view: 'learn'; lesson?: string; step?: number };

export function parseRoute(hash: string): Route {
  const parts = hash
    .replace(/^#\/?/, '')
    .split('/')
    .filter((p) => p !== '')
    .map((p) => decodeURIComponent(p));
  if (parts[0] === 'domain' && parts[1]) {
    const tab = (DOMAIN_TABS as readonly string[]).includes(parts[2] ?? '')
      ? (parts[2] as DomainTab)
      : 'console';
    return { view: 'domain', name: parts[1], tab };
  }
  if (parts[0] === 'scheduler') return { view: 'scheduler' };
  if (parts[0] === 'memory') return { view: 'memory' };
  if (parts[0] === 'migration') return { view: 'migration' };
  if (parts[0] === 'engines') return { view: 'engines' };
  if (parts[0] === 'learn') {
    const step = Number(parts[2]);
    return {
      view: 'learn',
      lesson: parts[1],
      step: Number.isInteger(step) && step >= 1 ? step : undefined,
    };
  }
  return { view: 'host' };
}

export function routeHash(route: Route): string {
  switch (route.view) {
    case 'domain':
      return `#/domain/${encodeURIComponent(route.name)}/${route.tab}`;
    case 'learn':
      return `#/learn${route.lesson ? `/${encodeURIComponent(route.lesson)}` : ''}${route.step !== undefined ? `/${route.step}` : ''}`;
    case 'host':
      return '#/';
    default:
      return `#/${route.view}`;
  }
}

class Router {
  route = $state<Route>(parseRoute(globalThis.location?.hash ?? ''));

  constructor() {
    globalThis.addEventListener?.('hashchange', () => {
      this.route = parseRoute(location.hash);
    });
  }

  go(route: Route): void {
    const hash = routeHash(route);
    if (location.hash !== hash) location.hash = hash;
    this.route = route;
  }
}

export const router = new Router();
