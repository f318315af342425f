// Keyboard shortcuts of the timeline, as in desktop editors.
import { commit, scopeKey } from "./model";
import { shuttle, toggleEnabledOps } from "./gestures";
import { copy, nudge, paste, pasteAttributes, selectForward, selectTrack } from "./clipboard";
import { nudgeFrames } from "./selection";
import type { TimelineView } from "./timeline";

/** What the ? button shows: every key and gesture of the timeline. */
export const KEY_HELP = [
  "Space play/stop · J K L shuttle · ←/→ frame (Shift: 10) · Home/End · I/O in/out · M marker",
  "S split · Delete lift (Shift: ripple) · T dissolve · E enable/disable · +/− zoom · F fit · Esc deselect",
  "Ctrl/Cmd-C copy · Ctrl/Cmd-X cut · Ctrl/Cmd-V paste over (overwrite) · Ctrl/Cmd-Shift-V paste insert (ripple) · Ctrl/Cmd-Alt-V paste attributes",
  ", . nudge the selection one frame (Shift: 10) · Ctrl/Cmd-A all clips on the track · A all from the playhead on (Shift-A: this track)",
  "Keyframes (property menu): Alt-click a clip or Shift-K at the playhead keys it · click/drag a diamond · Delete removes · right-click: interpolation · curve: the selected clip's curve · Alt-click the gain line on a waveform adds a point, drag points up/down",
  "title…: place a template at the playhead · select a title: its inspector (each change one undo step) · duck…/a sound track's duck: music under dialogue · speed…: constant speed of the selection (ramps: speed in the property menu)",
  "Drag: move (Alt: duplicate) · edges: trim (Ctrl: ripple, Alt: roll) · Ctrl-wheel zoom · drop files from the file browser or the desktop",
].join("\n");

/** Handle a key pressed in the timeline (NLE shortcuts); see ``scopeKey`` for what reaches JupyterLab. */
export function onKey(t: TimelineView, ev: KeyboardEvent): void {
  const k = ev.key.toLowerCase();
  const mod = ev.ctrlKey || ev.metaKey;
  // Alt changes ev.key on a Mac (Alt-V is "√"): then the physical key; else the layout's letter
  const letter = ev.altKey && ev.code.startsWith("Key") ? ev.code.slice(3).toLowerCase() : k;
  const step = nudgeFrames(ev.key, ev.shiftKey);
  let handled = true;
  if (mod && k === "z") t.send({ kind: ev.shiftKey ? "redo" : "undo" });
  else if (mod && k === "y") t.send({ kind: "redo" });
  else if (mod && letter === "c" && !ev.shiftKey) copy(t, false);
  else if (mod && letter === "x") copy(t, true);
  else if (mod && letter === "v" && ev.altKey) pasteAttributes(t);
  else if (mod && letter === "v") paste(t, ev.shiftKey ? "insert" : "overwrite");
  else if (mod && letter === "a") selectTrack(t);
  else if (mod) handled = false;
  else if (step !== null) nudge(t, step);
  else if (k === "a") selectForward(t, ev.shiftKey);
  else if (k === "s") t.split();
  else if ((k === "delete" || k === "backspace") && t.keys.removeSelected()) handled = true;
  else if (k === "delete" || k === "backspace") t.remove(ev.shiftKey);
  else if (k === "t") t.transition();
  else if (k === "e" && t.doc) t.edit(toggleEnabledOps(t.doc, t.model.get("selection") ?? []));
  else if (k === "m") t.send({ kind: "marker", frame: t.model.get("playhead") ?? 0 });
  else if (k === "k" && ev.shiftKey) t.keys.keyAtPlayhead();
  else if (k === "j" || k === "k" || k === "l") t.setSpeed(shuttle(t.model.get("playing") ?? 0, k));
  else if (k === " ") t.setSpeed((t.model.get("playing") ?? 0) === 0 ? 1 : 0);
  else if (k === "i") commit(t.model, { in_point: t.model.get("playhead") });
  else if (k === "o") commit(t.model, { out_point: t.model.get("playhead") });
  else if (k === "arrowleft") t.setPlayhead((t.model.get("playhead") ?? 0) - (ev.shiftKey ? 10 : 1));
  else if (k === "arrowright") t.setPlayhead((t.model.get("playhead") ?? 0) + (ev.shiftKey ? 10 : 1));
  else if (k === "home") t.setPlayhead(0);
  else if (k === "end") t.setPlayhead((t.doc?.duration ?? 1) - 1);
  else if (k === "+" || k === "=") t.zoomBy(1.5);
  else if (k === "-") t.zoomBy(1 / 1.5);
  else if (k === "f") t.fit();
  else if (k === "escape") t.setSelection([]);
  else handled = false;
  scopeKey(ev, handled);
  t.draw();
}
