import { afterEach, describe, expect, inject, it } from 'vitest';
import type { Page } from 'playwright-core';
import { openBrowser, terminalText, type Browser } from './browser';

/**
 * Issue 17 (mobility), live migration in the page as a person does it: a
 * second host started in the page, vm1 moved to it with the rounds shown
 * and its console answering there; then a VM moved to another tab over a
 * BroadcastChannel, where it answers on that tab's console.
 */
let browser: Browser | undefined;
afterEach(async () => {
  await browser?.close();
  browser = undefined;
});

const PROMPT = /root@virtlab:\/#/;

/** A domain's row on one host card of the migration view. */
const row = (page: Page, card: 1 | 2, name: string, state: string) =>
  page.locator(
    `[data-testid="host-card-${card}"] [data-testid="host-domain"][data-name="${name}"][data-state="${state}"]`,
  );

/** Types a line on a console and waits for `answer` (computed, so the echo never matches). */
async function ask(page: Page, testid: string, line: string, answer: RegExp) {
  await page.getByTestId(testid).click();
  await page.keyboard.type(`${line}\n`);
  await expect.poll(() => terminalText(page, testid), { timeout: 60_000 }).toMatch(answer);
}

describe('live migration in the page', () => {
  it('moves vm1 to a second host in the page, then a VM to another tab', async () => {
    browser = await openBrowser();
    const { page, context } = browser;
    await page.goto(inject('baseUrl') + '#/domain/vm1/console');
    await expect.poll(() => terminalText(page), { timeout: 120_000 }).toMatch(PROMPT);

    // vm1's page has "Migrate…": it opens the migration view with vm1 chosen.
    await page.getByTestId('migrate-vm').click();
    await page.getByTestId('start-second-host').click();
    await page
      .locator('[data-testid="host-card-2"][data-status="ready"]')
      .waitFor({ timeout: 60_000 });
    const form = page.getByTestId('migrate-form');
    await expect.poll(() => form.locator('select[name="domain"]').inputValue()).toBe('0:vm1');
    await form.locator('input[name="bandwidth"]').fill('8');
    await page.getByTestId('migrate').click();
    // While its pages arrive, host2 lists vm1 paused (migrating), with what it received so far.
    const arriving = page.locator(
      '[data-testid="host-card-2"] [data-testid="host-domain-incoming"][data-name="vm1"]',
    );
    await arriving.waitFor({ timeout: 10_000 });
    expect(await arriving.textContent()).toMatch(/incoming: [\d.]+ of 64 MiB received/);
    const job = page.locator('[data-testid="migration-job"][data-status="completed"]');
    await job.waitFor({ timeout: 60_000 });
    // Round 0 sent every page vm1 touched; stop-and-copy the rest.
    const rows = job.getByTestId('rounds-table').locator('tbody tr');
    expect(await rows.count()).toBeGreaterThanOrEqual(2);
    await expect.poll(() => rows.last().textContent()).toMatch(/stop and copy/);
    expect(Number(await job.getByTestId('rounds-chart').getAttribute('data-rounds'))).toBe(
      await rows.count(),
    );
    expect(await job.locator('[data-figure="downtime"]').textContent()).toMatch(/^\d+ ms$/);
    await row(page, 1, 'vm1', 'shut off').waitFor();
    await row(page, 2, 'vm1', 'running').waitFor();
    // Its console followed it: the shell answers, now on host2.
    expect(await page.locator('#follow-title').textContent()).toContain('host2');
    await ask(page, 'migration-console', 'echo moved-$((6*7))', /moved-42/);
    // The job's chart and table fit a phone's width.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.waitForTimeout(500);
    expect(
      await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth),
    ).toBeLessThanOrEqual(0);
    await page.setViewportSize({ width: 1280, height: 800 });

    // Another tab: it waits on a channel; this tab sends vm1 from host2 there.
    const other = await context.newPage();
    await other.goto(inject('baseUrl') + '#/migration');
    await other
      .locator('[data-testid="host-card-1"][data-status="ready"]')
      .waitFor({ timeout: 120_000 });
    // That tab booted a vm1 of its own: make room (virsh's undefine, from its panel).
    await other.getByTestId('virsh-toggle').click();
    const virsh = other.getByTestId('virsh-terminal');
    await expect
      .poll(() => virsh.locator('.xterm-rows').textContent(), { timeout: 60_000 })
      .toContain('virsh # ');
    await virsh.click();
    await other.keyboard.type('destroy vm1\n');
    await other.keyboard.type('undefine vm1\n');
    await expect.poll(() => other.locator('[data-testid="host-domain"]').count()).toBe(0);
    await other.locator('input[name="receive-channel"]').fill('e2e-tabs');
    await other.getByTestId('receive').click();
    await other.locator('[data-testid="incoming"][data-status="waiting"]').waitFor();

    await form.locator('select[name="destination"]').selectOption('tab');
    await form.locator('input[name="channel"]').fill('e2e-tabs');
    await page.getByTestId('migrate').click();
    await page
      .locator('[data-testid="migration-job"]:not([data-status="running"])')
      .waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('migration-job').innerText()).toMatch(/completed/);
    await other
      .locator('[data-testid="incoming"][data-status="completed"]')
      .waitFor({ timeout: 30_000 });
    await row(other, 1, 'vm1', 'running').waitFor();
    // It came to host2 by migration, so it was transient there: gone once it left (libvirt's rule).
    await expect
      .poll(() => page.locator('[data-testid="host-card-2"] [data-testid="host-domain"]').count())
      .toBe(0);
    await other.evaluate(() => (location.hash = '#/domain/vm1/console'));
    await ask(other, 'serial-console', 'echo tab-$((7*6))', /tab-42/);
    expect(browser.errors).toEqual([]);
  }, 240_000);
});
