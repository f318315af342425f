// Files dropped on the timeline. From JupyterLab's file browser the drag is Lumino's (lm-dragenter,
// lm-dragover, lm-drop events whose mimeData holds the selected paths under CONTENTS_MIME); from the
// desktop it is the browser's own (dataTransfer.files), whose bytes go to the kernel in chunks. The
// widget only says what and where: the kernel confines paths, probes, refuses or places the clips.
import { frameToX, rowAt, snap, snapTargets, xToFrame, type Row, type View } from "./geometry";
import type { TimelineView } from "./timeline";
import type { Doc } from "./types";

/** JupyterLab's file browser puts the dragged paths (relative to the server's root) under this type. */
export const CONTENTS_MIME = "application/x-jupyter-icontents";
/** Bytes per upload message (the server's websocket takes a few MB per message). */
export const CHUNK_BYTES = 2 * 1024 * 1024;

/** The part of a Lumino drag event the timeline reads (``@lumino/dragdrop``'s ``Drag.Event``). */
export interface LuminoDragEvent extends MouseEvent {
  mimeData: { hasData(mime: string): boolean; getData(mime: string): unknown };
  proposedAction: string;
  dropAction: string;
}

export interface DropPoint {
  track: string | null; // null: below the last track (the kernel adds one)
  frame: number;
}

/** Where a drop at (x, y) lands: the track row under it and the frame, snapped like other gestures. */
export function dropPoint(doc: Doc, rowList: Row[], view: View, x: number, y: number, extra: (number | null)[]): DropPoint {
  const row = rowAt(y, rowList);
  const last = rowList[rowList.length - 1];
  let track: string | null = row?.track.id ?? null;
  if (!row && last && y < last.y + last.height) track = rowList[0].track.id; // over the ruler: the top track
  const { frame } = snap(xToFrame(x, view), snapTargets(doc, new Set(), extra), view);
  return { track, frame };
}

/** The paths a file-browser drag carries ([] for any other drag: a cell, a tab). */
export function browserPaths(ev: LuminoDragEvent): string[] {
  if (!ev.mimeData?.hasData(CONTENTS_MIME)) return [];
  const data = ev.mimeData.getData(CONTENTS_MIME);
  return Array.isArray(data) ? data.filter((p): p is string => typeof p === "string") : [];
}

/** Send ``files`` to the kernel, one after another, in chunks; each is placed after the one before. */
export async function upload(t: TimelineView, files: File[], at: DropPoint): Promise<void> {
  const limit: number = t.model.get("upload_limit") ?? Infinity;
  const batch = Math.random().toString(36).slice(2);
  for (const [index, file] of files.entries()) {
    if (file.size > limit) {
      t.flash(`${file.name}: ${(file.size / 1e6).toFixed(1)} MB is over the upload limit of ${(limit / 1e6).toFixed(0)} MB`, true);
      continue;
    }
    const id = `${batch}-${index}`;
    for (let offset = 0; offset === 0 || offset < file.size; offset += CHUNK_BYTES) {
      const buffer = await file.slice(offset, offset + CHUNK_BYTES).arrayBuffer();
      const last = offset + CHUNK_BYTES >= file.size;
      const chunk = { kind: "upload", upload: id, batch, index, name: file.name, size: file.size, offset, last } as const;
      t.request({ ...chunk, track: at.track, frame: at.frame }, [buffer]);
      if (last) break;
    }
  }
}

/** Listen for drops on the timeline's body; returns the function that stops listening. */
export function bindDrops(t: TimelineView): () => void {
  const body = t.body;
  const line = body.appendChild(document.createElement("div"));
  line.className = "tl-drop-line";
  const at = (ev: MouseEvent): DropPoint | null => {
    if (!t.doc) return null;
    const { x, y } = t.pointer.local(ev);
    return dropPoint(t.doc, t.rowList(), t.view, x, y, t.extraTargets());
  };
  const show = (ev: MouseEvent | null) => {
    const point = ev && at(ev);
    body.classList.toggle("tl-drop-target", !!point);
    line.style.display = point ? "block" : "none";
    if (point) {
      line.style.left = `${frameToX(point.frame, t.view)}px`;
      line.style.top = "0";
      line.style.bottom = "0";
    }
  };
  const hasFiles = (ev: DragEvent) => !!ev.dataTransfer && [...ev.dataTransfer.types].includes("Files");
  const accept = (ev: Event) => {
    ev.preventDefault(); // ours: JupyterLab would otherwise open the file in a tab
    ev.stopPropagation();
  };
  const handlers: Record<string, (ev: any) => void> = {
    dragover: (ev: DragEvent) => {
      if (!hasFiles(ev)) return;
      accept(ev);
      ev.dataTransfer!.dropEffect = "copy";
      show(ev);
    },
    dragleave: () => show(null),
    drop: (ev: DragEvent) => {
      show(null);
      if (!hasFiles(ev)) return;
      accept(ev);
      const point = at(ev);
      const files = [...(ev.dataTransfer?.files ?? [])];
      if (point && files.length) void upload(t, files, point);
    },
    "lm-dragenter": (ev: LuminoDragEvent) => {
      if (browserPaths(ev).length) accept(ev);
    },
    "lm-dragover": (ev: LuminoDragEvent) => {
      if (!browserPaths(ev).length) return;
      accept(ev);
      ev.dropAction = ev.proposedAction;
      show(ev);
    },
    "lm-dragleave": () => show(null),
    "lm-drop": (ev: LuminoDragEvent) => {
      show(null);
      const paths = browserPaths(ev);
      const point = at(ev);
      if (!paths.length || !point) return;
      accept(ev);
      ev.dropAction = ev.proposedAction; // "move" is all the file browser offers; nothing is moved
      t.request({ kind: "drop", paths, track: point.track, frame: point.frame });
    },
  };
  for (const [name, fn] of Object.entries(handlers)) body.addEventListener(name, fn);
  return () => {
    for (const [name, fn] of Object.entries(handlers)) body.removeEventListener(name, fn);
  };
}
