// Applying the kernel's patches to the local copy of the timeline.
import { formatTimecode } from "./timecode";
import type { Doc, Patch } from "./types";

/** A new document with ``patch`` applied (the old one is left as it was). */
export function applyPatch(doc: Doc, patch: Patch): Doc {
  const items = { ...doc.items };
  const transitions = { ...doc.transitions };
  for (const id of patch.removed_items) delete items[id];
  for (const id of patch.removed_transitions) delete transitions[id];
  for (const it of patch.items) items[it.id] = it;
  for (const tr of patch.transitions) transitions[tr.id] = tr;
  const byId = new Map(doc.tracks.map((t) => [t.id, t]));
  for (const id of patch.removed_tracks) byId.delete(id);
  for (const t of patch.tracks) byId.set(t.id, t);
  const order = patch.order ?? doc.tracks.map((t) => t.id);
  const tracks = order.filter((id) => byId.has(id)).map((id) => byId.get(id)!);
  return {
    rev: patch.rev,
    rate: doc.rate,
    drop_frame: doc.drop_frame,
    duration: patch.duration,
    tracks,
    items,
    transitions,
    markers: patch.markers ?? doc.markers,
  };
}

/** Frames per second as a float, for display and clocks only. */
export function fps(doc: Doc): number {
  return doc.rate[0] / doc.rate[1];
}

/** SMPTE timecode of a frame as Python's ``RationalTime.to_timecode`` writes it (drop-frame as the kernel says). */
export function timecode(frame: number, doc: Doc): string {
  return formatTimecode(frame, doc.rate, doc.drop_frame);
}
