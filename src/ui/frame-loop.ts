/** Calls `read` on every animation frame until stopped: the live views' clock. */
export class FrameLoop {
  #frame = 0;

  constructor(readonly read: () => void) {}

  start(): void {
    const tick = () => {
      this.read();
      this.#frame = requestAnimationFrame(tick);
    };
    this.#frame = requestAnimationFrame(tick);
  }

  stop(): void {
    cancelAnimationFrame(this.#frame);
  }
}
