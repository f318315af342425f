// Which clips a key selects, and what a key asks of the kernel's clipboard: pure, so unit tested.
import { trackItems } from "./geometry";
import type { Doc } from "./types";

/** Every item on ``trackId`` (Ctrl/Cmd-A on a track). */
export function trackSelection(doc: Doc, trackId: string | null): string[] {
  const track = doc.tracks.find((t) => t.id === trackId);
  return track ? trackItems(doc, track).map((it) => it.id) : [];
}

/**
 * Items that end after ``frame`` (under the playhead or later): on ``trackId`` only, or on every
 * track when it is null (A, like Premiere's track select forward tool; Shift-A: one track).
 */
export function forwardSelection(doc: Doc, frame: number, trackId: string | null): string[] {
  const tracks = trackId === null ? doc.tracks : doc.tracks.filter((t) => t.id === trackId);
  return tracks.flatMap((t) => trackItems(doc, t).filter((it) => it.start + it.frames > frame).map((it) => it.id));
}

/** Frames a nudge key moves the selection: comma earlier, period later; with Shift, ten. */
export function nudgeFrames(key: string, shift: boolean): number | null {
  const step = shift ? 10 : 1;
  if (key === "," || key === "<") return -(key === "<" ? 10 : step);
  if (key === "." || key === ">") return key === ">" ? 10 : step;
  return null;
}

/**
 * The track a paste or Ctrl-A targets: the one last clicked, else the track of the first selected
 * item, else the lowest video track (null: none yet; the kernel then adds one).
 */
export function targetTrack(doc: Doc, clicked: string | null, selection: string[]): string | null {
  if (clicked && doc.tracks.some((t) => t.id === clicked)) return clicked;
  const first = selection.map((id) => doc.items[id]).find(Boolean);
  if (first) return first.track;
  return doc.tracks.find((t) => t.kind === "video")?.id ?? null;
}
