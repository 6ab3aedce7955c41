import type { Locale } from '../ui/i18n/i18n.svelte';
import en from './glossary/en.md?raw';
import zh from './glossary/zh-CN.md?raw';

/**
 * The glossary: each term with the real-world command or file it stands
 * for, one Markdown file per language (a list, one entry per term).
 */
const GLOSSARY: Record<Locale, string> = { en, 'zh-CN': zh };

export function glossary(locale: Locale): string {
  return GLOSSARY[locale];
}

/** The terms of a glossary file (the bold text opening each entry). */
export function glossaryTerms(source: string): string[] {
  return [...source.matchAll(/^- \*\*(.+?)\*\*/gm)].map((m) => m[1]);
}
