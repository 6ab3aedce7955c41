import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, inject, it } from 'vitest';
import type { Page } from 'playwright-core';
import { startControl } from '../../tools/lib/control-client';
import { DomainSession } from '../../tools/lib/domain-session';
import { openBrowser, terminalText, type Browser } from './browser';

/**
 * Issue 17 (mobility), in the page as a person uses it: a snapshot taken
 * and reverted to, a clone that answers on its own console, and a save to
 * a downloaded file restored through the file input.
 */
let browser: Browser | undefined;
afterEach(async () => {
  await browser?.close();
  browser = undefined;
});

const PROMPT = /root@virtlab:\/#/;

/** Opens a domain's tab through its deep link and waits for the view. */
async function show(page: Page, name: string, tab: string) {
  await page.evaluate((h) => (location.hash = h), `#/domain/${name}/${tab}`);
  await page.locator(`[data-testid="domain-detail"][data-name="${name}"]`).waitFor();
}

/**
 * Types a line on the domain's serial console and waits for `answer`. Lines
 * compute their answer ($((…))), so the echo of what was typed never matches.
 */
async function run(page: Page, name: string, line: string, answer: RegExp) {
  await show(page, name, 'console');
  const screen = () => terminalText(page);
  await expect.poll(screen, { timeout: 60_000 }).toMatch(PROMPT);
  await page.getByTestId('serial-console').click();
  await page.keyboard.type(`${line}\n`);
  await expect.poll(screen, { timeout: 60_000 }).toMatch(answer);
}

/** The domain's state and the reason the page shows for it. */
async function status(page: Page) {
  const badge = page.getByTestId('vm-status');
  return `${await badge.getAttribute('data-state')}: ${await badge.textContent()}`;
}

/** Confirms the open confirmation dialog. */
async function confirm(page: Page) {
  await page.locator('dialog[open][data-testid="confirm-dialog"] button.danger').click();
}

describe('save, restore, snapshots and clones in the page', () => {
  it('reverts to a snapshot, deletes it, clones, saves to a file, restores it and resumes a managed save', async () => {
    browser = await openBrowser();
    const { page } = browser;
    await page.goto(inject('baseUrl') + '#/domain/vm1/console');
    await page
      .locator('[data-testid="domain-row"][data-name="vm1"][data-state="running"]')
      .waitFor({ timeout: 120_000 });
    await expect.poll(() => terminalText(page), { timeout: 120_000 }).toMatch(PROMPT);

    // A snapshot at the prompt, then a marker file after it.
    await show(page, 'vm1', 'snapshots');
    await page.locator('input[name="snapshot-name"]').fill('before');
    await page.getByRole('button', { name: 'Take a snapshot of vm1' }).click();
    const row = page.locator('[data-testid="snapshot-row"][data-name="before"]');
    await row.waitFor({ timeout: 30_000 });
    expect(await row.getAttribute('class')).toContain('current');
    await run(
      page,
      'vm1',
      'echo x > /tmp/marker; test -e /tmp/marker && echo HAS-$((1+1))',
      /HAS-2/,
    );

    // Revert (after the confirmation): the marker is gone, the console answers.
    await show(page, 'vm1', 'snapshots');
    await page.getByRole('button', { name: 'Revert vm1 to snapshot before' }).click();
    await confirm(page);
    await expect
      .poll(() => status(page), { timeout: 30_000 })
      .toMatch(/^running: .*reverted to a snapshot/);
    await run(
      page,
      'vm1',
      'test -e /tmp/marker && echo HAS-$((3+4)) || echo GONE-$((5+6))',
      /GONE-11/,
    );
    expect(await terminalText(page)).not.toMatch(/HAS-7/);

    // Clone the running VM: the page opens the clone, whose own console answers.
    await show(page, 'vm1', 'snapshots');
    await page.getByTestId('clone-vm').click();
    const dialog = page.getByTestId('clone-dialog');
    expect(await dialog.getByRole('textbox').inputValue()).toBe('vm1-clone');
    await dialog.getByRole('button', { name: 'Clone', exact: true }).click();
    await page
      .locator('[data-testid="domain-detail"][data-name="vm1-clone"]')
      .waitFor({ timeout: 30_000 });
    expect(await page.evaluate(() => location.hash)).toBe('#/domain/vm1-clone/console');
    await page.getByTestId('serial-console').click();
    await page.keyboard.type('echo C-$((6*7))\n');
    await expect.poll(() => terminalText(page), { timeout: 60_000 }).toMatch(/C-42/);

    // The snapshot as a file (snapshot-save): a save image the browser downloads.
    await show(page, 'vm1', 'snapshots');
    const [snapFile] = await Promise.all([
      page.waitForEvent('download', { timeout: 60_000 }),
      page.getByRole('button', { name: /Save snapshot before of vm1 to a file/ }).click(),
    ]);
    expect(snapFile.suggestedFilename()).toBe('vm1-before.vlsave');
    expect(
      readFileSync(await snapFile.path())
        .subarray(0, 16)
        .toString(),
    ).toBe('VirtLabSaveImage');

    // Delete the snapshot (after the confirmation): the tree is empty again.
    await page.getByRole('button', { name: 'Delete snapshot before of vm1' }).click();
    await confirm(page);
    await expect.poll(() => page.getByTestId('snapshot-row').count(), { timeout: 30_000 }).toBe(0);

    // Save vm1 to a file: the browser downloads vm1.vlsave and vm1 shuts off.
    await show(page, 'vm1', 'console');
    const [download] = await Promise.all([
      page.waitForEvent('download', { timeout: 60_000 }),
      page.getByTestId('save-file').click(),
    ]);
    expect(download.suggestedFilename()).toBe('vm1.vlsave');
    const image = readFileSync(await download.path());
    expect(image.subarray(0, 16).toString('latin1')).toBe('VirtLabSaveImage');
    await expect
      .poll(() => status(page), { timeout: 30_000 })
      .toMatch(/^shut off: .*its state was saved/);

    // A file that is no save image: a libvirt-style error, nothing restored.
    await page.getByTestId('restore-file').setInputFiles({
      name: 'notes.vlsave',
      mimeType: 'application/octet-stream',
      buffer: Buffer.from('these are not the pages you are looking for'),
    });
    await expect
      .poll(() => page.getByTestId('restore-error').textContent(), { timeout: 30_000 })
      .toMatch(/^invalid argument: .*not a VirtLab save image/);
    expect(await status(page)).toMatch(/^shut off/);

    // Restore from the downloaded file: vm1 runs again, where it was.
    await page.getByTestId('restore-file').setInputFiles(await download.path());
    await expect
      .poll(() => status(page), { timeout: 60_000 })
      .toMatch(/^running: .*restored from a saved state/);
    await run(page, 'vm1', 'echo R-$((8*8))', /R-64/);

    // The same file made in the browser runs in Node too (npm run virsh's host): the file
    // describes the virtual board, not the machine under it.
    const node = await startControl({ pcpus: 1, ramMiB: 128 });
    try {
      const session = await DomainSession.attach(node, 'vm1');
      expect(await node.api.restore(new Uint8Array(image))).toMatchObject({
        name: 'vm1',
        state: 'running',
        persistent: false,
      });
      await session.type('\n');
      await session.waitFor(/# $/, 0, 30_000);
      expect(await session.exec('echo N-$((9*9))')).toBe('N-81\n');
    } finally {
      await node.close();
    }

    // Save and stop (managed save): the shut-off VM says Start resumes it, and Start does.
    await page.getByTestId('managed-save').click();
    await page.getByTestId('has-managed-save').waitFor({ timeout: 60_000 });
    expect(await status(page)).toMatch(/^shut off: .*its state was saved/);
    await page.getByRole('button', { name: 'Start vm1' }).click();
    await expect
      .poll(() => status(page), { timeout: 60_000 })
      .toMatch(/^running: .*restored from a saved state/);
    expect(await page.getByTestId('has-managed-save').count()).toBe(0);
    await run(page, 'vm1', 'echo S-$((9*9))', /S-81/);
    expect(browser.errors).toEqual([]);
  }, 400_000);
});
