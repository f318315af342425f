// TimelineWidget front end: draws the kernel's timeline and turns gestures into operations.
import { fps, patchDoc, timecode } from "./doc";
import { itemElement, laneElements, rulerTicks, runElement } from "./draw";
import {
  DEFAULT_VIEW,
  fitZoom,
  frameToX,
  itemRect,
  rows,
  xToFrame,
  zoomAround,
  type Rect,
  type Row,
  type View,
} from "./geometry";
import { bindDrops } from "./drop";
import { DuckPanel } from "./duck";
import { deleteOps, splitOps, transitionOp } from "./gestures";
import { KeyframeLayer } from "./keyframe-layer";
import { KEY_HELP, onKey } from "./keys";
import { bytesOf, floatsOf, mediaKey, type MediaPreview } from "./media";
import { commit, el, listen, throttle, type WidgetModel } from "./model";
import { PointerInput } from "./pointer";
import { targetTrack } from "./selection";
import { SpeedPanel } from "./speed";
import { TitlePanel } from "./titles";
import type { CurveData, Doc, ItemView, Lane, Op, Patch, TimelineRequest, TransitionView, Untagged } from "./types";
import { groups, indexOf } from "./visible";

interface Drawn {
  el: HTMLElement;
  item: ItemView;
  key: string; // size, selection and thumbnail state it was drawn with
  x: number; // where it was placed
  y: number;
}

const MARGIN_PX = 50; // drawn beyond each side of the screen, so a small scroll shows no gap
const RUN_PX = 3; // clips narrower than this, side by side, are drawn as one run
const CANVAS_STEP = 1024; // a thumbnail canvas covers the screen's part of a clip in steps of this

export class TimelineView {
  doc: Doc | null = null;
  view: View = { ...DEFAULT_VIEW };
  fitted = false;
  media = new Map<string, MediaPreview>();
  requested = new Set<string>();
  loading = new Set<string>(); // media asked for whose thumbnails are not drawn yet (root: tl-media-loading)
  pointer: PointerInput;
  keys: KeyframeLayer;
  titles: TitlePanel;
  duck: DuckPanel;
  speed: SpeedPanel;
  seq = 0;
  viewId = Math.random().toString(36).slice(2); // replies to another view of this widget are not ours
  pending = new Map<number, Op[]>();
  clickedTrack: string | null = null; // the track last clicked: where pastes and Ctrl-A go
  raf = 0;
  clock = 0;
  root: HTMLElement;
  body: HTMLElement;
  items: HTMLElement;
  clips: HTMLElement;
  drawn = new Map<string, Drawn>();
  lanes: HTMLElement;
  ruler: HTMLElement;
  playheadEl: HTMLElement;
  inout: HTMLElement;
  box: HTMLElement;
  hscroll: HTMLElement;
  hinner: HTMLElement;
  message: HTMLElement;
  help: HTMLElement;
  tc: HTMLElement;
  messageTimer: ReturnType<typeof setTimeout> | null = null;
  savePlayhead: (f: number) => void;
  unbindDrops: () => void = () => undefined;

  constructor(
    readonly model: WidgetModel,
    host: HTMLElement,
  ) {
    this.root = el("div", "tl-root", host);
    this.root.tabIndex = 0;
    // keys are scoped in keys.ts (scopeKey): ours and plain typing stay here, Ctrl-S & co. reach JupyterLab
    const bar = el("div", "tl-toolbar", this.root);
    const button = (label: string, title: string, fn: () => void) => {
      const b = el("button", "tl-btn", bar) as HTMLButtonElement;
      b.textContent = label;
      b.title = title;
      b.dataset.action = label;
      b.addEventListener("click", () => {
        fn();
        this.root.focus();
      });
    };
    button("undo", "Undo (Ctrl/Cmd-Z)", () => this.send({ kind: "undo" }));
    button("redo", "Redo (Ctrl/Cmd-Shift-Z)", () => this.send({ kind: "redo" }));
    button("split", "Split at the playhead (S)", () => this.split());
    button("delete", "Delete, leaving a gap (Delete; Shift-Delete ripples)", () => this.remove(false));
    button("transition", "Dissolve between the selected clips (T)", () => this.transition());
    button("−", "Zoom out (-)", () => this.zoomBy(1 / 1.5));
    button("+", "Zoom in (+)", () => this.zoomBy(1.5));
    button("fit", "Fit the timeline (F)", () => this.fit());
    button("?", "Keyboard and mouse", () => this.help.classList.toggle("tl-open"));
    const kfBar = el("span", "tl-kf-bar", bar);
    const formBar = el("span", "tl-kf-bar", bar);
    this.tc = el("span", "tl-timecode", bar);
    this.message = el("span", "tl-message", bar);
    this.help = el("div", "tl-help", this.root);
    this.help.textContent = KEY_HELP;
    this.body = el("div", "tl-body", this.root);
    this.ruler = el("div", "tl-ruler", this.body);
    this.items = el("div", "tl-items", this.body);
    this.clips = el("div", "tl-clips", this.body);
    this.lanes = el("div", "tl-lanes", this.body);
    this.inout = el("div", "tl-inout", this.body);
    this.playheadEl = el("div", "tl-playhead", this.body);
    this.box = el("div", "tl-box", this.body);
    this.hscroll = el("div", "tl-hscroll", this.root);
    this.hinner = el("div", "tl-hinner", this.hscroll);
    this.keys = new KeyframeLayer(this, kfBar);
    this.titles = new TitlePanel(this, formBar);
    this.duck = new DuckPanel(this, formBar);
    this.speed = new SpeedPanel(this, formBar);
    this.pointer = new PointerInput(this);
    this.savePlayhead = throttle((f: number) => commit(this.model, { playhead: f }), 60);
    this.bind();
  }

  // --- kernel messages ------------------------------------------------------------------
  send(content: TimelineRequest, buffers?: ArrayBuffer[]): void {
    this.model.send(content, undefined, buffers);
  }

  /** Ask the kernel for an edit it builds (paste, nudge, drop...): answered by ``ack`` or ``refused``. */
  request(content: Untagged<TimelineRequest>, buffers?: ArrayBuffer[]): void {
    const seq = ++this.seq;
    this.pending.set(seq, []);
    this.root.classList.add("tl-busy");
    this.send({ ...content, seq, view: this.viewId } as TimelineRequest, buffers);
  }

  edit(ops: Op[]): void {
    if (!ops.length) return;
    const seq = ++this.seq;
    this.pending.set(seq, ops);
    this.root.classList.add("tl-busy");
    this.send({ kind: "edit", seq, view: this.viewId, ops });
  }

  onMessage(msg: any, buffers: unknown[]): void {
    if (msg.kind === "reset") {
      this.doc = msg.doc as Doc;
      if (!this.fitted) this.fit();
      this.draw();
    } else if (msg.kind === "patch" && this.doc) {
      patchDoc(this.doc, msg.patch as Patch); // in place: O(size of the patch)
      this.draw();
    } else if (msg.kind === "copied" && msg.view === this.viewId) {
      this.settle(msg.seq);
      this.flash(`copied ${msg.what}`, false);
      // the text form for other applications; refused without clipboard permission, which is fine
      navigator.clipboard?.writeText(String(msg.text)).catch(() => undefined);
    } else if (msg.kind === "ack" || msg.kind === "refused") {
      if (msg.view && msg.view !== this.viewId) {
        if (msg.kind === "refused") this.draw(); // another view's edit: its state is the model's
        return;
      }
      this.settle(msg.seq);
      if (msg.kind === "refused") {
        this.flash(String(msg.error), true);
        this.draw(); // back to the model's state
      }
    } else if (msg.kind === "ducked" && msg.view === this.viewId) {
      this.flash(`ducked ${msg.clips} clip(s)`, false);
    } else if (msg.kind === "curve") {
      this.keys.onCurve(msg as CurveData);
    } else if (msg.kind === "media") {
      this.receiveMedia(msg, buffers);
    }
  }

  settle(seq: number): void {
    this.pending.delete(seq);
    if (!this.pending.size) this.root.classList.remove("tl-busy");
  }

  /** Media ``path`` is on its way (``true``) or drawn (``false``): the root says so while any is. */
  mediaLoading(path: string, loading: boolean): void {
    if (loading) this.loading.add(path);
    else this.loading.delete(path);
    this.root.classList.toggle("tl-media-loading", this.loading.size > 0);
  }

  receiveMedia(msg: any, buffers: unknown[]): void {
    const preview: MediaPreview = {
      tiles: msg.tiles ?? [],
      strip: null,
      peaks: msg.has_peaks ? floatsOf(buffers[msg.has_strip ? 1 : 0]) : null,
      bucketSeconds: msg.bucket_seconds ?? 0,
      peaksStart: msg.peaks_start ?? 0,
    };
    const key = mediaKey(msg.media, msg.audio_stream);
    const previous = this.media.get(key)?.strip;
    if (previous instanceof HTMLImageElement && previous.src.startsWith("blob:")) URL.revokeObjectURL(previous.src);
    this.media.set(key, preview);
    if (msg.has_strip) {
      const blob = new Blob([bytesOf(buffers[0]) as BlobPart], { type: "image/jpeg" });
      const img = new Image();
      img.onload = () => {
        preview.strip = img;
        this.draw();
        this.mediaLoading(key, false);
      };
      img.onerror = () => this.mediaLoading(key, false);
      img.src = URL.createObjectURL(blob);
    }
    this.draw();
    if (!msg.has_strip) this.mediaLoading(key, false);
  }

  flash(text: string, error: boolean): void {
    this.message.textContent = text;
    this.message.classList.toggle("tl-error", error);
    if (this.messageTimer) clearTimeout(this.messageTimer);
    this.messageTimer = setTimeout(() => {
      this.message.textContent = "";
      this.message.classList.remove("tl-error");
    }, 8000);
  }

  // --- drawing --------------------------------------------------------------------------
  rowList(): Row[] {
    return this.doc ? rows(this.doc, this.view) : [];
  }

  fit(): void {
    if (!this.doc) return;
    const width = this.body.clientWidth || 900;
    this.view = { ...this.view, zoom: fitZoom(Math.max(this.doc.duration, 30), width, this.view), scroll: 0 };
    this.fitted = true;
    commit(this.model, { zoom: this.view.zoom });
    this.draw();
  }

  /** The kernel set ``zoom``: zoom around the playhead (our own changes are already applied). */
  onZoom(): void {
    const zoom: number = this.model.get("zoom");
    if (Math.abs(zoom - this.view.zoom) > 1e-9) this.zoomBy(zoom / this.view.zoom);
  }

  zoomBy(factor: number, anchorX?: number): void {
    const zoom = Math.max(0.05, Math.min(64, this.view.zoom * factor));
    const x = anchorX ?? frameToX(this.model.get("playhead") ?? 0, this.view);
    this.view = zoomAround(this.view, zoom, x);
    this.model.set("zoom", zoom);
    this.model.save_changes();
    this.draw();
  }

  /** Frames on screen (with a margin): what ``draw`` builds elements for. */
  visibleFrames(width: number): [number, number] {
    const v = this.view;
    return [(v.scroll - MARGIN_PX) / v.zoom, (v.scroll + width - v.header + MARGIN_PX) / v.zoom];
  }

  /**
   * Build what is on screen: only items, transitions, markers and lane spans within the visible
   * frames get elements (found by bisection, src/visible.ts), and clips too narrow to tell apart
   * are drawn as one run, so a draw costs the pixels on screen, not the size of the project.
   */
  draw(): void {
    const doc = this.doc;
    if (!doc) return;
    const v = this.view;
    const rl = this.rowList();
    const lanes: Lane[] = this.model.get("lanes") ?? [];
    const lanesTop = v.ruler + rl.length * v.rowHeight;
    const height = lanesTop + lanes.length * v.laneHeight + 4;
    this.body.style.height = `${height}px`;
    const width = this.body.clientWidth || 900;
    const selection = new Set<string>(this.model.get("selection") ?? []);
    const [f0, f1] = this.visibleFrames(width);
    const index = indexOf(doc);
    const target = this.target();
    this.drawRuler(doc, width);
    const frag = document.createDocumentFragment();
    const visible = new Set<string>();
    const shown: [ItemView, Row][] = [];
    for (const row of rl) {
      const r = el("div", `tl-row tl-${row.track.kind}`);
      r.style.top = `${row.y}px`;
      r.style.height = `${row.height}px`;
      r.dataset.track = row.track.id;
      const head = el("div", "tl-track-name", r);
      head.textContent = row.track.name || row.track.kind;
      if (row.track.kind === "audio") this.duck.headerButton(head, row.track.id);
      if (row.track.muted) r.classList.add("tl-muted");
      if (row.track.locked) r.classList.add("tl-locked");
      if (row.track.id === target) r.classList.add("tl-target");
      frag.appendChild(r);
      const items = index.items(row.track.id).within(f0, f1);
      for (const g of groups(items, (i) => i.start, (i) => i.start + i.frames, v.zoom, RUN_PX)) {
        if (g.count === 1) {
          visible.add(g.first.id);
          shown.push([g.first, row]);
          this.placeItem(g.first, itemRect(g.first, row, v), selection.has(g.first.id), width);
        } else {
          const selected = items.slice(g.index, g.index + g.count).some((i) => selection.has(i.id));
          frag.appendChild(runElement(g, row, v, selected));
        }
      }
      const transitions = index.transitions(row.track.id).within(f0, f1);
      for (const g of groups(transitions, (t) => t.start, (t) => t.start + t.frames, v.zoom, 3)) {
        frag.appendChild(this.transitionElement(g.first, row, g.count, selection.has(g.first.id)));
      }
    }
    for (const g of groups(index.markers().within(f0, f1), (m) => m.frame, (m) => m.frame + m.frames, v.zoom, 3)) {
      const m = g.first;
      const mk = el("div", "tl-marker");
      mk.dataset.id = m.id;
      mk.title = g.count > 1 ? `${g.count} markers from ${m.name}` : m.name;
      mk.style.left = `${frameToX(g.start, v)}px`;
      mk.style.width = `${Math.max(2, (g.end - g.start) * v.zoom)}px`;
      mk.style.background = m.color;
      frag.appendChild(mk);
    }
    this.items.replaceChildren(frag);
    for (const [id, d] of this.drawn) {
      if (!visible.has(id)) {
        d.el.remove();
        this.drawn.delete(id);
      }
    }
    this.lanes.replaceChildren(laneElements(lanes, lanesTop, v, f0, f1));
    const curveH = this.keys.draw(shown, f0, f1, height - 4, width);
    if (curveH) this.body.style.height = `${height + curveH}px`;
    this.drawPlayhead();
    this.titles.sync();
    const total = v.header + (doc.duration + 300) * v.zoom;
    this.hinner.style.width = `${total}px`;
    if (Math.abs(this.hscroll.scrollLeft - v.scroll) > 1) this.hscroll.scrollLeft = v.scroll;
  }

  /** A transition (or, where several are too close to tell apart, the first of them). */
  transitionElement(tr: TransitionView, row: Row, count: number, selected: boolean): HTMLElement {
    const v = this.view;
    const t = el("div", "tl-transition");
    t.dataset.id = tr.id;
    const what = count > 1 ? `${count} transitions from ${tr.kind}` : `${tr.kind}, ${tr.frames} frames`;
    t.title = what;
    t.style.left = `${frameToX(tr.start, v)}px`;
    t.style.width = `${Math.max(3, tr.frames * v.zoom)}px`;
    t.style.top = `${row.y + 2}px`;
    t.style.height = `${row.height - 4}px`;
    if (selected) t.classList.add("tl-selected");
    // a grip at its top selects it (Delete removes it); the rest lets clicks reach the clips' edges
    const grip = el("div", "tl-transition-grip", t);
    grip.dataset.transition = tr.id;
    grip.title = `${what} (click to select, Delete to remove)`;
    return t;
  }

  /**
   * Keep an item's element if nothing it shows changed (a patch redraws only what it touched; a
   * scroll only moves what stays on screen). Its thumbnail canvas covers the part on screen, in
   * steps of CANVAS_STEP px, so scrolling along a long clip redraws it once a step, not every pixel.
   */
  placeItem(item: ItemView, rect: Rect, selected: boolean, width = this.body.clientWidth || 900): void {
    const wanted = item.media ? mediaKey(item.media, item.audio_stream) : null;
    const preview = wanted ? this.media.get(wanted) : undefined;
    const lo = Math.max(0, Math.floor((this.view.header - MARGIN_PX - rect.x) / CANVAS_STEP) * CANVAS_STEP);
    const hi = Math.min(rect.w, Math.ceil((width + MARGIN_PX - rect.x) / CANVAS_STEP) * CANVAS_STEP);
    const span: [number, number] = [lo, Math.max(lo, hi)];
    const key = `${rect.w}|${rect.h}|${selected}|${preview ? (preview.strip ? 2 : 1) : 0}|${span[0]}|${span[1]}`;
    const old = this.drawn.get(item.id);
    if (old && old.item === item && old.key === key) {
      if (old.x !== rect.x || old.y !== rect.y) {
        old.el.style.left = `${rect.x}px`;
        old.el.style.top = `${rect.y}px`;
        old.x = rect.x;
        old.y = rect.y;
      }
      return;
    }
    if (item.media && wanted && !this.requested.has(wanted)) {
      this.requested.add(wanted);
      this.mediaLoading(wanted, true);
      const stream = item.audio_stream === undefined ? {} : { audio_stream: item.audio_stream };
      this.send({ kind: "media", media: item.media, ...stream });
    }
    const fresh = itemElement(item, rect, selected, preview, this.view.zoom, span);
    if (old) old.el.replaceWith(fresh);
    else this.clips.appendChild(fresh);
    this.drawn.set(item.id, { el: fresh, item, key, x: rect.x, y: rect.y });
  }

  /** Forget how an item was drawn (a drag moved its element), so the next draw rebuilds it. */
  invalidate(id: string): void {
    const d = this.drawn.get(id);
    if (d) d.key = "";
  }

  drawRuler(doc: Doc, width: number): void {
    const v = this.view;
    this.ruler.replaceChildren(rulerTicks(doc, v, width));
    const inP: number | null = this.model.get("in_point");
    const outP: number | null = this.model.get("out_point");
    if (inP !== null || outP !== null) {
      const a = inP ?? 0;
      const b = outP ?? doc.duration;
      this.inout.style.display = "block";
      this.inout.style.left = `${frameToX(a, v)}px`;
      this.inout.style.width = `${Math.max(1, (b - a) * v.zoom)}px`;
    } else {
      this.inout.style.display = "none";
    }
  }

  drawPlayhead(frame?: number): void {
    const f = frame ?? this.model.get("playhead") ?? 0;
    this.playheadEl.style.left = `${frameToX(f, this.view)}px`;
    if (this.doc) this.tc.textContent = `${timecode(f, this.doc)}  (${f})`;
  }

  // --- gestures -------------------------------------------------------------------------
  extraTargets(): (number | null)[] {
    return [this.model.get("playhead"), this.model.get("in_point"), this.model.get("out_point")];
  }

  rowOf(item: ItemView): Row | undefined {
    return this.rowList().find((r) => r.track.id === item.track);
  }

  setSelection(ids: string[]): void {
    commit(this.model, { selection: ids });
    this.draw();
  }

  bind(): void {
    this.body.addEventListener("pointerdown", (ev) => this.pointer.down(ev));
    this.body.addEventListener("contextmenu", (ev) => this.keys.contextMenu(ev));
    window.addEventListener("pointermove", this.pointer.onMove);
    window.addEventListener("pointerup", this.pointer.onUp);
    this.root.addEventListener("keydown", (ev) => onKey(this, ev));
    this.unbindDrops = bindDrops(this);
    this.body.addEventListener(
      "wheel",
      (ev) => {
        if (ev.ctrlKey || ev.metaKey) {
          ev.preventDefault();
          this.zoomBy(ev.deltaY < 0 ? 1.25 : 0.8, this.pointer.local(ev).x);
        } else if (ev.shiftKey || Math.abs(ev.deltaX) > Math.abs(ev.deltaY)) {
          ev.preventDefault();
          this.scrollTo(this.view.scroll + (ev.deltaX || ev.deltaY));
        }
      },
      { passive: false },
    );
    this.hscroll.addEventListener("scroll", () => {
      if (Math.abs(this.hscroll.scrollLeft - this.view.scroll) > 1) this.scrollTo(this.hscroll.scrollLeft);
    });
  }

  scrollTo(px: number): void {
    this.view = { ...this.view, scroll: Math.max(0, px) };
    this.draw();
  }

  node(id: string): HTMLElement | null {
    this.invalidate(id);
    return this.drawn.get(id)?.el ?? null;
  }

  scrub(x: number): void {
    const f = Math.min(xToFrame(x, this.view), Math.max(0, (this.doc?.duration ?? 1) - 1));
    this.model.set("playhead", f);
    this.drawPlayhead(f);
    this.savePlayhead(f);
  }

  setPlayhead(f: number): void {
    const end = Math.max(0, (this.doc?.duration ?? 1) - 1);
    const frame = Math.max(0, Math.min(end, f));
    commit(this.model, { playhead: frame });
    this.drawPlayhead(frame);
  }

  split(): void {
    if (!this.doc) return;
    const ops = splitOps(this.doc, this.model.get("playhead") ?? 0, this.model.get("selection") ?? []);
    if (!ops.length) this.flash("nothing under the playhead to split", true);
    this.edit(ops);
  }

  remove(ripple: boolean): void {
    if (!this.doc) return;
    const ops = deleteOps(this.doc, this.model.get("selection") ?? [], ripple);
    if (!ops.length) this.flash("select clips to delete", true);
    this.edit(ops);
    commit(this.model, { selection: [] });
  }

  transition(): void {
    if (!this.doc) return;
    const frames = Math.round(fps(this.doc) / 2);
    const op = transitionOp(this.doc, this.model.get("selection") ?? [], frames);
    if (typeof op === "string") this.flash(op, true);
    else this.edit([op]);
  }

  selection(): string[] {
    return this.model.get("selection") ?? [];
  }

  /** The track a paste or Ctrl-A goes to (``selection.ts``: clicked, else the selection's). */
  target(): string | null {
    return this.doc ? targetTrack(this.doc, this.clickedTrack, this.selection()) : null;
  }

  setSpeed(speed: number): void {
    commit(this.model, { playing: speed });
  }

  // --- playback when no preview drives the clock ----------------------------------------
  onPlaying(): void {
    cancelAnimationFrame(this.raf);
    const speed: number = this.model.get("playing") ?? 0;
    if (!speed || !this.doc || this.model.get("clock") !== "self") return;
    let last = performance.now();
    let frame: number = this.model.get("playhead") ?? 0;
    const tick = (now: number) => {
      if (!this.doc) return;
      frame += ((now - last) / 1000) * fps(this.doc) * speed;
      last = now;
      const end = this.doc.duration - 1;
      if (frame <= 0 || frame >= end) {
        this.setPlayhead(frame <= 0 ? 0 : end);
        commit(this.model, { playing: 0 });
        return;
      }
      this.model.set("playhead", Math.floor(frame));
      this.drawPlayhead(Math.floor(frame));
      this.savePlayhead(Math.floor(frame));
      this.raf = requestAnimationFrame(tick);
    };
    this.raf = requestAnimationFrame(tick);
  }

  dispose(): void {
    cancelAnimationFrame(this.raf);
    for (const m of this.media.values()) {
      if (m.strip instanceof HTMLImageElement && m.strip.src.startsWith("blob:")) URL.revokeObjectURL(m.strip.src);
    }
    window.removeEventListener("pointermove", this.pointer.onMove);
    window.removeEventListener("pointerup", this.pointer.onUp);
    this.unbindDrops();
  }
}

export default {
  render({ model, el: host }: { model: WidgetModel; el: HTMLElement }) {
    const view = new TimelineView(model, host);
    const redraw = () => view.draw();
    const stop = listen(model, {
      "msg:custom": (msg: any, buffers: unknown[]) => view.onMessage(msg, buffers),
      "change:selection": redraw,
      "change:lanes": redraw,
      "change:in_point": redraw,
      "change:out_point": redraw,
      "change:playhead": () => view.drawPlayhead(),
      "change:playing": () => view.onPlaying(),
      "change:zoom": () => view.onZoom(),
      "change:message": () => {
        const m = model.get("message");
        if (m) view.flash(m, true);
      },
    });
    const resize = new ResizeObserver(() => view.draw());
    resize.observe(host);
    model.send({ kind: "ready" });
    return () => {
      stop();
      resize.disconnect();
      view.dispose();
    };
  },
};
