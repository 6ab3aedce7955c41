/**
 * Light or dark: the user's choice (remembered), or the system's
 * (`auto`, following prefers-color-scheme as it changes). The resolved
 * theme is written to `data-theme` on <html>, the one selector theme.css
 * switches on.
 */
export type ThemeChoice = 'auto' | 'light' | 'dark';
const STORAGE_KEY = 'virtlab.theme';

class Theme {
  choice = $state<ThemeChoice>(
    (globalThis.localStorage?.getItem(STORAGE_KEY) as ThemeChoice | null) ?? 'auto',
  );
  readonly #system = globalThis.matchMedia?.('(prefers-color-scheme: dark)');

  constructor() {
    this.#system?.addEventListener('change', () => this.#apply());
    this.#apply();
  }

  set(choice: ThemeChoice): void {
    this.choice = choice;
    globalThis.localStorage?.setItem(STORAGE_KEY, choice);
    this.#apply();
  }

  #apply(): void {
    if (!globalThis.document) return;
    const dark = this.choice === 'dark' || (this.choice === 'auto' && !!this.#system?.matches);
    document.documentElement.dataset.theme = dark ? 'dark' : 'light';
  }
}

export const theme = new Theme();
