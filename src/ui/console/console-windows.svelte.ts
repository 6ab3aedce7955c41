import { mount, unmount } from 'svelte';
import type { HostSession } from '../host.svelte';
import DetachedConsole from './DetachedConsole.svelte';

/**
 * Consoles detached into windows of their own (virt-viewer beside
 * virt-manager). The window is a surface only: the console component runs
 * in this page, on the same host session, and is mounted into the
 * window's document, so the window needs no host of its own and shows the
 * same console (history included). Closing the window, or "Return to the
 * page", docks the console again; leaving the page closes every window.
 */
class ConsoleWindows {
  /** Names of the domains whose console is in a window now. */
  detached = $state<string[]>([]);
  readonly #open = new Map<string, { win: Window; component: object }>();
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor() {
    globalThis.addEventListener?.('pagehide', () => {
      for (const name of [...this.#open.keys()]) this.close(name);
    });
  }

  isDetached(name: string): boolean {
    return this.detached.includes(name);
  }

  /**
   * Opens `name`'s console in a window (or brings its window forward).
   * False when the browser refused the window (a popup blocker).
   */
  open(host: HostSession, name: string, title: string): boolean {
    const existing = this.#open.get(name);
    if (existing && !existing.win.closed) {
      existing.win.focus();
      return true;
    }
    const win = window.open('', `virtlab-console-${name}`, 'popup,width=860,height=560');
    if (!win) return false;
    const doc = win.document;
    doc.title = title;
    doc.documentElement.lang = document.documentElement.lang;
    doc.documentElement.dataset.theme = document.documentElement.dataset.theme;
    // The page's styles (theme tokens, xterm.css, component styles), with absolute URLs.
    for (const node of document.head.querySelectorAll('style, link[rel="stylesheet"]')) {
      const copy = doc.importNode(node, true) as HTMLElement;
      if (node instanceof HTMLLinkElement) (copy as HTMLLinkElement).href = node.href;
      doc.head.append(copy);
    }
    doc.body.style.margin = '0';
    const target = doc.createElement('div');
    doc.body.append(target);
    const component = mount(DetachedConsole, {
      target,
      props: { host, name, onReturn: () => this.close(name) },
    });
    this.#open.set(name, { win, component });
    this.detached = [...this.detached.filter((n) => n !== name), name];
    // The user closed the window (or it navigated away): dock the console again.
    win.addEventListener('pagehide', () => this.#docked(name, win));
    this.#watch();
    return true;
  }

  /** Docks `name`'s console again and closes its window. */
  close(name: string): void {
    const entry = this.#open.get(name);
    if (!entry) return;
    this.#docked(name, entry.win);
    if (!entry.win.closed) entry.win.close();
  }

  focus(name: string): void {
    this.#open.get(name)?.win.focus();
  }

  /** Not every way a window closes fires pagehide in its document: look once a second. */
  #watch(): void {
    if (this.#timer !== undefined) return;
    this.#timer = setInterval(() => {
      for (const [name, { win }] of this.#open) if (win.closed) this.#docked(name, win);
      if (this.#open.size === 0) {
        clearInterval(this.#timer);
        this.#timer = undefined;
      }
    }, 1000);
  }

  #docked(name: string, win: Window): void {
    const entry = this.#open.get(name);
    if (!entry || entry.win !== win) return;
    this.#open.delete(name);
    void unmount(entry.component);
    this.detached = this.detached.filter((n) => n !== name);
  }
}

export const consoleWindows = new ConsoleWindows();
