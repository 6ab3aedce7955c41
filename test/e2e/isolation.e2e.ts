import { afterEach, describe, expect, inject, it } from 'vitest';
import { openBrowser, type Browser } from './browser';

let browser: Browser | undefined;
afterEach(async () => {
  await browser?.close();
  browser = undefined;
});

describe('static hosting under a sub-path, no isolation headers', () => {
  it('becomes crossOriginIsolated through the service worker and runs a VM on nested workers', async () => {
    browser = await openBrowser();
    const { page } = browser;
    const baseUrl = inject('baseUrl');
    expect(baseUrl).toMatch(/\/virtlab\/$/);
    await page.goto(baseUrl);

    // First visit: the service worker registers and the page reloads once.
    await page.locator('[data-testid="app"][data-status="running"]').waitFor({ timeout: 30_000 });
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
    expect(await page.evaluate(() => typeof SharedArrayBuffer)).toBe('function');
    expect(await page.evaluate(() => navigator.serviceWorker.controller?.scriptURL)).toBe(
      `${baseUrl}coi-serviceworker.js`,
    );
    // The control worker started pCPU workers of its own (nested workers), and they run vm1.
    await page
      .locator('[data-testid="domain-row"][data-name="vm1"][data-state="running"]')
      .waitFor({ timeout: 30_000 });
    expect(browser.errors).toEqual([]);
  });

  it('a second visit is isolated without another reload', async () => {
    browser = await openBrowser();
    const { page } = browser;
    await page.goto(inject('baseUrl'));
    await page.locator('[data-status="running"]').waitFor({ timeout: 30_000 });
    let loads = 0;
    page.on('load', () => loads++);
    await page.goto(inject('baseUrl'));
    await page.locator('[data-status="running"]').waitFor({ timeout: 30_000 });
    expect(loads).toBe(1);
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
  });

  it('explains plainly when service workers are blocked', async () => {
    browser = await openBrowser({ blockServiceWorkers: true });
    const { page } = browser;
    await page.goto(inject('baseUrl'));
    const help = page.getByTestId('isolation-help');
    await help.waitFor({ timeout: 30_000 });
    expect(await help.textContent()).toContain('service worker');
    expect(await page.getByRole('button', { name: 'Reload' }).isVisible()).toBe(true);
    expect(browser.errors).toEqual([]);
  });

  it('reports a worker script that cannot load instead of hanging', async () => {
    browser = await openBrowser();
    const { page } = browser;
    await page.goto(inject('brokenUrl'));
    const status = page.locator('[data-status="failed"]');
    await status.waitFor({ timeout: 30_000 });
    expect(await status.textContent()).toContain('pCPU worker failed');
  });
});
