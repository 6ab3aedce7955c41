import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LOCALES, type Messages } from './i18n.svelte';

/**
 * Every feature's messages (src/ui/**\/messages.ts, namespace = its `NS`
 * export) have the same keys in English and 简体中文, no empty string, the
 * same {{placeholders}}, and every `t('ns:key')` in the page's source names
 * a key that exists.
 */
const UI = join(import.meta.dirname, '..');
const bundles = import.meta.glob<{ NS: string; default: Messages }>('../**/messages.ts', {
  eager: true,
});

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return /\.(svelte|ts)$/.test(name) && !/\.test\.ts$/.test(name) ? [path] : [];
  });
}

describe('i18n', () => {
  const all = Object.values(bundles);

  it('finds the message files', () => {
    expect(all.length).toBeGreaterThan(0);
    const names = all.map((b) => b.NS);
    expect(new Set(names).size).toBe(names.length);
  });

  for (const { NS, default: messages } of all) {
    it(`${NS}: every key in every language, non-empty, same placeholders`, () => {
      const en = Object.keys(messages.en).sort();
      for (const locale of LOCALES) {
        expect(Object.keys(messages[locale]).sort(), `${NS} keys in ${locale}`).toEqual(en);
        for (const key of en) {
          const text = messages[locale][key];
          expect(text.trim().length, `${NS}:${key} in ${locale}`).toBeGreaterThan(0);
          const vars = (s: string) => [...s.matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]).sort();
          expect(vars(text), `${NS}:${key} placeholders in ${locale}`).toEqual(
            vars(messages.en[key]),
          );
        }
      }
    });
  }

  it('every t("ns:key") in the page names a defined key', () => {
    const defined = new Set(
      all.flatMap((b) => Object.keys(b.default.en).map((k) => `${b.NS}:${k}`)),
    );
    const missing: string[] = [];
    for (const file of sources(UI)) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/\bt\(\s*['"`]([\w-]+:[\w.-]+)['"`]/g)) {
        if (!defined.has(m[1])) missing.push(`${relative(UI, file)}: ${m[1]}`);
      }
    }
    expect(missing).toEqual([]);
  });
});
