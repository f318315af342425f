// Mouse and keyboard gestures turned into model operations (the same JSON the Python API records).
import { neighbours, snap, snapTargets, trackItems, type View } from "./geometry";
import type {
  AddTransitionOp,
  LiftOp,
  RationalTime,
  RemoveTransitionOp,
  RippleDeleteOp,
  SplitOp,
  UpdateOp,
} from "./generated/operations";
import type { Doc, ItemView, Op } from "./types";
import { indexOf } from "./visible";

export type TrimMode = "normal" | "ripple" | "roll";

/** True if frames [start, start+frames) on ``trackId`` meet any item other than ``except``. */
export function overlaps(doc: Doc, trackId: string, start: number, frames: number, except: Set<string>): boolean {
  if (!doc.tracks.some((t) => t.id === trackId)) return true;
  return indexOf(doc)
    .items(trackId)
    .within(start, start + frames)
    .some((it) => !except.has(it.id) && it.start < start + frames && start < it.start + it.frames);
}

export interface MovePlan {
  op: Op | null;
  start: number;
  track: string;
  snapped: boolean;
  blocked: boolean; // the drop would overlap: the model will refuse it
}

/** Dragging ``item`` by ``dFrames`` onto ``toTrack``: the start it lands on (snapped) and the move op. */
export function planMove(
  doc: Doc,
  item: ItemView,
  dFrames: number,
  toTrack: string,
  view: View,
  extra: (number | null)[] = [],
): MovePlan {
  const dest = doc.tracks.find((t) => t.id === toTrack);
  const source = doc.tracks.find((t) => t.id === item.track)!;
  const trackId = dest && dest.kind === source.kind && !dest.locked ? dest.id : item.track;
  const targets = snapTargets(doc, new Set([item.id]), extra);
  const raw = Math.max(0, item.start + dFrames);
  const byStart = snap(raw, targets, view);
  const byEnd = snap(raw + item.frames, targets, view);
  let start = raw;
  let snapped = false;
  if (byStart.snapped && (!byEnd.snapped || Math.abs(byStart.frame - raw) <= Math.abs(byEnd.frame - raw - item.frames))) {
    start = byStart.frame;
    snapped = true;
  } else if (byEnd.snapped && byEnd.frame - item.frames >= 0) {
    start = byEnd.frame - item.frames;
    snapped = true;
  }
  const blocked = overlaps(doc, trackId, start, item.frames, new Set([item.id]));
  const same = start === item.start && trackId === item.track;
  const op: Op | null = same
    ? null
    : { op: "move", track: item.track, item_id: item.id, to: start, ...(trackId !== item.track ? { to_track: trackId } : {}) };
  return { op, start, track: trackId, snapped, blocked };
}

export interface TrimPlan {
  op: Op | null;
  delta: number; // frames the grabbed edge moves (positive = later)
  snapped: boolean;
}

/** The range ``delta`` may take when trimming ``edge`` of ``item`` in ``mode`` (media handles, neighbours). */
export function trimLimits(doc: Doc, item: ItemView, edge: "in" | "out", mode: TrimMode): [number, number] {
  const { prev, next } = neighbours(doc, item);
  if (mode === "roll") {
    const left = edge === "in" ? prev : item;
    const right = edge === "in" ? item : next;
    if (!left || !right || left.start + left.frames !== right.start) return [0, 0];
    return [-Math.min(left.frames - 1, right.head ?? Infinity), Math.min(right.frames - 1, left.tail ?? Infinity)];
  }
  if (edge === "in") {
    let lo = -(item.head ?? Infinity);
    if (mode === "normal") lo = Math.max(lo, prev ? prev.start + prev.frames - item.start : -item.start);
    return [lo, item.frames - 1];
  }
  let hi = item.tail ?? Infinity;
  if (mode === "normal" && next) hi = Math.min(hi, next.start - (item.start + item.frames));
  return [-(item.frames - 1), hi];
}

/** Dragging an edge of ``item`` by ``dFrames``: snapped, clamped to what the model allows, as an op. */
export function planTrim(
  doc: Doc,
  item: ItemView,
  edge: "in" | "out",
  dFrames: number,
  mode: TrimMode,
  view: View,
  extra: (number | null)[] = [],
): TrimPlan {
  const edgeFrame = edge === "in" ? item.start : item.start + item.frames;
  const { frame, snapped } = snap(edgeFrame + dFrames, snapTargets(doc, new Set([item.id]), extra), view);
  const [lo, hi] = trimLimits(doc, item, edge, mode);
  const delta = Math.min(hi, Math.max(lo, frame - edgeFrame));
  if (delta === 0) return { op: null, delta: 0, snapped };
  if (mode === "roll") {
    const left = edge === "in" ? neighbours(doc, item).prev! : item;
    return { op: { op: "roll", track: item.track, item_id: left.id, delta }, delta, snapped };
  }
  return {
    op: { op: "trim", track: item.track, item_id: item.id, edge, delta, ripple: mode === "ripple" },
    delta,
    snapped,
  };
}

/** Split ops for the playhead: on the selected items under it, else on every track with an item there. */
export function splitOps(doc: Doc, playhead: number, selection: string[]): SplitOp[] {
  const under = (it: ItemView) => it.start < playhead && playhead < it.start + it.frames;
  const chosen = selection.map((id) => doc.items[id]).filter((it) => it && under(it));
  const items = chosen.length
    ? chosen
    : doc.tracks.filter((t) => !t.locked).flatMap((t) => trackItems(doc, t).filter(under));
  const seen = new Set<string>();
  const ops: SplitOp[] = [];
  for (const it of items) {
    if (seen.has(it.track)) continue;
    seen.add(it.track);
    ops.push({ op: "split", track: it.track, at: playhead });
  }
  return ops;
}

/** Delete ops for the selection: ``lift`` leaves a gap, ripple closes it (later items first). */
export function deleteOps(doc: Doc, selection: string[], ripple: boolean): (RemoveTransitionOp | LiftOp | RippleDeleteOp)[] {
  const transitions = selection
    .map((id) => doc.transitions[id])
    .filter(Boolean)
    .map((tr): RemoveTransitionOp => ({ op: "remove_transition", track: tr.track, transition_id: tr.id }));
  const items = selection.map((id) => doc.items[id]).filter(Boolean);
  items.sort((a, b) => b.start - a.start);
  // transitions first: removing a clip also removes its transitions
  const removals = items.map((it): LiftOp | RippleDeleteOp => ({ op: ripple ? "ripple_delete" : "lift", track: it.track, item_id: it.id }));
  return [...transitions, ...removals];
}

/** Ops that switch the selected clips off (or back on): a disabled clip stays but does not render. */
export function toggleEnabledOps(doc: Doc, selection: string[]): UpdateOp[] {
  return selection
    .map((id) => doc.items[id])
    .filter(Boolean)
    .map((it): UpdateOp => ({ op: "update", track: it.track, item_id: it.id, changes: { enabled: !it.enabled } }));
}

/** ``frames`` timeline frames as the model's exact time (frames at the project's rate). */
export function framesTime(doc: Doc, frames: number): RationalTime {
  const [num, den] = doc.rate;
  return { value: frames, rate: den === 1 ? num : `${num}/${den}` };
}

/** A transition op between two selected clips that touch on one track, or an error message. */
export function transitionOp(doc: Doc, selection: string[], frames: number, kind = "dissolve"): AddTransitionOp | string {
  const items = selection.map((id) => doc.items[id]).filter(Boolean).sort((a, b) => a.start - b.start);
  if (items.length === 1) {
    const { next } = neighbours(doc, items[0]);
    if (next) items.push(next);
  }
  if (items.length !== 2) return "select two adjacent clips (or one, to use the clip after it)";
  const [a, b] = items;
  if (a.track !== b.track || a.start + a.frames !== b.start) return "a transition needs two clips that touch on one track";
  const n = Math.max(1, Math.min(frames, a.frames, b.frames));
  return {
    op: "add_transition",
    track: a.track,
    transition: { kind, from_clip: a.id, to_clip: b.id, duration: framesTime(doc, n), alignment: "center" },
  };
}

/** Playback speed after J/K/L: L speeds up forwards, J backwards, K stops (as in every NLE). */
export function shuttle(speed: number, key: "j" | "k" | "l"): number {
  if (key === "k") return 0;
  if (key === "l") return speed > 0 ? Math.min(speed * 2, 8) : 1;
  return speed < 0 ? Math.max(speed * 2, -8) : -1;
}
