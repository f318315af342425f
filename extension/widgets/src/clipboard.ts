// What the clipboard, nudge and selection keys ask: the kernel copies, pastes and moves (one undo
// step each, from its registered operations); the widget says which items, which track, which frame.
import { commit } from "./model";
import { forwardSelection, trackSelection } from "./selection";
import type { TimelineView } from "./timeline";

/** Ctrl/Cmd-C (or -X: the kernel copies, then lifts): the selection onto the kernel's clipboard. */
export function copy(t: TimelineView, cut: boolean): void {
  if (!t.selection().length) return t.flash("select clips or transitions to copy", true);
  t.request({ kind: cut ? "cut" : "copy", ids: t.selection() });
  if (cut) commit(t.model, { selection: [] });
}

/** Ctrl/Cmd-V (over what is there) or Ctrl/Cmd-Shift-V (insert): at the playhead on the target track. */
export function paste(t: TimelineView, mode: "overwrite" | "insert"): void {
  t.request({ kind: "paste", track: t.target(), frame: t.model.get("playhead") ?? 0, mode });
}

/** Ctrl/Cmd-Alt-V: the copied clip's effects, grade, transform, crop and opacity onto the selection. */
export function pasteAttributes(t: TimelineView): void {
  if (!t.selection().length) return t.flash("select the clips to paste attributes onto", true);
  t.request({ kind: "paste_attributes", ids: t.selection() });
}

/** Comma/period: the selection ``frames`` earlier or later (refused whole if something is in the way). */
export function nudge(t: TimelineView, frames: number): void {
  if (!t.selection().length) return t.flash("select clips to nudge", true);
  t.request({ kind: "nudge", ids: t.selection(), frames });
}

/** Ctrl/Cmd-A: every item of the target track. */
export function selectTrack(t: TimelineView): void {
  if (t.doc) t.setSelection(trackSelection(t.doc, t.target()));
}

/** A: every item from the playhead on (Shift-A: on the target track only). */
export function selectForward(t: TimelineView, oneTrack: boolean): void {
  if (!t.doc) return;
  const frame = t.model.get("playhead") ?? 0;
  t.setSelection(forwardSelection(t.doc, frame, oneTrack ? t.target() : null));
}
