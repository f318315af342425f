// Keyframes on the timeline: which diamonds are on screen, and the registered keyframe ops a gesture
// sends. Pure (no DOM), so unit tested; values a new keyframe takes come from the kernel.
import type {
  AddKeyframeOp,
  MoveKeyframeOp,
  RemoveKeyframeOp,
  SetKeyframeInterpOp,
} from "./generated/operations";
import type { Interp, ItemView, KeyPoint } from "./types";
import { bisect, groups } from "./visible";

/** What the property menu offers (plus any other property a clip has keyframes for). */
export const PROPERTIES = [
  "opacity",
  "volume",
  "speed",
  "transform.x",
  "transform.y",
  "transform.scale_x",
  "transform.scale_y",
  "transform.rotation",
  "transform.anchor_x",
  "transform.anchor_y",
  "crop.left",
  "crop.top",
  "crop.right",
  "crop.bottom",
  "color.brightness",
  "color.contrast",
  "color.saturation",
  "color.gamma",
  "color.hue",
];

/** The property menu's choice that shows every keyframed property in one row. */
export const ALL = "all";

export const INTERPS: Interp[] = ["hold", "linear", "ease_in", "ease_out", "ease_in_out", "bezier"];

/** The handles ``bezier`` gets from the menu (CSS ``ease``): the model needs some. */
export const DEFAULT_HANDLES: [number, number, number, number] = [0.25, 0.1, 0.25, 1];

/** The gain the envelope's top edge stands for (volume goes to 16, but a waveform shows 0..2). */
export const ENVELOPE_MAX = 2;

/** One diamond to draw: a keyframe of ``prop`` at clip frame ``frame`` (``count`` > 1: several merged). */
export interface Diamond {
  prop: string;
  frame: number;
  value: number;
  interp: Interp;
  count: number;
}

/** The properties drawn for ``choice`` (one, or all that the clip keys). */
export function shownProps(item: ItemView, choice: string): string[] {
  const keyed = Object.keys(item.keyframes ?? {});
  return choice === ALL ? keyed.sort() : keyed.filter((p) => p === choice);
}

/**
 * Keyframes of ``item`` in timeline frames [f0, f1) (found by bisection: a clip may hold thousands),
 * inside the clip (ones a trim hides are kept by the model, not drawn), merged where closer than
 * ``minPx`` at ``zoom``.
 */
export function diamonds(item: ItemView, choice: string, f0: number, f1: number, zoom: number, minPx = 5): Diamond[] {
  const out: Diamond[] = [];
  const lo = Math.max(0, Math.floor(f0) - item.start);
  const hi = Math.min(item.frames, Math.ceil(f1) - item.start);
  for (const prop of shownProps(item, choice)) {
    const points = item.keyframes![prop];
    const frames = points.map((p) => p[0]);
    const seen = points.slice(bisect(frames, lo), bisect(frames, hi));
    for (const g of groups(seen, (p) => p[0], (p) => p[0], zoom, minPx)) {
      const [frame, value, interp] = g.first;
      out.push({ prop, frame, value, interp, count: g.count });
    }
  }
  return out;
}

/** The keyframe of ``prop`` at clip ``frame``, if there is one. */
export function pointAt(item: ItemView, prop: string, frame: number): KeyPoint | undefined {
  return item.keyframes?.[prop]?.find((p) => p[0] === frame);
}

/** Where a dragged keyframe lands: a whole frame inside the clip, not on another keyframe of it. */
export function dragFrame(item: ItemView, prop: string, from: number, dFrames: number): number {
  const to = Math.max(0, Math.min(item.frames - 1, Math.round(from + dFrames)));
  const taken = new Set((item.keyframes?.[prop] ?? []).map((p) => p[0]).filter((f) => f !== from));
  return taken.has(to) ? from : to;
}

/** Moving a keyframe (``to``) and/or changing its value: one or two ops, sent as one undo step. */
export function editOps(
  item: ItemView,
  prop: string,
  frame: number,
  to: number,
  value: number | null,
): (MoveKeyframeOp | AddKeyframeOp)[] {
  const point = pointAt(item, prop, frame);
  if (!point || !Number.isInteger(frame)) return [];
  const ops: (MoveKeyframeOp | AddKeyframeOp)[] = [];
  const base = { track: item.track, item_id: item.id, property: prop };
  if (to !== frame) ops.push({ op: "move_keyframe", ...base, frame, to });
  if (value !== null && value !== point[1]) {
    // add_keyframe at a keyed frame replaces it: keep how the curve leaves it
    const handles = point[3] ?? null;
    ops.push({ op: "add_keyframe", ...base, frame: to, value, interp: point[2], handles });
  }
  return ops;
}

/** Ops removing the keyframes of ``prop`` at ``frames`` of ``item``. */
export function removeOps(item: ItemView, prop: string, frames: number[]): RemoveKeyframeOp[] {
  return frames
    .filter((f) => pointAt(item, prop, f))
    .map((frame) => ({ op: "remove_keyframe", track: item.track, item_id: item.id, property: prop, frame }));
}

/** Ops setting how the curve leaves each keyframe at ``frames`` (bezier gets ``DEFAULT_HANDLES``). */
export function interpOps(item: ItemView, prop: string, frames: number[], interp: Interp): SetKeyframeInterpOp[] {
  const handles = interp === "bezier" ? DEFAULT_HANDLES : null;
  return frames
    .filter((f) => pointAt(item, prop, f))
    .map((frame) => ({ op: "set_keyframe_interp", track: item.track, item_id: item.id, property: prop, frame, interp, handles }));
}

/** A value on an axis ``lo..hi`` at a fraction ``t`` from the bottom (0) to the top (1), clamped. */
export function valueAt(t: number, lo: number, hi: number): number {
  const v = lo + Math.max(0, Math.min(1, t)) * (hi - lo);
  return Math.round(v * 1e4) / 1e4; // a value a person can read back in the model
}

/** A dragged value kept in the property's bounds (null: none), rounded to 4 decimals. */
export function clampValue(v: number, min: number | null, max: number | null): number {
  const c = Math.max(min ?? -Infinity, Math.min(max ?? Infinity, v));
  return Math.round(c * 1e4) / 1e4;
}

/** The axis a curve is drawn on: the property's bounds, or (unbounded) its values padded. */
export function axis(lo: number, hi: number): [number, number] {
  if (hi - lo > 1e-9) return [lo, hi];
  return [lo - 1, hi + 1];
}

/** The named eases as CSS cubic-bezier handles: the model's ``keyframes.EASES``. */
export const EASES: Record<string, [number, number, number, number]> = {
  ease_in: [0.42, 0, 1, 1],
  ease_out: [0, 0, 0.58, 1],
  ease_in_out: [0.42, 0, 0.58, 1],
};

/** CSS cubic-bezier: y at x = ``u``, by bisection as the model's ``keyframes._bezier`` finds it. */
export function bezierAt(h: readonly [number, number, number, number], u: number): number {
  const [x1, y1, x2, y2] = h;
  const bx = (s: number) => 3 * (1 - s) ** 2 * s * x1 + 3 * (1 - s) * s * s * x2 + s ** 3;
  let lo = 0;
  let hi = 1;
  for (let k = 0; k < 60; k++) {
    const mid = (lo + hi) / 2;
    if (bx(mid) < u) lo = mid;
    else hi = mid;
  }
  const s = (lo + hi) / 2;
  return 3 * (1 - s) ** 2 * s * y1 + 3 * (1 - s) * s * s * y2 + s ** 3;
}

/** Corners an eased stretch of the envelope is drawn with: smooth at any zoom, cheap on long clips. */
const EASE_STEPS = 16;

/**
 * The gain envelope's polyline over clip frames: (frame, gain) corners, flat before the first and
 * after the last keyframe, a step after a ``hold``, a straight line after a ``linear`` one, and an
 * eased or bezier stretch as the model's curve (sampled along clip frames: on a speed ramp the
 * model eases along source time, so the drawn shape is close, not exact; the curve view is exact).
 */
export function envelope(item: ItemView): [number, number][] {
  const points = item.keyframes?.volume ?? [];
  if (!points.length) return [[0, item.volume ?? 1], [item.frames, item.volume ?? 1]];
  const out: [number, number][] = [[0, points[0][1]]];
  points.forEach(([f, v, interp, handles], i) => {
    out.push([f, v]);
    const next = points[i + 1];
    if (!next) return;
    if (interp === "hold") out.push([next[0], v]);
    else if (interp !== "linear") {
      const h = interp === "bezier" && handles ? handles : EASES[interp];
      if (!h) return;
      for (let k = 1; k < EASE_STEPS; k++) {
        const u = k / EASE_STEPS;
        out.push([f + (next[0] - f) * u, v + (next[1] - v) * bezierAt(h, u)]);
      }
    }
  });
  out.push([item.frames, points[points.length - 1][1]]);
  return out;
}
