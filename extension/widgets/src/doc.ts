// Applying the kernel's patches to the local copy of the timeline.
import { formatTimecode } from "./timecode";
import type { Doc, Patch } from "./types";
import { carryIndex, touchedTracks } from "./visible";

/** A new document with ``patch`` applied (the old one is left as it was; O(size of the document)). */
export function applyPatch(doc: Doc, patch: Patch): Doc {
  const copy: Doc = { ...doc, items: { ...doc.items }, transitions: { ...doc.transitions } };
  patchDoc(copy, patch, doc);
  return copy;
}

/**
 * Apply ``patch`` to ``doc`` in place, in time proportional to the patch (what the widget does on
 * each edit: copying a 10,000-clip document would cost more than drawing the change). The sorted
 * spans of the tracks the patch left alone are kept (src/visible.ts). ``before`` is the document
 * ``doc`` was a copy of, when it is one.
 */
export function patchDoc(doc: Doc, patch: Patch, before: Doc = doc): void {
  const dirty = touchedTracks(before, patch);
  const { items, transitions } = doc;
  for (const id of patch.removed_items) delete items[id];
  for (const id of patch.removed_transitions) delete transitions[id];
  for (const it of patch.items) items[it.id] = it;
  for (const [by, ids] of patch.moved ?? []) {
    for (const id of ids) {
      const it = items[id];
      if (it) items[id] = { ...it, start: it.start + by }; // a new object: ``before`` may share the old
    }
  }
  for (const tr of patch.transitions) transitions[tr.id] = tr;
  const byId = new Map(doc.tracks.map((t) => [t.id, t]));
  for (const id of patch.removed_tracks) byId.delete(id);
  for (const entry of patch.tracks) {
    const { items_splice: splice, ...t } = entry;
    const items = [...(t.items ?? byId.get(t.id)?.items ?? [])]; // a new list: ``before`` may share the old
    if (splice) items.splice(splice[0], splice[1], ...splice[2]);
    byId.set(t.id, { ...t, items });
  }
  const order = patch.order ?? doc.tracks.map((t) => t.id);
  doc.tracks = order.filter((id) => byId.has(id)).map((id) => byId.get(id)!);
  doc.rev = patch.rev;
  doc.duration = patch.duration;
  if (patch.markers) doc.markers = patch.markers;
  const splices = patch.marker_splices ?? [];
  if (splices.length) {
    const markers = [...doc.markers]; // a new list: ``before`` may share the old
    for (const [at, cut, put] of splices) markers.splice(at, cut, ...put);
    doc.markers = markers;
  }
  carryIndex(before, doc, dirty, patch.markers !== null || splices.length > 0);
}

/** Frames per second as a float, for display and clocks only. */
export function fps(doc: Doc): number {
  return doc.rate[0] / doc.rate[1];
}

/** SMPTE timecode of a frame as Python's ``RationalTime.to_timecode`` writes it (drop-frame as the kernel says). */
export function timecode(frame: number, doc: Doc): string {
  return formatTimecode(frame, doc.rate, doc.drop_frame);
}
