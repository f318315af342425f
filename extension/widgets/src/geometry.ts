// Timeline geometry: frames <-> pixels, track rows, snapping, hit tests. Pure, so it is unit tested.
import type { Doc, ItemView, TrackKind, TrackView } from "./types";
import { bisect, indexOf } from "./visible";

export interface View {
  zoom: number; // pixels per frame
  scroll: number; // pixels scrolled from frame 0
  header: number; // width of the track-name column
  ruler: number; // height of the time ruler
  rowHeight: number;
  laneHeight: number;
}

export const DEFAULT_VIEW: View = { zoom: 4, scroll: 0, header: 96, ruler: 22, rowHeight: 56, laneHeight: 18 };

export interface Row {
  track: TrackView;
  y: number;
  height: number;
}

/** The x pixel of a frame's left edge. */
export function frameToX(frame: number, view: View): number {
  return view.header + frame * view.zoom - view.scroll;
}

/** The frame under pixel ``x`` (rounded to the nearest frame boundary). */
export function xToFrame(x: number, view: View): number {
  return Math.max(0, Math.round((x - view.header + view.scroll) / view.zoom));
}

/**
 * Where each kind of track sits, top to bottom: subtitles over the pictures, sound below. A kind the
 * project schema gains fails the typecheck here until it has a place.
 */
const ROW_GROUP: Record<TrackKind, number> = { subtitle: 0, video: 1, audio: 2 };

/** Track rows top to bottom: subtitle then video tracks with the topmost (last) first, then audio tracks. */
export function rows(doc: Doc, view: View): Row[] {
  const order = doc.tracks.map((track, i) => ({ track, key: ROW_GROUP[track.kind] ?? 3, i }));
  order.sort((a, b) => a.key - b.key || (a.key < ROW_GROUP.audio ? b.i - a.i : a.i - b.i));
  return order.map(({ track }, i) => ({
    track,
    y: view.ruler + i * view.rowHeight,
    height: view.rowHeight,
  }));
}

/** The row under pixel ``y``, or null above/below the tracks. */
export function rowAt(y: number, rowList: Row[]): Row | null {
  return rowList.find((r) => y >= r.y && y < r.y + r.height) ?? null;
}

export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** Where an item is drawn. */
export function itemRect(item: ItemView, row: Row, view: View): Rect {
  return { x: frameToX(item.start, view), y: row.y + 2, w: Math.max(1, item.frames * view.zoom), h: row.height - 4 };
}

/** Items whose drawn rectangle meets ``rect`` (box selection). */
export function itemsInRect(doc: Doc, rowList: Row[], view: View, rect: Rect): string[] {
  const x0 = Math.min(rect.x, rect.x + rect.w);
  const x1 = Math.max(rect.x, rect.x + rect.w);
  const y0 = Math.min(rect.y, rect.y + rect.h);
  const y1 = Math.max(rect.y, rect.y + rect.h);
  // frames a little wider than the box (items are at least 1 px wide), then the exact test
  const f0 = (x0 - view.header + view.scroll) / view.zoom - 1 / view.zoom;
  const f1 = (x1 - view.header + view.scroll) / view.zoom + 1;
  const hits: string[] = [];
  for (const row of rowList) {
    if (row.y + 2 >= y1 || row.y + row.height - 2 <= y0) continue;
    for (const item of indexOf(doc).items(row.track.id).within(f0, f1)) {
      const r = itemRect(item, row, view);
      if (r.x < x1 && r.x + r.w > x0 && r.y < y1 && r.y + r.h > y0) hits.push(item.id);
    }
  }
  return hits;
}

export type Zone = "in" | "out" | "body";

/** Which part of an item a pointer at ``x`` grabs: an edge (within ``grip`` px) or the body. */
export function zoneAt(x: number, rect: Rect, grip = 6): Zone {
  const g = Math.min(grip, rect.w / 3);
  if (x - rect.x <= g) return "in";
  if (rect.x + rect.w - x <= g) return "out";
  return "body";
}

let lastTargets: { doc: Doc; rev: number; key: string; targets: number[] } | null = null;

/** Frames an edit may snap to: every item edge (except the moving items'), the playhead, in/out (sorted). */
export function snapTargets(doc: Doc, exclude: Set<string>, extra: (number | null)[]): number[] {
  // a drag asks on every pointer move with the same arguments: made once per drag, not per step
  const key = JSON.stringify([[...exclude], extra]);
  const same = lastTargets && lastTargets.doc === doc && lastTargets.rev === doc.rev && lastTargets.key === key;
  if (same) return lastTargets!.targets;
  const out = new Set<number>();
  for (const it of Object.values(doc.items)) {
    if (exclude.has(it.id)) continue;
    out.add(it.start);
    out.add(it.start + it.frames);
  }
  for (const f of extra) if (f !== null && f >= 0) out.add(f);
  const targets = [...out].sort((a, b) => a - b);
  lastTargets = { doc, rev: doc.rev, key, targets };
  return targets;
}

/** ``frame`` moved to the nearest target (sorted) within ``thresholdPx`` pixels, or left where it is. */
export function snap(frame: number, targets: number[], view: View, thresholdPx = 8): { frame: number; snapped: boolean } {
  let best = frame;
  let dist = Infinity;
  const i = bisect(targets, frame);
  for (const t of [targets[i - 1], targets[i]]) {
    if (t === undefined) continue;
    const d = Math.abs(t - frame) * view.zoom;
    if (d <= thresholdPx && d < dist) {
      best = t;
      dist = d;
    }
  }
  return { frame: best, snapped: dist !== Infinity };
}

/** The zoom that fits ``frames`` into ``width`` pixels of timeline. */
export function fitZoom(frames: number, width: number, view: View): number {
  return Math.max(0.05, Math.min(64, (width - view.header - 16) / Math.max(1, frames)));
}

/** A new scroll that keeps frame ``anchor`` under the same pixel while zooming to ``zoom``. */
export function zoomAround(view: View, zoom: number, anchorX: number): View {
  const frame = (anchorX - view.header + view.scroll) / view.zoom;
  const scroll = Math.max(0, frame * zoom - (anchorX - view.header));
  return { ...view, zoom, scroll };
}

/** Items of a track in timeline order. */
export function trackItems(doc: Doc, track: TrackView): ItemView[] {
  return indexOf(doc).items(track.id).sorted;
}

/** The item of ``track`` covering ``frame``, if any. */
export function itemAt(doc: Doc, track: TrackView, frame: number): ItemView | null {
  const hits = indexOf(doc).items(track.id).within(frame, frame + 1);
  return hits.find((it) => it.start <= frame && frame < it.start + it.frames) ?? null;
}

/** Neighbours of an item on its track: the items just before and after it. */
export function neighbours(doc: Doc, item: ItemView): { prev: ItemView | null; next: ItemView | null } {
  const spans = indexOf(doc).items(item.track);
  const i = spans.indexOf(doc.items[item.id] ?? item, item.start);
  if (i < 0) return { prev: null, next: null };
  const list = spans.sorted;
  return { prev: i > 0 ? list[i - 1] : null, next: i + 1 < list.length ? list[i + 1] : null };
}
