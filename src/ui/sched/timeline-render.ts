import {
  H,
  P,
  PCPU_STATE,
  PF,
  V,
  VCPU_STATE,
  VF,
  type SchedState,
} from '../../hypervisor/host/sched-state';
import { vcpuColor } from '../vm-color';
import { BinCache, layoutRuns, Runs } from './lod';
import { blend, PixelLayer, rgba } from './pixel-layer';
import { stateAfter, TRACK, type SchedTrace } from './sched-trace';
import type { SegmentSeries } from './segment-series';
import { formatOffset, tickStep } from './timeline-view';

/** Colours from the theme's CSS variables (theme.css), read now and then, not every frame. */
export interface TimelineTheme {
  fg: string;
  muted: string;
  border: string;
  panel: string;
  panel2: string;
  accent: string;
  /** Indexed by TRACK.*. */
  states: string[];
  /** Slices of vCPUs not hovered. */
  dim: string;
  font: string;
}

export function readTheme(el: Element): TimelineTheme {
  const css = getComputedStyle(el);
  const v = (name: string, fallback: string) => css.getPropertyValue(name).trim() || fallback;
  const halted = v('--state-halted', '#b9c2cf');
  return {
    fg: v('--fg', '#1d1f24'),
    muted: v('--muted', '#5b6170'),
    border: v('--border', '#d8dce3'),
    panel: v('--panel', '#fff'),
    panel2: v('--panel-2', '#f0f2f5'),
    accent: v('--accent', '#2457c5'),
    states: [
      'transparent',
      v('--state-running', '#1e7d34'),
      v('--state-runnable', '#d08700'),
      halted,
      v('--state-paused', '#7b3fb3'),
      v('--state-throttled', '#c0392b'),
      v('--state-vmm', '#0e8a91'),
    ],
    dim: v('--kind-free', '#e3e6eb'),
    font: `11px ${v('--sans', 'sans-serif')}`,
  };
}

/** A row of the canvas, for hit-testing and the labels. */
export type Row =
  | { kind: 'lane'; pcpu: number; y: number; h: number }
  | { kind: 'track'; key: number; y: number; h: number };

export const RULER_H = 20;
const LANE_H = 20;
const TRACK_H = 14;
const ROW_GAP = 3;
const SECTION_GAP = 22;

export interface Geometry {
  width: number;
  height: number;
  /** Left gutter with the row labels. */
  gutter: number;
  plotW: number;
  rows: Row[];
}

/** Rows for `pcpus` lanes and the given vCPU tracks, in a canvas `width` px wide. */
export function geometry(width: number, pcpus: number, keys: readonly number[]): Geometry {
  const gutter = width < 600 ? 58 : 92;
  const rows: Row[] = [];
  let y = RULER_H + 4;
  for (let p = 0; p < pcpus; p++) {
    rows.push({ kind: 'lane', pcpu: p, y, h: LANE_H });
    y += LANE_H + ROW_GAP;
  }
  y += SECTION_GAP - ROW_GAP;
  for (const key of keys) {
    rows.push({ kind: 'track', key, y, h: TRACK_H });
    y += TRACK_H + ROW_GAP;
  }
  return { width, height: y + 4, gutter, plotW: Math.max(1, width - gutter - 6), rows };
}

/** The vCPU tracks to show: the domain's (or every domain's) vCPUs that ran in the window or hold a slot now. */
export function shownKeys(
  trace: SchedTrace,
  domain: string | undefined,
  current: ReadonlySet<number>,
  t0: number,
  t1: number,
): number[] {
  const keys: number[] = [];
  for (const k of trace.keys) {
    if (k.domain === undefined || (domain !== undefined && k.domain !== domain)) continue;
    const s = trace.tracks[k.id];
    if (current.has(k.id) || (s.lastEnd > t0 && s.firstStart < t1)) keys.push(k.id);
  }
  return keys.sort((a, b) => {
    const ka = trace.keys[a];
    const kb = trace.keys[b];
    return (ka.domain as string).localeCompare(kb.domain as string) || ka.index - kb.index || a - b;
  });
}

export interface DrawInput {
  trace: SchedTrace;
  st: SchedState | undefined;
  geo: Geometry;
  theme: TimelineTheme;
  t0: number;
  t1: number;
  now: number;
  /** Time labels are relative to this (the present, or when paused). */
  refMs: number;
  /** Domain whose slices stand out in the pCPU lanes (others faded). */
  domain: string | undefined;
  /** The hovered vCPU key: every other one greyed out. */
  hovered: number;
  selection: { a: number; b: number } | undefined;
  /** Following the present: draw the live tails (a paused view shows only the recorded trace). */
  live: boolean;
  /** Current key of each busy slot (for the live tails). */
  current: ReadonlySet<number>;
  /** The heading over the vCPU tracks. */
  tracksLabel: string;
  /** Labels of rows. */
  pcpuLabel: (p: number) => string;
  keyLabel: (key: number) => string;
}

/**
 * Draws the timeline: ruler, one lane per pCPU with slices coloured by
 * vCPU, one state track per vCPU, the live tails (the slice running now,
 * the state since the last slice) from SchedState, the selection.
 * Slices and states are drawn as pixels (pixel-layer.ts); text, ruler and
 * selection with the canvas API over them.
 */
export class TimelineRenderer {
  readonly #runs = new Runs();
  readonly #caches = new WeakMap<SegmentSeries, BinCache>();
  readonly #layer = new PixelLayer();
  #colors: string[] = [];
  #pixels: number[] = [];
  #faded: number[] = [];
  #theme: TimelineTheme | undefined;
  #px = { panel2: 0, dim: 0, states: [] as number[] };
  #labels: { x: number; y: number; w: number; text: string }[] = [];

  constructor(readonly ctx: CanvasRenderingContext2D) {}

  #cache(s: SegmentSeries): BinCache {
    let c = this.#caches.get(s);
    if (!c) this.#caches.set(s, (c = new BinCache()));
    return c;
  }

  #keyColor(trace: SchedTrace, key: number): string {
    let c = this.#colors[key];
    if (c === undefined) {
      const k = trace.keys[key];
      if (k.domain === undefined) return '#888888';
      c = this.#colors[key] = vcpuColor(k.domain, k.index);
    }
    return c;
  }

  /** The key's colour as pixels: its own, faded (another domain than the one shown), or dim (another vCPU hovered). */
  #keyPixel(d: DrawInput, key: number): number {
    if (d.hovered >= 0 && d.hovered !== key) return this.#px.dim;
    const own = (this.#pixels[key] ??= rgba(this.#keyColor(d.trace, key)));
    if (d.hovered < 0 && d.domain !== undefined && d.trace.keys[key].domain !== d.domain)
      return (this.#faded[key] ??= blend(own, this.#px.panel2, 0.28));
    return own;
  }

  draw(d: DrawInput): void {
    const { geo, theme, trace } = d;
    const ctx = this.ctx;
    const { gutter, plotW } = geo;
    const span = d.t1 - d.t0;
    const pxPerMs = plotW / span;
    if (theme !== this.#theme) {
      this.#theme = theme;
      this.#px = {
        panel2: rgba(theme.panel2),
        dim: rgba(theme.dim),
        states: theme.states.map(rgba),
      };
      this.#faded = [];
    }
    ctx.clearRect(0, 0, geo.width, geo.height);
    this.#labels = [];
    ctx.font = theme.font;
    ctx.textBaseline = 'middle';

    this.#ruler(d, pxPerMs);

    const layer = this.#layer;
    layer.resize(plotW, geo.height);
    layer.clear();
    for (const row of geo.rows) {
      layer.beginRow();
      if (row.kind === 'lane') {
        layer.fillRow(row.y, row.h, this.#px.panel2);
        const lane = trace.lanes[row.pcpu];
        if (lane) {
          const binned = layoutRuns(lane, d.t0, d.t1, plotW, this.#runs, this.#cache(lane));
          this.#laneRuns(d, row, binned);
        }
        this.#liveSlice(d, row, pxPerMs);
        layer.commitRow(row.y, row.h, true);
      } else {
        const track = trace.tracks[row.key];
        layoutRuns(track, d.t0, d.t1, plotW, this.#runs, this.#cache(track));
        const greyed = d.hovered >= 0 && d.hovered !== row.key;
        const r = this.#runs;
        const states = this.#px.states;
        for (let i = 0; i < r.length; i++)
          layer.span(r.x0[i], r.x1[i], greyed ? this.#px.dim : states[r.value[i]]);
        this.#liveTail(d, row, pxPerMs, greyed);
        layer.commitRow(row.y, row.h, false);
      }
    }
    layer.blit(ctx, gutter, 0);
    ctx.fillStyle = '#ffffff';
    for (const l of this.#labels) {
      ctx.save();
      ctx.beginPath();
      ctx.rect(l.x, l.y - 8, l.w, 16);
      ctx.clip();
      ctx.fillText(l.text, l.x + 3, l.y);
      ctx.restore();
    }
    this.#gutter(d);
    this.#selection(d, pxPerMs);
  }

  #laneRuns(d: DrawInput, row: Extract<Row, { kind: 'lane' }>, binned: boolean): void {
    const r = this.#runs;
    for (let i = 0; i < r.length; i++) {
      const key = r.value[i];
      const w = r.x1[i] - r.x0[i];
      const h = Math.max(2, Math.round(row.h * r.fill[i]));
      this.#layer.span(r.x0[i], r.x1[i], this.#keyPixel(d, key), h);
      // No text on slices under 5 px; a label only where it fits, on slices shown in full colour.
      if (
        !binned &&
        w >= 44 &&
        h === row.h &&
        (d.hovered < 0
          ? d.domain === undefined || d.trace.keys[key].domain === d.domain
          : d.hovered === key)
      )
        this.#labels.push({
          x: d.geo.gutter + r.x0[i],
          y: row.y + row.h / 2,
          w,
          text: d.keyLabel(key),
        });
    }
  }

  /** The slice running now on a lane (not in the trace until it ends). */
  #liveSlice(d: DrawInput, row: Extract<Row, { kind: 'lane' }>, pxPerMs: number): void {
    const st = d.st;
    if (!st || !d.live) return;
    const p = st.pcpu(row.pcpu);
    const slot = p[P.CURRENT];
    if (p[P.STATE] !== PCPU_STATE.RUNNING || slot < 0) return;
    const key = d.trace.keyOfSlot(st.vcpu(slot)[V.VM], slot);
    if (key < 0) return;
    const since = Math.max(st.pcpuF(row.pcpu)[PF.SINCE], d.trace.lanes[row.pcpu]?.lastEnd ?? 0);
    const a = Math.max(since, d.t0);
    const b = Math.min(d.now, d.t1);
    if (!(b > a)) return;
    this.#layer.span((a - d.t0) * pxPerMs, (b - d.t0) * pxPerMs, this.#keyPixel(d, key), row.h);
  }

  /** A vCPU's state since its last slice ended, from SchedState. */
  #liveTail(
    d: DrawInput,
    row: Extract<Row, { kind: 'track' }>,
    pxPerMs: number,
    greyed: boolean,
  ): void {
    const st = d.st;
    if (!st || !d.live || !d.current.has(row.key)) return;
    const last = d.trace.lastSlice(row.key);
    const slot = d.trace.keys[row.key].slot;
    const r = st.vcpu(slot);
    const state = r[V.STATE];
    const from = last?.end ?? st.vcpuF(slot)[VF.SINCE];
    const paused = d.trace.pausedSince(row.key);
    const seg = (a: number, b: number, s: number) => {
      a = Math.max(a, d.t0);
      b = Math.min(b, d.t1);
      if (!(b > a) || s === TRACK.NONE) return;
      const color = greyed ? this.#px.dim : this.#px.states[s];
      this.#layer.span((a - d.t0) * pxPerMs, (b - d.t0) * pxPerMs, color);
    };
    if (!Number.isNaN(paused)) {
      seg(from, Math.max(from, paused), last ? stateAfter(last.why) : TRACK.NONE);
      seg(Math.max(from, paused), d.now, TRACK.PAUSED);
    } else if (state === VCPU_STATE.RUNNING) {
      const since = st.pcpuF(Math.max(0, r[V.RUNNING_ON]))[PF.SINCE];
      seg(from, since, last ? stateAfter(last.why) : TRACK.RUNNABLE);
      seg(Math.max(from, since), d.now, TRACK.RUNNING);
    } else if (state === VCPU_STATE.BLOCKED) {
      seg(from, d.now, TRACK.HALTED);
    } else if (state === VCPU_STATE.RUNNABLE) {
      seg(from, d.now, r[V.THROTTLED] ? TRACK.THROTTLED : TRACK.RUNNABLE);
    }
  }

  #ruler(d: DrawInput, pxPerMs: number): void {
    const { geo, theme } = d;
    const ctx = this.ctx;
    const span = d.t1 - d.t0;
    const step = tickStep(span, geo.plotW);
    ctx.strokeStyle = theme.border;
    ctx.lineWidth = 1;
    ctx.fillStyle = theme.muted;
    ctx.textAlign = 'center';
    const first = Math.ceil((d.t0 - d.refMs) / step) * step + d.refMs;
    ctx.beginPath();
    for (let t = first; t <= d.t1 + 1e-6; t += step) {
      const x = Math.round(geo.gutter + (t - d.t0) * pxPerMs) + 0.5;
      ctx.moveTo(x, RULER_H - 5);
      ctx.lineTo(x, geo.height);
      const label = formatOffset(t - d.refMs, step);
      const w = ctx.measureText(label).width;
      const cx = Math.min(Math.max(x, geo.gutter + w / 2), geo.width - w / 2 - 1);
      ctx.fillText(label, cx, RULER_H / 2 - 1);
    }
    ctx.globalAlpha = 0.5;
    ctx.stroke();
    ctx.globalAlpha = 1;
    ctx.beginPath();
    ctx.moveTo(geo.gutter, RULER_H - 0.5);
    ctx.lineTo(geo.width, RULER_H - 0.5);
    ctx.stroke();
    ctx.textAlign = 'left';
  }

  #gutter(d: DrawInput): void {
    const { geo, theme } = d;
    const ctx = this.ctx;
    ctx.fillStyle = theme.panel;
    ctx.fillRect(0, RULER_H, geo.gutter - 2, geo.height - RULER_H);
    const firstTrack = geo.rows.find((r) => r.kind === 'track');
    if (firstTrack) {
      ctx.fillStyle = theme.muted;
      ctx.fillText(d.tracksLabel, 9, firstTrack.y - 8);
    }
    for (const row of geo.rows) {
      const text = row.kind === 'lane' ? d.pcpuLabel(row.pcpu) : d.keyLabel(row.key);
      const hovered = row.kind === 'track' && row.key === d.hovered;
      ctx.fillStyle = hovered ? theme.fg : row.kind === 'lane' ? theme.fg : theme.muted;
      if (row.kind === 'track') {
        ctx.fillStyle = this.#keyColor(d.trace, row.key);
        ctx.fillRect(2, row.y + 3, 4, row.h - 6);
        ctx.fillStyle = hovered ? theme.fg : theme.muted;
      }
      ctx.save();
      ctx.beginPath();
      ctx.rect(0, row.y, geo.gutter - 4, row.h);
      ctx.clip();
      ctx.fillText(text, 9, row.y + row.h / 2);
      ctx.restore();
    }
  }

  #selection(d: DrawInput, pxPerMs: number): void {
    const sel = d.selection;
    if (!sel) return;
    const { geo, theme } = d;
    const ctx = this.ctx;
    const a = Math.max(d.t0, Math.min(sel.a, sel.b));
    const b = Math.min(d.t1, Math.max(sel.a, sel.b));
    if (!(b > a)) return;
    const x0 = geo.gutter + (a - d.t0) * pxPerMs;
    const x1 = geo.gutter + (b - d.t0) * pxPerMs;
    ctx.fillStyle = theme.accent;
    ctx.globalAlpha = 0.12;
    ctx.fillRect(x0, RULER_H, x1 - x0, geo.height - RULER_H);
    ctx.globalAlpha = 1;
    ctx.strokeStyle = theme.accent;
    ctx.beginPath();
    ctx.moveTo(Math.round(x0) + 0.5, RULER_H);
    ctx.lineTo(Math.round(x0) + 0.5, geo.height);
    ctx.moveTo(Math.round(x1) - 0.5, RULER_H);
    ctx.lineTo(Math.round(x1) - 0.5, geo.height);
    ctx.stroke();
  }
}

/** pCPUs online. */
export function pcpuCount(st: SchedState | undefined, trace: SchedTrace): number {
  return Math.max(st ? Atomics.load(st.header, H.NPCPU) : 0, trace.lanes.length);
}
