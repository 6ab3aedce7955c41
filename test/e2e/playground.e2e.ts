import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, inject, it } from 'vitest';
import type { Page } from 'playwright-core';
import { openBrowser, terminalText, type Browser } from './browser';

/**
 * Issue [ui]: the playground used as a person would, in Debian's Chromium.
 * Screenshots of every view at three widths go to test-results/screenshots.
 */
const SHOTS = join(import.meta.dirname, '..', '..', 'test-results', 'screenshots');
mkdirSync(SHOTS, { recursive: true });

let browser: Browser | undefined;
afterEach(async () => {
  await browser?.close();
  browser = undefined;
});

async function open(hash = ''): Promise<Page> {
  browser = await openBrowser();
  const { page } = browser;
  await page.goto(inject('baseUrl') + hash);
  await page
    .locator('[data-testid="domain-row"][data-name="vm1"][data-state="running"]')
    .waitFor({ timeout: 60_000 });
  return page;
}

/** Types a line into the page's virsh dock and waits for `expect` in its output. */
async function virsh(page: Page, line: string, expectText: RegExp | string) {
  const terminal = page.getByTestId('virsh-terminal');
  if (!(await terminal.isVisible())) await page.getByTestId('virsh-toggle').click();
  const screen = terminal.locator('.xterm-rows');
  await expect.poll(() => screen.textContent(), { timeout: 15_000 }).toContain('virsh # ');
  await terminal.click();
  await page.keyboard.type(`${line}\n`);
  await expect.poll(() => screen.textContent(), { timeout: 30_000 }).toMatch(expectText);
}

async function consoleLine(page: Page, name: string, line: string, wait: RegExp) {
  await page.evaluate((h) => (location.hash = h), `#/domain/${name}/console`);
  const screen = { textContent: () => terminalText(page) };
  await expect.poll(() => screen.textContent(), { timeout: 60_000 }).toMatch(/root@virtlab:\/#/);
  await page.getByTestId('serial-console').click();
  await page.keyboard.type(`${line}\n`);
  await expect.poll(() => screen.textContent(), { timeout: 60_000 }).toMatch(wait);
}

describe('the playground', () => {
  it('every view renders at 390, 1280 and 1920 px without horizontal overflow', async () => {
    const page = await open();
    // The guest image came once, from index.html's preload, which the page's own fetch took
    // over (a second entry, initiator "fetch", would be a second download of ~2 MB).
    const image = await page.evaluate(() =>
      performance
        .getEntriesByType('resource')
        .filter((e) => e.name.endsWith('/images/linux-rv32.bin.gz'))
        .map((e) => (e as PerformanceResourceTiming).initiatorType),
    );
    expect(image).toEqual(['link']);
    // The host began before the app's script had arrived (main.ts, ui/host-start.ts): the control
    // worker's script was requested before the app chunk's last byte.
    const [worker, app] = await page.evaluate(() =>
      ['/control.worker-', '/App-'].map((part) => {
        const entry = performance
          .getEntriesByType('resource')
          .find(
            (e) => e.name.includes(part) && e.name.endsWith('.js'),
          ) as PerformanceResourceTiming;
        return { start: entry.startTime, end: entry.responseEnd };
      }),
    );
    expect(worker.start).toBeLessThan(app.end);
    const views = [
      '#/',
      '#/scheduler',
      '#/memory',
      '#/migration',
      '#/engines',
      '#/domain/vm1/console',
      '#/domain/vm1/details',
      '#/domain/vm1/cpu',
      '#/domain/vm1/memory',
      '#/domain/vm1/exits',
      '#/domain/vm1/snapshots',
    ];
    for (const width of [390, 1280, 1920]) {
      await page.setViewportSize({ width, height: width < 500 ? 844 : width > 1600 ? 1080 : 800 });
      for (const view of views) {
        await page.evaluate((h) => (location.hash = h), view);
        await page.waitForTimeout(700);
        const text = (await page.locator('main').textContent()) ?? '';
        expect(text.trim().length, `${view} at ${width}px is empty`).toBeGreaterThan(20);
        const overflow = await page.evaluate(
          () => document.documentElement.scrollWidth - window.innerWidth,
        );
        expect(overflow, `${view} at ${width}px overflows by ${overflow}px`).toBeLessThanOrEqual(0);
        await page.screenshot({ path: join(SHOTS, `${view.replace(/[#/]+/g, '_')}-${width}.png`) });
      }
    }
    expect(browser!.errors).toEqual([]);
  });

  it('switches to 简体中文 and back without restarting the VMs', async () => {
    const page = await open('#/domain/vm1/details');
    // The details fill in after the page's first poll of the domain: wait for the UUID.
    const uuidShown = async () =>
      ((await page.locator('[data-testid="domain-details"]').textContent()) ?? '').match(
        /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/,
      )?.[0];
    await expect.poll(uuidShown, { timeout: 15_000 }).toBeTruthy();
    const idBefore = await uuidShown();
    await page.getByTestId('language').selectOption('zh-CN');
    await expect.poll(() => page.locator('nav').textContent()).toContain('新建虚拟机');
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('zh-CN');
    expect(
      await page.locator('[data-testid="domain-row"][data-name="vm1"]').getAttribute('data-state'),
    ).toBe('running');
    await page.getByTestId('language').selectOption('en');
    await expect.poll(() => page.locator('nav').textContent()).toContain('New VM');
    // Same domain, same UUID and still running: nothing restarted.
    await expect.poll(uuidShown, { timeout: 15_000 }).toBe(idBefore);
    // Remembered for the next visit.
    expect(await page.evaluate(() => localStorage.getItem('virtlab.locale'))).toBe('en');
  });

  it('keyboard only: create a VM, open its console, type, and leave the terminal', async () => {
    const page = await open();
    const newVm = page.getByRole('button', { name: /New VM/ });
    await newVm.focus();
    await page.keyboard.press('Enter');
    const dialog = page.getByTestId('new-vm-dialog');
    await dialog.waitFor();
    await page.keyboard.press('Enter'); // defaults are fine: submit
    await page
      .locator('[data-testid="domain-row"][data-name="vm2"][data-state="running"]')
      .waitFor({ timeout: 60_000 });
    // The new VM's console opened; the guest gets the keys.
    const screen = { textContent: () => terminalText(page) };
    await expect.poll(() => screen.textContent(), { timeout: 60_000 }).toMatch(/root@virtlab:\/#/);
    await page.getByTestId('serial-console').locator('textarea').focus();
    await page.keyboard.type('echo keys_work\n');
    await expect.poll(() => screen.textContent(), { timeout: 30_000 }).toContain('keys_work');
    // Ctrl+] leaves the terminal; Tab then moves on through the page.
    await page.keyboard.press('Control+BracketRight');
    const inTerminal = () =>
      page.evaluate(() => !!document.activeElement?.closest('[data-testid="serial-console"]'));
    expect(await inTerminal()).toBe(false);
    await page.keyboard.press('Tab');
    expect(await inTerminal()).toBe(false);
  });

  it('kvm against qemu: a VM of each type side by side, the JIT retiring many times the MIPS', async () => {
    const page = await open();
    // The New VM dialog chooses the type, as virt-manager's "Virt Type" does.
    await page.getByRole('button', { name: /New VM/ }).click();
    const dialog = page.getByTestId('new-vm-dialog');
    await dialog.locator('input[name="type"][value="qemu"]').check();
    await dialog.getByRole('button', { name: /Create and start/ }).click();
    const row = page.locator('[data-testid="domain-row"][data-name="vm2"]');
    await row.and(page.locator('[data-state="running"]')).waitFor({ timeout: 60_000 });
    await expect.poll(() => row.locator('.engine').textContent(), { timeout: 5_000 }).toBe('qemu');
    await page.getByRole('link', { name: 'kvm and qemu' }).click();
    const side = (type: string) => page.getByTestId(`engine-side-${type}`);
    await expect.poll(() => side('kvm').getAttribute('data-domain')).toBe('vm1');
    await expect.poll(() => side('qemu').getAttribute('data-domain')).toBe('vm2');
    for (const type of ['kvm', 'qemu'])
      await expect
        .poll(() => terminalText(page, `engine-console-${type}`), { timeout: 60_000 })
        .toMatch(/root@virtlab:\/#/);
    await page.getByTestId('engines-run-spin').click();
    const mips = async (type: string) =>
      Number(await page.getByTestId(`engine-mips-${type}`).getAttribute('data-mips'));
    // Both spin for 15 s, sharing the pCPUs fairly: the interpreter runs tens to hundreds of MIPS,
    // the JIT a multiple of it (10× and more on an idle machine; 2× leaves room for a loaded one).
    // An idle guest retires well under one MIPS (its timer ticks).
    await expect.poll(() => mips('qemu'), { timeout: 20_000 }).toBeGreaterThan(5);
    await expect
      .poll(() => mips('kvm'), { timeout: 10_000 })
      .toBeGreaterThan(2 * (await mips('qemu')));
    await expect
      .poll(() => page.getByTestId('engine-ratio').textContent(), { timeout: 5_000 })
      .toMatch(/vm1 retires [\d.]+× the instructions per second of vm2/);
    // The domain list shows the same figures.
    const listed = async () =>
      Number((await row.getByTestId('domain-mips').textContent())?.replace(/[^\d.]/g, ''));
    await expect.poll(listed, { timeout: 5_000 }).toBeGreaterThan(5);
    for (const width of [390, 1280, 1920]) {
      await page.setViewportSize({ width, height: width < 500 ? 844 : width > 1600 ? 1080 : 800 });
      await page.waitForTimeout(500);
      await page.screenshot({ path: join(SHOTS, `engines-spin-${width}.png`), fullPage: true });
    }
    // The guests tell the same story: spin's own count of iterations in its 15 s.
    const iterations = async (type: string) =>
      Number((await terminalText(page, `engine-console-${type}`)).match(/spin: total (\d+)/)?.[1]);
    await expect.poll(() => iterations('qemu'), { timeout: 30_000 }).toBeGreaterThan(0);
    await expect
      .poll(() => iterations('kvm'), { timeout: 5_000 })
      .toBeGreaterThan(2 * (await iterations('qemu')));
    // The view's own pair: two more domains, identical but for the type, shown side by side.
    await page.getByTestId('engines-make-pair').click();
    await expect
      .poll(() => side('kvm').getAttribute('data-domain'), { timeout: 60_000 })
      .toBe('accel');
    await expect.poll(() => side('qemu').getAttribute('data-domain')).toBe('emul');
    for (const name of ['accel', 'emul'])
      await page
        .locator(`[data-testid="domain-row"][data-name="${name}"][data-state="running"]`)
        .waitFor({ timeout: 60_000 });
    await expect
      .poll(() => terminalText(page, 'engine-console-qemu'), { timeout: 60_000 })
      .toMatch(/root@virtlab:\/#/);
    expect(browser!.errors).toEqual([]);
  });

  it('detaches a console into its own window and docks it again when that window closes', async () => {
    const page = await open('#/domain/vm1/console');
    await expect.poll(() => terminalText(page), { timeout: 60_000 }).toMatch(/root@virtlab:\/#/);
    const [popup] = await Promise.all([
      page.context().waitForEvent('page'),
      page.getByTestId('console-detach').click(),
    ]);
    await popup.getByTestId('detached-console').waitFor();
    await page.getByTestId('console-detached').waitFor();
    // The same console: its history is there, and keys typed in the window reach the guest.
    await expect.poll(() => terminalText(popup), { timeout: 10_000 }).toMatch(/root@virtlab:\/#/);
    await popup.getByTestId('serial-console').click();
    await popup.keyboard.type("echo from_''window\n");
    await expect.poll(() => terminalText(popup), { timeout: 30_000 }).toContain('from_window');
    await popup.screenshot({ path: join(SHOTS, 'detached-console.png') });
    await popup.close();
    await page.getByTestId('serial-console').waitFor({ timeout: 5_000 });
    expect(await terminalText(page)).toContain('from_window');
    expect(browser!.errors).toEqual([]);
  });

  it('a change of shares shows in the scheduling timeline', async () => {
    const page = await open();
    await page.getByRole('button', { name: /New VM/ }).click();
    await page
      .getByTestId('new-vm-dialog')
      .getByRole('button', { name: /Create and start/ })
      .click();
    await page
      .locator('[data-testid="domain-row"][data-name="vm2"][data-state="running"]')
      .waitFor({ timeout: 60_000 });
    await consoleLine(page, 'vm1', 'spin 1 &', /spin: started/);
    await consoleLine(page, 'vm2', 'spin 1 &', /spin: started/);
    await page.evaluate(() => (location.hash = '#/scheduler'));
    const timeline = page.getByTestId('sched-timeline');
    const share = async (name: string) =>
      Number(JSON.parse((await timeline.getAttribute('data-shares')) ?? '{}')[name] ?? 0);
    await expect.poll(() => share('vm1'), { timeout: 10_000 }).toBeGreaterThan(0.3);
    await virsh(page, 'schedinfo vm1 --set cpu_shares=4096 --live', /cpu_shares\s*:\s*4096/);
    // 4096 : 1024 → about 80 % for vm1.
    await expect.poll(() => share('vm1'), { timeout: 10_000 }).toBeGreaterThan(0.65);
    expect(await share('vm2')).toBeLessThan(0.35);
    // Both spin, so the host view's pCPU card reads busy: "…" until it has watched the pCPU for
    // its first window, then near 100 %, never the 0 % it once showed for that first second.
    await page.evaluate(() => (location.hash = '#/'));
    const busy = page.getByTestId('pcpu-busy').first();
    const seen: string[] = [];
    for (let i = 0; i < 12; i++) {
      seen.push((await busy.textContent()) ?? '');
      await page.waitForTimeout(100);
    }
    for (const text of seen) expect(text).toMatch(/^(… % busy|(\d+) % busy)$/);
    const pcts = seen.map((text) => Number(text.match(/(\d+) %/)?.[1] ?? NaN));
    expect(pcts.filter((p) => !Number.isNaN(p)).length).toBeGreaterThan(0);
    for (const p of pcts) if (!Number.isNaN(p)) expect(p).toBeGreaterThan(50);
  });

  it('three identical VMs: KSM-shared frames appear in the host memory map', async () => {
    const page = await open();
    await page.getByTestId('scenario-ksm').click();
    await page
      .locator('[data-testid="domain-row"][data-name="ksm3"][data-state="running"]')
      .waitFor({ timeout: 90_000 });
    await page.evaluate(() => (location.hash = '#/memory'));
    const map = page.getByTestId('host-frame-map');
    const ksmFrames = async () => {
      const counts = JSON.parse((await map.getAttribute('data-counts')) ?? '{}') as Record<
        string,
        number
      >;
      return counts.ksm ?? 0;
    };
    await expect.poll(ksmFrames, { timeout: 60_000 }).toBeGreaterThan(50);
  });

  it('inflating the balloon of a guest that dirtied its memory raises host free memory', async () => {
    const page = await open();
    // Dirty 40 MiB, then free it: the guest's free memory is backed by host frames.
    await consoleLine(page, 'vm1', 'hog 40M', /hog: \d+ holds/);
    await page.keyboard.press('Control+C');
    await page.evaluate(() => (location.hash = '#/memory'));
    const free = async () =>
      Number(await page.getByTestId('host-ram').getAttribute('data-free-mib'));
    await page.waitForTimeout(1000);
    const before = await free();
    await virsh(page, 'setmem vm1 16M --live', /virsh # setmem vm1 16M --live\s*virsh # /);
    await expect.poll(free, { timeout: 30_000 }).toBeGreaterThan(before + 25);
  });
});
