// Elements of keyframes: diamonds on clips, the gain envelope over a waveform, the curve panel.
// Pure DOM from data (positions in the timeline body's pixels); gestures are in keyframe-layer.ts.
import { frameToX, type Rect, type View } from "./geometry";
import { axis, diamonds, envelope, ENVELOPE_MAX } from "./keyframes";
import { el } from "./model";
import type { CurveData, ItemView, KeyPoint } from "./types";
import { bisect } from "./visible";

const SVG = "http://www.w3.org/2000/svg";
export const CURVE_HEIGHT = 96;
const CURVE_PAD = 8;

/** Diamonds of ``item`` on screen (frames [f0, f1)), at the bottom of its rect. */
export function diamondElements(
  item: ItemView,
  rect: Rect,
  choice: string,
  v: View,
  f0: number,
  f1: number,
  selected: (prop: string, frame: number) => boolean,
): HTMLElement[] {
  return diamonds(item, choice, f0, f1, v.zoom).map((d) => {
    const k = el("div", "tl-kf");
    k.dataset.item = item.id;
    k.dataset.prop = d.prop;
    k.dataset.frame = String(d.frame);
    k.style.left = `${frameToX(item.start + d.frame, v) - 5}px`;
    k.style.top = `${rect.y + rect.h - 13}px`;
    k.title = d.count > 1 ? `${d.count} ${d.prop} keyframes (zoom in)` : `${d.prop} = ${d.value} at frame ${d.frame} (${d.interp})`;
    if (!Number.isInteger(d.frame)) k.classList.add("tl-kf-off");
    if (selected(d.prop, d.frame)) k.classList.add("tl-kf-selected");
    return k;
  });
}

/** Top and bottom pixels of a clip's waveform: the whole clip on a sound track, its lower part under pictures. */
export function waveBand(item: ItemView, rect: Rect): [number, number] {
  const top = item.has_video ? rect.y + Math.round(rect.h * 0.62) : rect.y;
  return [top + 2, rect.y + rect.h - 2];
}

/** The pixel height of ``gain`` in a waveform band (0 at the bottom, ``ENVELOPE_MAX`` at the top). */
export function gainY(gain: number, band: [number, number]): number {
  const t = Math.max(0, Math.min(1, gain / ENVELOPE_MAX));
  return band[1] - t * (band[1] - band[0]);
}

/**
 * The volume envelope of a clip with sound over the visible part of it: a line (Alt-click adds a
 * point; data-env names the clip) and a handle per keyframe on screen (drag up/down).
 */
export function envelopeElements(item: ItemView, rect: Rect, v: View, f0: number, f1: number): Element[] {
  const band = waveBand(item, rect);
  const corners = envelope(item);
  const frames = corners.map((c) => c[0]);
  const a = Math.max(0, bisect(frames, Math.floor(f0) - item.start) - 1);
  const b = Math.min(corners.length, bisect(frames, Math.ceil(f1) - item.start) + 1);
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("class", "tl-env");
  svg.dataset.env = item.id;
  const left = frameToX(item.start + corners[a][0], v);
  const right = frameToX(item.start + corners[b - 1][0], v);
  Object.assign(svg.style, { left: `${left}px`, top: `${band[0]}px`, width: `${Math.max(1, right - left)}px`, height: `${band[1] - band[0]}px` });
  const pts = corners.slice(a, b).map(([f, g]) => `${frameToX(item.start + f, v) - left},${gainY(g, band) - band[0]}`);
  for (const cls of ["tl-env-hit", "tl-env-line"]) {
    const line = document.createElementNS(SVG, "polyline");
    line.setAttribute("class", cls);
    line.setAttribute("points", pts.join(" "));
    svg.appendChild(line);
  }
  const out: Element[] = [svg];
  const points = item.keyframes?.volume ?? [];
  const keyed = points.map((p) => p[0]);
  for (const [f, g] of points.slice(bisect(keyed, Math.floor(f0) - item.start), bisect(keyed, Math.ceil(f1) - item.start))) {
    if (f < 0 || f >= item.frames) continue;
    const h = el("div", "tl-env-pt");
    h.dataset.item = item.id;
    h.dataset.frame = String(f);
    h.title = `volume ${g} at frame ${f} (drag up/down)`;
    h.style.left = `${frameToX(item.start + f, v) - 4}px`;
    h.style.top = `${gainY(g, band) - 4}px`;
    out.push(h);
  }
  return out;
}

/** The curve panel's value -> pixel mapping. */
export function curveY(value: number, data: Pick<CurveData, "lo" | "hi">, top: number): number {
  const [lo, hi] = axis(data.lo, data.hi);
  const t = (value - lo) / (hi - lo);
  return top + CURVE_PAD + (1 - t) * (CURVE_HEIGHT - 2 * CURVE_PAD);
}

/** The value at pixel ``y`` of the curve panel (its inverse, unclamped). */
export function curveValue(y: number, data: Pick<CurveData, "lo" | "hi">, top: number): number {
  const [lo, hi] = axis(data.lo, data.hi);
  return lo + (1 - (y - top - CURVE_PAD) / (CURVE_HEIGHT - 2 * CURVE_PAD)) * (hi - lo);
}

/**
 * The curve view of one property of ``item``: the kernel's per-frame values as a line, the
 * keyframes on screen as draggable points, the axis' bounds at the left.
 */
export function curvePanel(item: ItemView, data: CurveData | null, top: number, width: number, v: View, f0: number, f1: number): DocumentFragment {
  const frag = document.createDocumentFragment();
  const bg = el("div", "tl-curve");
  Object.assign(bg.style, { top: `${top}px`, height: `${CURVE_HEIGHT}px` });
  frag.appendChild(bg);
  const name = el("div", "tl-curve-name", bg);
  if (!data || data.item !== item.id) {
    name.textContent = "…";
    return frag;
  }
  name.textContent = data.error ?? data.property;
  if (data.error) return frag;
  const [lo, hi] = axis(data.lo, data.hi);
  for (const [value, cls] of [[hi, "tl-curve-hi"], [lo, "tl-curve-lo"]] as const) {
    const tick = el("div", `tl-curve-axis ${cls}`, bg);
    tick.textContent = fmt(value);
    tick.style.top = `${curveY(value, data, 0) - 6}px`;
  }
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("class", "tl-curve-svg");
  Object.assign(svg.style, { top: `${top}px`, height: `${CURVE_HEIGHT}px`, width: `${width}px` });
  const pts: string[] = [];
  data.values.forEach((val, i) => {
    const f = item.start + data.first + i;
    if (f + 1 < f0 || f > f1) return;
    const y = curveY(val, data, 0);
    pts.push(`${frameToX(f, v)},${y}`, `${frameToX(f + 1, v)},${y}`); // a value holds for its frame
  });
  const line = document.createElementNS(SVG, "polyline");
  line.setAttribute("class", "tl-curve-line");
  line.setAttribute("points", pts.join(" "));
  svg.appendChild(line);
  frag.appendChild(svg);
  for (const p of visiblePoints(item, data.property, f0, f1)) {
    const h = el("div", "tl-curve-pt");
    h.dataset.item = item.id;
    h.dataset.prop = data.property;
    h.dataset.frame = String(p[0]);
    h.title = `${data.property} = ${p[1]} at frame ${p[0]} (${p[2]}; drag to move or change)`;
    h.style.left = `${frameToX(item.start + p[0], v) - 4}px`;
    h.style.top = `${curveY(p[1], data, top) - 4}px`;
    frag.appendChild(h);
  }
  return frag;
}

function visiblePoints(item: ItemView, prop: string, f0: number, f1: number): KeyPoint[] {
  const points = item.keyframes?.[prop] ?? [];
  return points.filter((p) => p[0] >= 0 && p[0] < item.frames && item.start + p[0] >= f0 - 1 && item.start + p[0] <= f1);
}

function fmt(x: number): string {
  return String(Math.round(x * 1000) / 1000);
}
