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
    await page.getByTestId('lesson-status').getByText(/ksmd is not running/).waitFor();
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

  it('walks the KSM lesson in 简体中文, every checkpoint recognised', async () => {
    const page = await open('#/learn/ksm/1', 'zh-CN');
    await page.getByText('KSM：相同的页面只存一份').first().waitFor();
    const steps = await walk(page, 'ksm', 'lesson-ksm-zh');
    expect(steps).toEqual(['three-vms', 'run-ksmd', 'same-data', 'cow', 'unmerge']);
    // Progress is kept: the index shows the lesson complete.
    await page.evaluate(() => (location.hash = '#/learn'));
    await page.getByText('已完成 5/5 步').waitFor();
    expect(browser!.errors).toEqual([]);
  }, 900_000);
});
