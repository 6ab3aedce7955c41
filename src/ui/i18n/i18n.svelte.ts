import i18next from 'i18next';

/**
 * The page's languages, through i18next (a maintained i18n library):
 * English and Simplified Chinese, switchable without a reload (the VMs keep
 * running), remembered in localStorage, defaulting to the browser's
 * language. Every string of the page comes from t() with a namespaced key; each
 * feature keeps its messages beside its code (`messages.ts`, one object per
 * language) and registers them with `addMessages`. `i18n.test.ts` fails
 * when a key is missing in either language or used without being defined.
 */
export const LOCALES = ['en', 'zh-CN'] as const;
export type Locale = (typeof LOCALES)[number];
export const LOCALE_NAMES: Record<Locale, string> = { en: 'English', 'zh-CN': '简体中文' };

/** A feature's strings: the same keys in every language. `{{name}}` interpolates. */
export type Messages = Record<Locale, Record<string, string>>;

const STORAGE_KEY = 'virtlab.locale';

function initialLocale(): Locale {
  const stored = globalThis.localStorage?.getItem(STORAGE_KEY);
  if (stored && (LOCALES as readonly string[]).includes(stored)) return stored as Locale;
  const preferred = globalThis.navigator?.languages ?? [];
  for (const lang of preferred) if (/^zh\b/i.test(lang)) return 'zh-CN';
  return 'en';
}

class I18nState {
  /** The current language; reading it makes a template re-render when it changes. */
  locale = $state<Locale>(initialLocale());
}
export const i18n = new I18nState();

void i18next.init({
  lng: i18n.locale,
  fallbackLng: 'en',
  resources: {},
  initAsync: false,
  interpolation: { escapeValue: false }, // Svelte escapes
  returnNull: false,
});

/** Registers a feature's messages under namespace `ns` (keys are then `ns:key`). */
export function addMessages(ns: string, messages: Messages): void {
  for (const locale of LOCALES) i18next.addResourceBundle(locale, ns, messages[locale], true, true);
}

/** The string for `key` ("ns:key") in the current language. Reactive in templates. */
export function t(key: string, params?: Record<string, unknown>): string {
  void i18n.locale; // dependency: re-run when the language changes
  return i18next.t(key, params as never) as unknown as string;
}

/** Switches the page's language at once, without a reload, and remembers it. */
export function setLocale(locale: Locale): void {
  void i18next.changeLanguage(locale);
  i18n.locale = locale;
  globalThis.localStorage?.setItem(STORAGE_KEY, locale);
  if (globalThis.document) document.documentElement.lang = locale;
}

/** Numbers and sizes in the current language's format. */
export function formatNumber(n: number, digits = 0): string {
  return n.toLocaleString(i18n.locale, {
    maximumFractionDigits: digits,
    minimumFractionDigits: digits,
  });
}
