// The media bin's pure pieces: what a tile says, which filmstrip tile the pointer picks, what a key
// does in the source viewer. No edit logic: the kernel checks marks and applies insert/overwrite.
import { formatTimecode, type Rate } from "./timecode";

/** One tile's facts as the kernel sends them (timeline_lab/widgets/_bin_items.py BinItem.to_json). */
export interface BinItem {
  path: string;
  name: string;
  kind: "video" | "audio" | "still" | "error";
  frames: number;
  tc_rate: [number, number];
  fps: string;
  width: number;
  height: number;
  codec: string;
  audio: string;
  bytes: number;
  error: string;
  used: boolean;
}

/** A filmstrip tile: the source frame it shows and where it sits in the sprite. */
export interface StripTile {
  frame: number;
  x: number;
  y: number;
  w: number;
  h: number;
}

/** Human file size: ``512 B``, ``1.4 MB``. */
export function formatBytes(n: number): string {
  const units = ["B", "kB", "MB", "GB", "TB"];
  let i = 0;
  let v = n;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return i === 0 ? `${n} B` : `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

/** The lines under a tile: duration as timecode, then size, fps, codec and audio (or the error). */
export function tileFacts(item: BinItem): string[] {
  if (item.kind === "error") return [item.error];
  const picture = item.width ? `${item.width}×${item.height}` : "";
  if (item.kind === "still") return ["still", [picture, item.codec].filter(Boolean).join(" · ")];
  const first = [formatTimecode(item.frames, item.tc_rate), item.fps ? `${item.fps} fps` : ""];
  const second = [picture, item.codec, item.audio || (item.kind === "video" ? "no audio" : "")];
  return [first.filter(Boolean).join(" · "), second.filter(Boolean).join(" · ")];
}

/** Index of the filmstrip tile the pointer at ``x`` of a ``width``-pixel tile shows (0..count-1). */
export function scrubTile(x: number, width: number, count: number): number {
  if (count <= 0 || width <= 0) return -1;
  return Math.min(count - 1, Math.max(0, Math.floor((x / width) * count)));
}

/** Media time in the middle of source frame ``frame`` (a seek there shows that frame). */
export function timeOfFrame(frame: number, rate: Rate): number {
  return ((frame + 0.5) * rate[1]) / rate[0];
}

/** Source frame on screen at media time ``t``. */
export function frameAtTime(t: number, rate: Rate): number {
  return Math.floor((t * rate[0]) / rate[1] + 1e-6);
}

/** What the viewer holds: its position, frame count, step, and the marks. */
export interface ViewerState {
  frame: number;
  frames: number;
  step: number;
  markIn: number | null;
  markOut: number | null;
}

export type ViewerAction =
  | { kind: "seek"; frame: number }
  | { kind: "mark"; markIn: number | null; markOut: number | null }
  | { kind: "play"; speed: number }
  | { kind: "edit"; mode: "insert" | "overwrite" }
  | { kind: "close" }
  | null;

/** The viewer's keys: I/O mark, Alt-I/Alt-O/X clear, J/K/L and arrows step (Shift: ten steps),
 *  Home/End jump, space plays, ``,`` inserts, ``.`` overwrites, Escape closes. */
export function viewerKey(key: string, s: ViewerState, mods: { shift?: boolean; alt?: boolean } = {}): ViewerAction {
  const last = Math.max(0, s.frames - 1);
  const seek = (f: number): ViewerAction => ({ kind: "seek", frame: Math.min(last, Math.max(0, f)) });
  const n = (mods.shift ? 10 : 1) * s.step;
  switch (key.toLowerCase()) {
    case "i":
      return mods.alt ? { kind: "mark", markIn: null, markOut: s.markOut } : { kind: "mark", markIn: s.frame, markOut: s.markOut !== null && s.markOut < s.frame ? null : s.markOut };
    case "o":
      return mods.alt ? { kind: "mark", markIn: s.markIn, markOut: null } : { kind: "mark", markIn: s.markIn !== null && s.markIn > s.frame ? null : s.markIn, markOut: s.frame };
    case "x":
      return { kind: "mark", markIn: null, markOut: null };
    case "j":
    case "arrowleft":
      return seek(s.frame - n);
    case "l":
    case "arrowright":
      return seek(s.frame + n);
    case "k":
      return { kind: "play", speed: 0 };
    case " ":
      return { kind: "play", speed: -1 }; // toggle
    case "home":
      return seek(s.markIn ?? 0);
    case "end":
      return seek(s.markOut ?? last);
    case ",":
      return { kind: "edit", mode: "insert" };
    case ".":
      return { kind: "edit", mode: "overwrite" };
    case "escape":
      return { kind: "close" };
    default:
      return null;
  }
}

/** The marked span as inclusive frames (defaults: the first and the last frame) and its length. */
export function markedSpan(s: ViewerState): { first: number; last: number; count: number } {
  const first = s.markIn ?? 0;
  const last = s.markOut ?? Math.max(0, s.frames - 1);
  return { first, last, count: Math.max(0, last - first + 1) };
}
