/**
 * What the timeline shows: a window [end − span, end] of host time that
 * follows the present while live, and the selected range. Zoom keeps the
 * time under the pointer (or the right edge while live) where it is; any
 * pan leaves live mode, as Perfetto's W/A/S/D.
 */
export const MIN_SPAN_MS = 2;
export const DEFAULT_SPAN_MS = 10_000;
/** One W or S press zooms by this factor. */
export const ZOOM_STEP = 1.25;
/** One A or D press pans by this fraction of the window. */
export const PAN_STEP = 0.1;

export class TimelineView {
  live = true;
  spanMs = DEFAULT_SPAN_MS;
  /** Right edge of the window, host ms (follows the present while live). */
  endMs = 0;
  selection: { a: number; b: number } | undefined;

  constructor(readonly maxSpanMs = 600_000) {}

  /** The window at host time `now`. */
  window(now: number): [number, number] {
    if (this.live) this.endMs = now;
    return [this.endMs - this.spanMs, this.endMs];
  }

  /** Zooms by `factor` (> 1 out, < 1 in) around the point `frac` (0 left, 1 right) of the window. */
  zoom(factor: number, frac: number, now: number): void {
    const [t0] = this.window(now);
    const span = Math.min(this.maxSpanMs, Math.max(MIN_SPAN_MS, this.spanMs * factor));
    if (this.live) {
      this.spanMs = span;
      return;
    }
    const anchor = t0 + frac * this.spanMs;
    const end = anchor + (1 - frac) * span;
    this.spanMs = span;
    this.endMs = Math.min(now, end);
  }

  /** Pans by `frac` of the window (negative: back in time). Leaves live mode. */
  pan(frac: number, now: number): void {
    this.window(now);
    this.live = false;
    this.endMs = Math.min(now, this.endMs + frac * this.spanMs);
  }

  setLive(live: boolean, now: number): void {
    this.window(now);
    this.live = live;
  }

  /** Handles a key on the focused timeline; true when it was one of ours. */
  key(key: string, now: number): boolean {
    switch (key.toLowerCase()) {
      case 'w':
        this.zoom(1 / ZOOM_STEP, 0.5, now);
        return true;
      case 's':
        this.zoom(ZOOM_STEP, 0.5, now);
        return true;
      case 'a':
        this.pan(-PAN_STEP, now);
        return true;
      case 'd':
        this.pan(PAN_STEP, now);
        return true;
      case 'escape':
        if (!this.selection) return false;
        this.selection = undefined;
        return true;
      default:
        return false;
    }
  }
}

/** Ruler ticks: a 1-2-5 step in ms giving at least `minPx` between ticks. */
export function tickStep(spanMs: number, widthPx: number, minPx = 80): number {
  const raw = (spanMs * minPx) / Math.max(1, widthPx);
  const pow = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 5, 10]) if (m * pow >= raw) return m * pow;
  return 10 * pow;
}

/** "−2 s", "−250 ms", "0": an offset from the reference time at the ruler's step. */
export function formatOffset(ms: number, step: number): string {
  if (Math.abs(ms) < step / 1000) return '0';
  const sign = ms < 0 ? '\u2212' : '+';
  const a = Math.abs(ms);
  if (step >= 1000) return `${sign}${trim(a / 1000, step / 1000)} s`;
  return `${sign}${trim(a, step)} ms`;
}

function trim(value: number, step: number): string {
  const digits = step >= 1 ? 0 : Math.min(3, Math.ceil(-Math.log10(step)));
  return value.toFixed(digits);
}
