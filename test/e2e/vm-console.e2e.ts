import { afterEach, describe, expect, inject, it } from 'vitest';
import { openBrowser, terminalText, type Browser } from './browser';

let browser: Browser | undefined;
afterEach(async () => {
  await browser?.close();
  browser = undefined;
});

describe('a Linux VM in the page', () => {
  it('boots to a shell when the page opens, runs a typed command and powers off', async () => {
    browser = await openBrowser();
    const { page } = browser;
    await page.goto(inject('baseUrl'));
    // The page opens with vm1 defined and started; open its console from the list.
    const row = page.locator('[data-testid="domain-row"][data-name="vm1"]');
    await row.locator('a').click();
    const screen = { textContent: () => terminalText(page) };
    await expect.poll(() => screen.textContent(), { timeout: 90_000 }).toMatch(/root@virtlab:\/#/);
    expect(await page.getByTestId('vm-status').getAttribute('data-state')).toBe('running');
    expect(await row.getAttribute('data-state')).toBe('running');

    await page.getByTestId('serial-console').click();
    await page.keyboard.type('uname -a\n');
    await expect
      .poll(() => screen.textContent(), { timeout: 30_000 })
      .toMatch(/Linux virtlab 6\.12\.\d+/);

    await page.keyboard.type('poweroff\n');
    await expect
      .poll(() => page.getByTestId('vm-status').textContent(), { timeout: 30_000 })
      .toContain('the guest powered off');
    await expect.poll(() => row.getAttribute('data-state'), { timeout: 10_000 }).toBe('shut off');
    expect(browser.errors).toEqual([]);
  });
});
