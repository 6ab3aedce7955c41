import { afterEach, describe, expect, inject, it } from 'vitest';
import { openBrowser, type Browser } from './browser';

let browser: Browser | undefined;
afterEach(async () => {
  await browser?.close();
  browser = undefined;
});

describe('a Linux VM in the page', () => {
  it('boots to a shell, runs a typed command and powers off', async () => {
    browser = await openBrowser();
    const { page } = browser;
    await page.goto(inject('baseUrl'));
    await page.getByRole('button', { name: 'Start' }).click();
    const screen = page.getByTestId('serial-console').locator('.xterm-rows');
    await expect.poll(() => screen.textContent(), { timeout: 60_000 }).toMatch(/root@virtlab:\/#/);
    // The live MIPS figure comes from the harts' instret in shared memory.
    expect(await page.getByTestId('vm-status').getAttribute('data-status')).toBe('running');

    await page.getByTestId('serial-console').click();
    await page.keyboard.type('uname -a\n');
    await expect
      .poll(() => screen.textContent(), { timeout: 30_000 })
      .toMatch(/Linux virtlab 6\.1\.\d+/);

    await page.keyboard.type('poweroff\n');
    await expect
      .poll(() => page.getByTestId('vm-status').textContent(), { timeout: 30_000 })
      .toContain('the guest powered off');
    expect(browser.errors).toEqual([]);
  });
});
