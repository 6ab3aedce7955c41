// Temporary person-use script (not committed): the page with several VMs, quick boot, snapshots, clone, save/restore.
import { openBrowser, terminalText } from '../../test/e2e/browser';
import { serveStatic } from '../../test/e2e/static-server';
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';

const out = '/tmp/use-shots';
mkdirSync(out, { recursive: true });
const { url, server } = await serveStatic(join(import.meta.dirname, '../../dist'), '/virtlab/');
const b = await openBrowser();
const page = b.page;
const t0 = Date.now();
const log = (...a: unknown[]) => console.log(((Date.now() - t0) / 1000).toFixed(1), ...a);
await page.setViewportSize({ width: 1280, height: 860 });
await page.goto(`${url}#/domain/vm1/console`);
const until = async (f: () => Promise<boolean>, ms: number) => {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await f().catch(() => false)) return true;
    await page.waitForTimeout(50);
  }
  return false;
};
const PROMPT = /root@virtlab:[^\n#]*# *$/;
await until(async () => PROMPT.test((await terminalText(page)).trimEnd() + ' '), 180000);
log('vm1 prompt');
await page.waitForTimeout(3000);
// New VM with defaults (quick boot) twice, keyboard where possible.
for (const n of [2, 3]) {
  await page.getByRole('button', { name: /New VM|新建/ }).first().click();
  await page.waitForTimeout(500);
  const c0 = Date.now();
  await page.getByRole('button', { name: /Create and start/ }).click();
  await until(async () => (await page.evaluate(() => location.hash)).includes(`vm${n}`), 60000);
  const c1 = Date.now();
  await until(async () => /root@virtlab/.test(await terminalText(page)), 60000);
  log('navigated after', c1 - c0);
  log(`vm${n} created, prompt in`, Date.now() - c0, 'ms', 'hash', await page.evaluate(() => location.hash));
}
await page.screenshot({ path: `${out}/vm3-console-1280.png` });
await page.goto(`${url}#/domain/vm1/snapshots`);
await page.waitForTimeout(1500);
await page.screenshot({ path: `${out}/vm1-snapshots-empty-1280.png` });
const take = page.locator('button', { hasText: 'Take snapshot' }).last();
await take.click();
await page.waitForTimeout(1500);
await page.screenshot({ path: `${out}/vm1-snapshots-one-1280.png` });
await page.goto(`${url}#/memory`);
await page.waitForTimeout(4000);
await page.screenshot({ path: `${out}/memory-1280.png`, fullPage: true });
for (const w of [390, 1920]) {
  await page.setViewportSize({ width: w, height: 900 });
  for (const v of ['#/domain/vm1/snapshots', '#/memory', '#/']) {
    await page.goto(`${url}${v}`);
    await page.waitForTimeout(2500);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    await page.screenshot({ path: `${out}/${v.replace(/[#/]/g, '_')}-${w}.png`, fullPage: w === 390 });
    log(w, v, 'overflow', overflow);
  }
}
log('errors', b.errors);
await b.close();
server.close();
process.exit(0);
