import { afterEach, describe, expect, inject, it } from 'vitest';
import { openBrowser, type Browser } from './browser';

let browser: Browser | undefined;
afterEach(async () => {
  await browser?.close();
  browser = undefined;
});

const PROMPT = /root@virtlab:\/#/;

describe('domains and memory in the page', () => {
  it('creates a second VM from the list and ksmd merges pages once turned on', async () => {
    browser = await openBrowser();
    const { page } = browser;
    await page.goto(inject('baseUrl'));
    const screen = page.getByTestId('serial-console').locator('.xterm-rows');
    await expect.poll(() => screen.textContent(), { timeout: 90_000 }).toMatch(PROMPT);

    // New VM: the dialog proposes the next free name.
    await page.getByRole('button', { name: 'New VM' }).click();
    const dialog = page.getByTestId('new-vm-dialog');
    expect(await dialog.getByLabel('Name').inputValue()).toBe('vm2');
    await dialog.getByLabel('Memory (MiB)').fill('48');
    await dialog.getByRole('button', { name: 'Create and start' }).click();
    const row = page.locator('[data-testid="domain-row"][data-name="vm2"]');
    await expect.poll(() => row.getAttribute('data-state'), { timeout: 60_000 }).toBe('running');
    // Its figures come from the next info poll (4 Hz).
    await expect.poll(() => row.textContent(), { timeout: 10_000 }).toContain('48 MiB');

    // The new domain is selected: its console shows its own boot.
    await expect
      .poll(() => page.getByTestId('domain-detail').getAttribute('data-name'))
      .toBe('vm2');
    await expect.poll(() => screen.textContent(), { timeout: 120_000 }).toMatch(PROMPT);

    // Both guests have memory cards with a live rss.
    const cards = page.getByTestId('domain-memory');
    await expect.poll(() => cards.count(), { timeout: 10_000 }).toBe(2);

    // ksmd is off until the Memory panel turns it on (run = 1).
    const sharing = page.getByTestId('ksm-pages_sharing');
    expect(Number(await sharing.getAttribute('data-value'))).toBe(0);
    await page.getByTestId('ksm-run-1').check();
    await expect
      .poll(async () => Number(await sharing.getAttribute('data-value')), { timeout: 90_000 })
      .toBeGreaterThan(0);
    expect(await page.getByTestId('ksm-status').textContent()).toMatch(/full_scans/);
    // The per-domain figure moves too.
    await expect
      .poll(
        async () =>
          Number(
            (await page.getByTestId('domain-ksm-merging').first().textContent())?.replace(
              /\D/g,
              '',
            ),
          ),
        { timeout: 30_000 },
      )
      .toBeGreaterThan(0);
    // The memory map, read from the guest's p2m, shows KSM-shared pages.
    await expect
      .poll(
        async () =>
          Number(
            (
              await page.getByTestId('memory-map').first().locator('[data-kind="2"]').textContent()
            )?.match(/([\d.]+) MiB/)?.[1],
          ),
        { timeout: 30_000 },
      )
      .toBeGreaterThan(0);
    expect(browser.errors).toEqual([]);
  });
});
