import { message } from './error-message';
import type { HostSession } from './host.svelte';

/**
 * Starts the page asked for that have not finished. The New VM dialog
 * opens the new VM's page with its console while the host is still
 * starting it, so the terminal is ready when the guest's first output
 * comes (a quick boot answers within tens of ms); a start that fails
 * after the dialog closed shows its error on that VM's page.
 */
export class DomainStarts {
  #pending = $state.raw<ReadonlySet<string>>(new Set());
  #failed = $state.raw<Readonly<Record<string, string>>>({});

  /** True while `name` is being started from the page. */
  pending(name: string): boolean {
    return this.#pending.has(name);
  }

  /** Why the last start of `name` from the page failed, until cleared. */
  error(name: string): string | undefined {
    return this.#failed[name];
  }

  clearError(name: string): void {
    if (!(name in this.#failed)) return;
    const rest = { ...this.#failed };
    delete rest[name];
    this.#failed = rest;
  }

  /**
   * Starts `name`, then refreshes the domain list; `name` stays pending
   * until the list shows the outcome, so its console does not close and
   * open again in between. Never rejects: resolves true once started,
   * false when the start failed (its error kept for the VM's page).
   */
  async start(
    host: HostSession,
    name: string,
    options: { quick?: boolean } = {},
  ): Promise<boolean> {
    this.clearError(name);
    this.#pending = new Set([...this.#pending, name]);
    let ok = true;
    try {
      await host.call(host.api.start(name, options));
    } catch (e) {
      ok = false;
      this.#failed = { ...this.#failed, [name]: message(e) };
    }
    try {
      await host.refresh();
    } catch {
      // A dead control worker shows through the session's status.
    } finally {
      const next = new Set(this.#pending);
      next.delete(name);
      this.#pending = next;
    }
    return ok;
  }
}

export const domainStarts = new DomainStarts();
