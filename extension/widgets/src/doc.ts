// Applying the kernel's patches to the local copy of the timeline.
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

/** SMPTE timecode of a frame, as Python's ``RationalTime.to_timecode``: drop-frame (``;``) at 29.97/59.94. */
export function timecode(frame: number, doc: Doc): string {
  const [num, den] = doc.rate;
  const nominal = Math.ceil(num / den);
  const drop = den === 1001 && (num === 30000 || num === 60000) ? (num === 30000 ? 2 : 4) : 0;
  let f = Math.abs(frame);
  if (drop) {
    const per10 = nominal * 600 - drop * 9;
    const perMin = nominal * 60 - drop;
    const tens = Math.floor(f / per10);
    const rem = f % per10;
    let extra = drop * 9 * tens;
    if (rem > drop) extra += drop * Math.floor((rem - drop) / perMin);
    f += extra;
  }
  const ff = f % nominal;
  const total = Math.floor(f / nominal);
  const pad = (n: number, w = 2) => String(n).padStart(w, "0");
  const sep = drop ? ";" : ":";
  const sign = frame < 0 ? "-" : "";
  return `${sign}${pad(Math.floor(total / 3600))}:${pad(Math.floor(total / 60) % 60)}:${pad(total % 60)}${sep}${pad(ff, nominal > 100 ? 3 : 2)}`;
}
