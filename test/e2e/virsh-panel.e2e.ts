import { afterEach, describe, expect, inject, it } from 'vitest';
import { openBrowser, terminalText, type Browser } from './browser';

let browser: Browser | undefined;
afterEach(async () => {
  await browser?.close();
  browser = undefined;
});

describe('the virsh panel', () => {
  it('lists domains, completes names and defines a domain from a file in the page', async () => {
    browser = await openBrowser();
    const { page } = browser;
    await page.goto(inject('baseUrl') + '#/domain/vm1/console');
    const guest = { textContent: () => terminalText(page) };
    await expect.poll(() => guest.textContent(), { timeout: 90_000 }).toMatch(/root@virtlab:\/#/);
    await page.getByTestId('virsh-toggle').click();

    const terminal = page.getByTestId('virsh-terminal');
    const screen = terminal.locator('.xterm-rows');
    await expect.poll(() => screen.textContent(), { timeout: 10_000 }).toContain('virsh # ');
    await terminal.click();
    await page.keyboard.type('list --all\n');
    // virsh's table: header, rule, then " 1    vm1    running".
    await expect
      .poll(() => screen.textContent(), { timeout: 30_000 })
      .toMatch(/Id\s+Name\s+State\s*-+\s*1\s+vm1\s+running/);

    // Tab completes the domain name.
    await page.keyboard.type('dominfo v');
    await page.keyboard.press('Tab');
    await expect.poll(() => screen.textContent(), { timeout: 10_000 }).toContain('dominfo vm1 ');
    await page.keyboard.press('Enter');
    await expect
      .poll(() => screen.textContent(), { timeout: 30_000 })
      .toMatch(/Name:\s+vm1.*State:\s+running/);

    // define reads the seeded file from the page's file store.
    expect(await page.getByTestId('virsh-files').textContent()).toContain('ksm-demo.xml');
    await page.keyboard.type('define ksm-demo.xml\n');
    await expect
      .poll(() => screen.textContent(), { timeout: 30_000 })
      .toContain("Domain 'ksm-demo' defined from ksm-demo.xml");
    const row = page.locator('[data-testid="domain-row"][data-name="ksm-demo"]');
    await expect.poll(() => row.getAttribute('data-state'), { timeout: 10_000 }).toBe('shut off');

    // Up recalls the last line.
    await page.keyboard.press('ArrowUp');
    await expect
      .poll(() => screen.textContent(), { timeout: 10_000 })
      .toMatch(/virsh # define ksm-demo\.xml\s*$/);
    expect(browser.errors).toEqual([]);
  });
});
