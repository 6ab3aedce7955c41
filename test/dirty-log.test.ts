import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { VM_OVERHEAD_MIB } from '../src/hypervisor/host/host';
import { RawHost } from './helpers/raw-host';
import { sleep } from './helpers/hypervisor';

/**
 * Dirty-page logging on a real Linux guest (KVM_GET_DIRTY_LOG's contract):
 * every page written after the start is in the next collect, a collect
 * takes the set once, and an idle guest dirties little.
 */
let raw: RawHost;
let vm: number;

beforeAll(async () => {
  raw = await RawHost.create(48 + VM_OVERHEAD_MIB);
  vm = (await raw.boot('dirty')).vm;
  await sleep(1000); // the boot's last writes (init, the shell's first prompt) settle
}, 120_000);
afterAll(async () => raw?.host.shutdown());
// A failed test must not leave logging on for the next one.
afterEach(() => raw?.host.stopDirtyLog(vm));

describe('dirty-page logging of a running guest', () => {
  it('an idle guest dirties few pages', async () => {
    raw.host.startDirtyLog(vm);
    await sleep(1000);
    const idle = raw.host.collectDirtyLog(vm);
    console.log(`idle guest: ${idle.length} pages dirtied in 1 s`);
    expect(idle.length).toBeLessThan(200); // of 8192: timer ticks, the scheduler, nothing more
    raw.host.stopDirtyLog(vm);
  });

  it('reports every page that holds a pattern written through the console', async () => {
    await raw.run(vm, 'true');
    raw.host.startDirtyLog(vm);
    // Built by the guest from two halves, so the whole string exists only where the guest wrote it.
    const nonce = Math.random().toString(36).slice(2, 10);
    const half1 = `mig-${nonce}-`;
    const half2 = 'PATTERN-'.repeat(4);
    await raw.run(vm, `X=${half1}; Y=${half2}; echo $X$Y > /tmp/p; echo $X$Y$X$Y > /tmp/q`);
    const dirty = new Set(raw.host.collectDirtyLog(vm));
    const holding = raw.pagesHolding(vm, new TextEncoder().encode(half1 + half2));
    expect(holding.length).toBeGreaterThan(0);
    for (const g of holding) expect(dirty.has(g), `page ${g} holds the pattern`).toBe(true);
    raw.host.stopDirtyLog(vm);
  });

  it('a process re-dirtying 4 MiB is reported page by page, and a collect clears the set', async () => {
    const from = raw.output(vm).length;
    raw.type(vm, 'hog 4M &\n');
    const held = await raw.waitFor(vm, /hog: (\d+) holds 4194304 bytes/, from, 60_000);
    const pid = /hog: (\d+) holds/.exec(held)![1];
    await raw.run(vm, 'true');
    raw.host.startDirtyLog(vm);
    await sleep(300);
    const quiet = raw.host.collectDirtyLog(vm).length;
    // hog writes one word of each of its 1024 pages on SIGUSR2. Its report
    // races the shell's next prompt (either may come last), so wait for the
    // report itself, then for a prompt of a command typed after it.
    const beforeKill = raw.output(vm).length;
    raw.type(vm, `kill -USR2 ${pid}\n`);
    await raw.waitFor(vm, /hog: touched 1024 pages/, beforeKill);
    const dirtied = raw.host.collectDirtyLog(vm).length;
    console.log(`hog: ${quiet} pages dirty while it slept, ${dirtied} after it wrote its 1024`);
    expect(dirtied).toBeGreaterThanOrEqual(1024);
    expect(quiet).toBeLessThan(300);
    // The collect took the set: what follows is only what was written since.
    expect(raw.host.collectDirtyLog(vm).length).toBeLessThan(300);
    raw.host.stopDirtyLog(vm);
    await raw.run(vm, `kill ${pid}`);
  }, 90_000);

  it('refuses a collect while logging is off', () => {
    expect(() => raw.host.collectDirtyLog(vm)).toThrow(/dirty-page logging is off/);
  });
});
