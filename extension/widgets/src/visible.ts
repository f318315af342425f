// What meets the visible frames: spans kept sorted with the running reach of their ends, so a draw,
// a hit test or a snap costs O(log n) plus what is on screen, not the size of the project.
import type { Doc, ItemView, MarkerView, Patch, TransitionView } from "./types";

/** Spans sorted by start; ``within`` finds those meeting a frame range in O(log n + found). */
export class SpanIndex<T> {
  readonly sorted: T[];
  private readonly starts: Float64Array;
  private readonly ends: Float64Array;
  private readonly reach: Float64Array; // running max of ends: non-decreasing, so it bisects

  constructor(spans: T[], startOf: (t: T) => number, endOf: (t: T) => number) {
    this.sorted = [...spans].sort((a, b) => startOf(a) - startOf(b));
    const n = this.sorted.length;
    this.starts = new Float64Array(n);
    this.ends = new Float64Array(n);
    this.reach = new Float64Array(n);
    let reach = -Infinity;
    this.sorted.forEach((t, i) => {
      this.starts[i] = startOf(t);
      this.ends[i] = Math.max(startOf(t), endOf(t));
      reach = Math.max(reach, this.ends[i]);
      this.reach[i] = reach;
    });
  }

  get length(): number {
    return this.sorted.length;
  }

  /** Spans with start < ``to`` and end >= ``from`` (a span ending at ``from`` touches it), by start. */
  within(from: number, to: number): T[] {
    const hi = bisect(this.starts, to);
    const out: T[] = [];
    for (let i = bisect(this.reach, from); i < hi; i++) if (this.ends[i] >= from) out.push(this.sorted[i]);
    return out;
  }

  /** Position of ``t`` in start order, or -1. */
  indexOf(t: T, start: number): number {
    for (let i = bisect(this.starts, start); i < this.sorted.length && this.starts[i] === start; i++) {
      if (this.sorted[i] === t) return i;
    }
    return this.sorted.indexOf(t);
  }
}

/** First index whose value is >= ``x`` in a non-decreasing array. */
export function bisect(values: ArrayLike<number>, x: number): number {
  let lo = 0;
  let hi = values.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (values[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

interface TrackSpans {
  items: SpanIndex<ItemView>;
  transitions: SpanIndex<TransitionView>;
}

/** The sorted spans of one document: per track its items and transitions, and the markers. Built lazily. */
export class DocIndex {
  private readonly tracks = new Map<string, TrackSpans>();
  private markerSpans: SpanIndex<MarkerView> | null = null;

  constructor(readonly doc: Doc) {}

  private track(id: string): TrackSpans {
    let spans = this.tracks.get(id);
    if (!spans) {
      const track = this.doc.tracks.find((t) => t.id === id);
      const items = (track?.items ?? []).map((i) => this.doc.items[i]).filter((i) => i !== undefined);
      const transitions = (track?.transitions ?? []).map((i) => this.doc.transitions[i]).filter((t) => t !== undefined);
      spans = {
        items: new SpanIndex(items, (i) => i.start, (i) => i.start + i.frames),
        transitions: new SpanIndex(transitions, (t) => t.start, (t) => t.start + t.frames),
      };
      this.tracks.set(id, spans);
    }
    return spans;
  }

  /** Items of a track in timeline order. */
  items(trackId: string): SpanIndex<ItemView> {
    return this.track(trackId).items;
  }

  transitions(trackId: string): SpanIndex<TransitionView> {
    return this.track(trackId).transitions;
  }

  markers(): SpanIndex<MarkerView> {
    this.markerSpans ??= new SpanIndex(this.doc.markers, (m) => m.frame, (m) => m.frame + m.frames);
    return this.markerSpans;
  }

  /** The index of ``next`` (this document with a patch applied), keeping the tracks not ``dirty``. */
  patched(next: Doc, dirty: Set<string>, markersChanged: boolean): DocIndex {
    const out = new DocIndex(next);
    for (const [id, spans] of this.tracks) if (!dirty.has(id)) out.tracks.set(id, spans);
    if (!markersChanged) out.markerSpans = this.markerSpans;
    return out;
  }
}

/** Tracks whose items or transitions ``patch`` changes, as ``doc`` (before the patch) and the patch say. */
export function touchedTracks(doc: Doc, patch: Patch): Set<string> {
  const dirty = new Set(patch.tracks.map((t) => t.id));
  for (const id of patch.removed_tracks) dirty.add(id);
  for (const it of patch.items) dirty.add(it.track).add(doc.items[it.id]?.track ?? it.track);
  for (const id of patch.removed_items) dirty.add(doc.items[id]?.track ?? "");
  for (const [, ids] of patch.moved ?? []) for (const id of ids) dirty.add(doc.items[id]?.track ?? "");
  for (const tr of patch.transitions) dirty.add(tr.track).add(doc.transitions[tr.id]?.track ?? tr.track);
  for (const id of patch.removed_transitions) dirty.add(doc.transitions[id]?.track ?? "");
  return dirty;
}

const INDEXES = new WeakMap<Doc, DocIndex>();

/** The index of a document (kept current by ``applyPatch`` and ``patchDoc``, the only changes made to one). */
export function indexOf(doc: Doc): DocIndex {
  let index = INDEXES.get(doc);
  if (!index) {
    index = new DocIndex(doc);
    INDEXES.set(doc, index);
  }
  return index;
}

/** Give ``next`` (``prev`` patched, or ``prev`` itself changed in place) an index made from ``prev``'s. */
export function carryIndex(prev: Doc, next: Doc, dirty: Set<string>, markersChanged: boolean): void {
  const index = INDEXES.get(prev);
  if (index) INDEXES.set(next, index.patched(next, dirty, markersChanged));
  else if (prev === next) INDEXES.delete(next);
}

/** A run of spans drawn as one: a span wide enough alone, or narrow neighbours merged. */
export interface Group<T> {
  first: T;
  index: number; // of ``first`` in the spans given: the group is spans[index, index + count)
  count: number;
  start: number; // frames
  end: number;
}

/**
 * Spans (sorted by start) as they can be told apart at ``zoom`` px per frame: each on its own where it
 * is at least ``minPx`` wide; narrow ones closer than ``minPx`` to each other merged into one group.
 * Bounds what is drawn by the pixels on screen (10,000 clips fitted into 1,300 px are ~650 groups).
 */
export function groups<T>(
  spans: T[],
  startOf: (t: T) => number,
  endOf: (t: T) => number,
  zoom: number,
  minPx: number,
): Group<T>[] {
  const out: Group<T>[] = [];
  let open: Group<T> | null = null; // the last group, while it holds only narrow spans
  for (let i = 0; i < spans.length; i++) {
    const t = spans[i];
    const start = startOf(t);
    const end = Math.max(start, endOf(t));
    const narrow = (end - start) * zoom < minPx;
    if (narrow && open && (start - open.end) * zoom < minPx) {
      open.count += 1;
      open.end = Math.max(open.end, end);
      continue;
    }
    const g: Group<T> = { first: t, index: i, count: 1, start, end };
    out.push(g);
    open = narrow ? g : null;
  }
  return out;
}
