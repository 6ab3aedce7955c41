/**
 * The page's frame budget (issue [ui] item 10), in Debian's Chromium: the
 * built site served statically, the page opened to vm1's first prompt (a
 * real boot), a quick-boot VM from click to prompt,
 * 8 running VMs, then each view on screen in
 * turn for a few seconds. Reports the frame interval (median, p95) from
 * requestAnimationFrame and the main thread's busy time per frame (Chrome's
 * TaskDuration over the frames drawn).
 */
import { join } from 'node:path';
import { build } from 'vite';
import { openBrowser } from '../test/e2e/browser';

/** The guest shell's prompt at the end of the console. */
const PROMPT = /root@virtlab:[^\n#]*#/;
import { serveStatic } from '../test/e2e/static-server';
import { ROOT } from './lib/images';

type Report = (name: string, value: number, unit: string) => void;

const VIEWS: [string, string][] = [
  ['overview', '#/'],
  ['scheduler', '#/scheduler'],
  ['memory', '#/memory'],
  ['domain_cpu', '#/domain/vm1/cpu'],
  ['domain_console', '#/domain/vm1/console'],
];

export async function browserBenchmarks(report: Report): Promise<void> {
  const outDir = join(ROOT, 'dist');
  await build({ root: ROOT, logLevel: 'error', build: { outDir, emptyOutDir: true } });
  const { url, server } = await serveStatic(outDir, '/virtlab/');
  const browser = await openBrowser();
  try {
    const { page } = browser;
    await page.setViewportSize({ width: 1280, height: 800 });
    // What a visitor waits for: from the page's request to vm1's prompt on screen (vm1 boots
    // for real, after the page has fetched and unpacked the guest image). Timed from here: the
    // page may reload itself once on its way (the cross-origin-isolation service worker).
    const opened = performance.now();
    await page.goto(url);
    await page
      .locator('[data-testid="domain-row"][data-name="vm1"][data-state="running"]')
      .waitFor({ timeout: 120_000 });
    await page.evaluate(() => (location.hash = '#/domain/vm1/console'));
    await page.waitForFunction(
      `new RegExp(${JSON.stringify(PROMPT.source)}).test(
        document.querySelector('[data-testid="serial-console"]')?.readText?.() ?? '')`,
      null,
      { polling: 'raf', timeout: 120_000 },
    );
    report('page_open_to_first_prompt', performance.now() - opened, 'ms');
    await page.evaluate(() => (location.hash = '#/'));
    // Quick boot: a VM with vm1's settings (the dialog's defaults) resumes from the snapshot vm1
    // left at its first prompt; from the click on "Create and start" to its prompt on screen.
    // vm1 reaches its prompt a few s after it runs (longer on a loaded machine).
    await page.waitForTimeout(8000);
    await page.getByRole('button', { name: /New VM/ }).click();
    await page.waitForTimeout(500);
    // Timed in the page, from the click event to the first frame whose terminal holds the prompt:
    // polling the terminal from here through a locator added its retry backoff (up to ~0.5 s).
    // Strings, not functions: tsx would wrap named functions in a helper the page lacks.
    await page.evaluate(`document.addEventListener('click', (e) => (window.benchClickAt = e.timeStamp),
      { capture: true, once: true })`);
    const shown = page.evaluate(`new Promise((resolve, reject) => {
      const prompt = new RegExp(${JSON.stringify(PROMPT.source)});
      const frame = (now) => {
        const clicked = window.benchClickAt;
        const term = document.querySelector('[data-testid="serial-console"]');
        if (clicked !== undefined && prompt.test(term?.readText?.() ?? '')) resolve(now - clicked);
        else if (clicked !== undefined && now - clicked > 60000) reject(new Error('no prompt'));
        else requestAnimationFrame(frame);
      };
      requestAnimationFrame(frame);
    })`) as Promise<number>;
    await page
      .getByTestId('new-vm-dialog')
      .getByRole('button', { name: /Create and start/ })
      .click();
    const ms = await shown.catch(() => {
      throw new Error('bench: vm2 (quick boot) showed no prompt');
    });
    // A real boot (no template yet) would be timed otherwise: make sure vm2 came from it.
    await page
      .getByTestId('vm-status')
      .filter({ hasText: 'reverted to a snapshot' })
      .waitFor({ timeout: 5_000 })
      .catch(() => {
        throw new Error('bench: vm2 did not quick boot (vm1 left no template in time)');
      });
    report('page_quick_boot_click_to_prompt', ms, 'ms');
    for (let i = 3; i <= 8; i++) {
      await page.getByRole('button', { name: /New VM/ }).click();
      const dialog = page.getByTestId('new-vm-dialog');
      await dialog.locator('input[name="memory"]').fill('32');
      await dialog.getByRole('button', { name: /Create and start/ }).click();
      await page
        .locator(`[data-testid="domain-row"][data-name="vm${i}"][data-state="running"]`)
        .waitFor({ timeout: 120_000 });
    }
    await page.waitForTimeout(3000);
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Performance.enable');
    const taskSeconds = async () =>
      (await cdp.send('Performance.getMetrics')).metrics.find((m) => m.name === 'TaskDuration')
        ?.value ?? 0;
    for (const [name, hash] of VIEWS) {
      await page.evaluate((h) => (location.hash = h), hash);
      await page.waitForTimeout(1500);
      const t0 = await taskSeconds();
      // A string, not a function: tsx would wrap named functions in a helper the page lacks.
      const intervals = (await page.evaluate(`new Promise((resolve) => {
        const out = [];
        let last = performance.now();
        const end = last + 5000;
        const frame = (now) => {
          out.push(now - last);
          last = now;
          if (now < end) requestAnimationFrame(frame);
          else resolve(out);
        };
        requestAnimationFrame(frame);
      })`)) as number[];
      const busyMs = ((await taskSeconds()) - t0) * 1000;
      intervals.sort((a, b) => a - b);
      const pick = (p: number) =>
        intervals[Math.min(intervals.length - 1, Math.floor(p * intervals.length))];
      report(`page_${name}_8vms_frame_interval_median`, pick(0.5), 'ms');
      report(`page_${name}_8vms_frame_interval_p95`, pick(0.95), 'ms');
      report(`page_${name}_8vms_main_thread_per_frame`, busyMs / intervals.length, 'ms');
    }
  } finally {
    await browser.close();
    server.close();
  }
}
