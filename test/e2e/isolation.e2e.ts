import { afterEach, describe, expect, inject, it } from 'vitest';
import { openBrowser, type Browser } from './browser';

let browser: Browser | undefined;
afterEach(async () => {
  await browser?.close();
  browser = undefined;
});

async function counter(browser: Browser, testId: string): Promise<number> {
  return Number(await browser.page.getByTestId(testId).textContent());
}

describe('static hosting under a sub-path, no isolation headers', () => {
  it('becomes crossOriginIsolated through the service worker and runs the nested-worker slice', async () => {
    browser = await openBrowser();
    const { page } = browser;
    const baseUrl = inject('baseUrl');
    expect(baseUrl).toMatch(/\/virtlab\/$/);
    await page.goto(baseUrl);

    // First visit: the service worker registers and the page reloads once.
    await page
      .getByTestId('heartbeat-status')
      .and(page.locator('[data-status="running"]'))
      .waitFor({ timeout: 30_000 });
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
    expect(await page.evaluate(() => typeof SharedArrayBuffer)).toBe('function');
    expect(await page.evaluate(() => navigator.serviceWorker.controller?.scriptURL)).toBe(
      `${baseUrl}coi-serviceworker.js`,
    );

    // Both counters keep moving, as a person watching the page would see.
    const control0 = await counter(browser, 'heartbeat-control');
    const pcpu0 = await counter(browser, 'heartbeat-pcpu');
    await page.waitForTimeout(500);
    expect(await counter(browser, 'heartbeat-control')).toBeGreaterThan(control0 + 10);
    expect(await counter(browser, 'heartbeat-pcpu')).toBeGreaterThan(pcpu0 + 10);
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
