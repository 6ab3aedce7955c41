/**
 * Lines for the page's virsh panel from elsewhere in the page (a lesson's
 * command chip, a lesson's "solve"): the dock opens, the line is typed into
 * the panel as if the user typed it, and the promise settles when virsh has
 * run it. Lines wait while the panel is closed or busy, in order.
 */
interface Pending {
  line: string;
  resolve(): void;
}

class VirshBus {
  /** The dock is open (Shell binds its panel to this). */
  open = $state(false);
  readonly #queue: Pending[] = [];
  #typer: ((line: string) => void) | undefined;

  /** Types `line` into the panel (opening it); resolves once virsh has run it. */
  run(line: string): Promise<void> {
    this.open = true;
    return new Promise((resolve) => {
      this.#queue.push({ line, resolve });
      this.#typer?.(line);
    });
  }

  /** The panel is ready to take typed lines; lines queued meanwhile are typed now. */
  attach(typer: (line: string) => void): () => void {
    this.#typer = typer;
    for (const p of this.#queue) typer(p.line);
    return () => {
      if (this.#typer === typer) this.#typer = undefined;
    };
  }

  /** The panel ran `line`: settles the oldest request for it. */
  ran(line: string): void {
    const i = this.#queue.findIndex((p) => p.line.trim() === line.trim());
    if (i >= 0) this.#queue.splice(i, 1)[0].resolve();
  }
}

export const virshBus = new VirshBus();
