import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, inject, it } from 'vitest';
import type { Page } from 'playwright-core';
import { openBrowser, type Browser } from './browser';

/**
 * Issue [tutorials]: lessons walked as a learner would, in the page, with
 * the solve action where a step needs typing. Every checkpoint must be
 * recognised (the panel's data-met turns true) on the live hypervisor.
 */
const SHOTS = join(import.meta.dirname, '..', '..', 'test-results', 'screenshots');
mkdirSync(SHOTS, { recursive: true });

let browser: Browser | undefined;
afterEach(async () => {
  await browser?.close();
  browser = undefined;
});

async function open(hash: string, locale: 'en' | 'zh-CN'): Promise<Page> {
  browser = await openBrowser();
  const { page } = browser;
  await page.addInitScript((l) => localStorage.setItem('virtlab.locale', l), locale);
  await page.goto(inject('baseUrl') + hash);
  await page
    .locator('[data-testid="domain-row"][data-name="vm1"][data-state="running"]')
    .waitFor({ timeout: 60_000 });
  return page;
}

/** Walks lesson `id` from its first step: solve, wait for the checkpoint, next. */
async function walk(page: Page, id: string, shot: string): Promise<string[]> {
  const panel = page.getByTestId('lesson-panel');
  await panel.waitFor();
  expect(await panel.getAttribute('data-lesson')).toBe(id);
  const steps: string[] = [];
  for (;;) {
    const step = (await panel.getAttribute('data-step'))!;
    steps.push(step);
    if ((await panel.getAttribute('data-met')) !== 'true') {
      // Not met yet: the panel says why.
      await expect
        .poll(() => page.getByTestId('lesson-status').textContent(), { timeout: 10_000 })
        .not.toBe('');
      await page.getByTestId('lesson-solve').click();
    }
    await expect
      .poll(() => panel.getAttribute('data-met'), { timeout: 150_000, interval: 500 })
      .toBe('true');
    await page.screenshot({ path: join(SHOTS, `${shot}-${steps.length}.png`) });
    const next = page.getByTestId('lesson-next');
    if (!(await next.isVisible())) return steps;
    await next.click();
    await expect.poll(() => panel.getAttribute('data-step')).not.toBe(step);
  }
}

describe('lessons', () => {
  it('lists the track, and a deep link opens a step beside its view', async () => {
    const page = await open('#/learn', 'en');
    await page.setViewportSize({ width: 1280, height: 800 });
    const cards = page.getByTestId('lessons').locator('li.card');
    expect(await cards.count()).toBeGreaterThan(0);
    await page.screenshot({ path: join(SHOTS, 'lessons-1280.png') });
    await page.evaluate(() => (location.hash = '#/learn/ksm/2'));
    const panel = page.getByTestId('lesson-panel');
    await expect.poll(() => panel.getAttribute('data-step')).toBe('run-ksmd');
    // The step's view (the host memory map) is beside it; the reason names what is missing.
    await page
      .getByTestId('lesson-status')
      .getByText(/ksmd is not running/)
      .waitFor();
    for (const width of [390, 1920]) {
      await page.setViewportSize({ width, height: width < 500 ? 844 : 1080 });
      await page.waitForTimeout(500);
      const overflow = await page.evaluate(
        () => document.documentElement.scrollWidth - window.innerWidth,
      );
      expect(overflow, `lesson at ${width}px overflows by ${overflow}px`).toBeLessThanOrEqual(0);
      await page.screenshot({ path: join(SHOTS, `lesson-ksm-2-${width}.png`) });
    }
    expect(browser!.errors).toEqual([]);
  });

  // Every lesson from a fresh page load, walked as a learner who asks the lesson to
  // solve each step; the languages alternate so both are walked.
  const WALKS: [string, 'en' | 'zh-CN'][] = [
    ['what-is-a-vm', 'en'],
    ['kvm-qemu', 'zh-CN'],
    ['libvirt', 'en'],
    ['four-properties', 'zh-CN'],
    ['scheduling', 'en'],
    ['ksm', 'zh-CN'],
    ['balloon', 'en'],
    ['mobility', 'zh-CN'],
  ];
  for (const [id, locale] of WALKS) {
    it(`walks the ${id} lesson in ${locale}, every checkpoint recognised`, async () => {
      const page = await open(`#/learn/${id}/1`, locale);
      const steps = await walk(page, id, `lesson-${id}-${locale}`);
      expect(steps.length).toBeGreaterThan(2);
      // Progress is kept: the index shows the lesson complete.
      await page.evaluate(() => (location.hash = '#/learn'));
      const done =
        locale === 'en'
          ? `${steps.length} of ${steps.length} steps done`
          : `已完成 ${steps.length}/${steps.length} 步`;
      await page.locator(`li.card[data-lesson="${id}"]`).getByText(done).waitFor();
      expect(browser!.errors).toEqual([]);
    }, 900_000);
  }
});
