import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { findProgram } from '../../tools/lib/programs';

/**
 * Debian's Chromium, or the one CHROMIUM_PATH names (tools/programs.json).
 * Playwright's own browser download cannot work on our machines, so a
 * missing browser is the missing-program error, never a silent skip.
 */
export function findChromium(): string {
  return findProgram('chromium');
}

export interface Browser {
  context: BrowserContext;
  page: Page;
  /** Uncaught errors and console errors the page produced. */
  errors: string[];
  close(): Promise<void>;
}

/** A fresh headless Chromium profile (so no service worker from a previous run). */
export async function openBrowser(
  options: { blockServiceWorkers?: boolean } = {},
): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), 'virtlab-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: findChromium(),
    headless: true,
    serviceWorkers: options.blockServiceWorkers ? 'block' : 'allow',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
  return {
    context,
    page,
    errors,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** The text of a serial console terminal (SerialConsole's readText: a WebGL terminal has no DOM rows). */
export function terminalText(page: Page, testId = 'serial-console'): Promise<string> {
  return page
    .getByTestId(testId)
    .evaluate((el) => (el as HTMLElement & { readText?: () => string }).readText?.() ?? '');
}
