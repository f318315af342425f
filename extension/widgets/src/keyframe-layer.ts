// Keyframe gestures on the timeline: select, drag and delete diamonds, Alt-click or Shift-K to key,
// a menu for interpolation, the curve panel, and the gain envelope. Edits are the registered
// keyframe ops (one undo step each); a new keyframe's value is the kernel's evaluation.
import { CURVE_HEIGHT, curvePanel, curveValue, curveY, diamondElements, envelopeElements, gainY, waveBand } from "./keyframe-draw";
import { ALL, clampValue, dragFrame, editOps, ENVELOPE_MAX, INTERPS, interpOps, PROPERTIES, removeOps, valueAt } from "./keyframes";
import { frameToX, itemRect, type Row } from "./geometry";
import { el } from "./model";
import type { CurveData, Interp, ItemView } from "./types";
import type { TimelineView } from "./timeline";

interface KDrag {
  kind: "diamond" | "env" | "curve";
  item: ItemView;
  prop: string;
  frame: number;
  node: HTMLElement;
  x0: number;
  y0: number;
  left0: number;
  top0: number;
  moved: boolean;
  to: number;
  value: number | null;
}

interface Selected {
  item: string;
  prop: string;
  frames: number[];
}

export class KeyframeLayer {
  prop = "opacity";
  curveOpen = false;
  selected: Selected | null = null;
  curve: CurveData | null = null;
  asked: { view: ItemView; prop: string; a: number; b: number } | null = null;
  drag: KDrag | null = null;
  curveTop = 0;
  layer: HTMLElement;
  menu: HTMLElement;
  select: HTMLSelectElement;

  constructor(
    private t: TimelineView,
    bar: HTMLElement,
  ) {
    this.select = el("select", "tl-kf-prop", bar) as HTMLSelectElement;
    this.select.title = "Keyframed property shown on the clips (Alt-click and Shift-K key it)";
    for (const p of [ALL, ...PROPERTIES]) this.option(p);
    this.select.value = this.prop;
    this.select.addEventListener("change", () => {
      this.prop = this.select.value;
      this.selected = null;
      t.draw();
    });
    const b = el("button", "tl-btn", bar) as HTMLButtonElement;
    b.textContent = "curve";
    b.dataset.action = "curve";
    b.title = "Curve of the chosen property of the selected clip";
    b.addEventListener("click", () => {
      this.curveOpen = !this.curveOpen;
      b.classList.toggle("tl-on", this.curveOpen);
      t.draw();
      t.root.focus();
    });
    this.layer = el("div", "tl-kfs", t.body);
    this.menu = el("div", "tl-kf-menu", t.root);
  }

  option(p: string): void {
    const o = document.createElement("option");
    o.value = p;
    o.textContent = p === ALL ? "all keyframes" : p;
    this.select.appendChild(o);
  }

  /** A property chosen for Alt-click and Shift-K on ``item`` (with "all": opacity, volume on sound). */
  keyProp(item: ItemView): string {
    return this.prop !== ALL ? this.prop : item.has_video ? "opacity" : "volume";
  }

  /** The clip the curve panel shows: the one selected clip, when a property is chosen. */
  curveItem(): ItemView | null {
    const sel = this.t.selection();
    if (!this.curveOpen || this.prop === ALL || sel.length !== 1 || !this.t.doc) return null;
    const item = this.t.doc.items[sel[0]];
    return item && item.type !== "sequence" ? item : null;
  }

  /** Draw diamonds, envelopes and the curve panel (at ``top``); returns the panel's height. */
  draw(shown: [ItemView, Row][], f0: number, f1: number, top: number, width: number): number {
    const v = this.t.view;
    const frag = document.createDocumentFragment();
    const sel = this.selected;
    for (const [item, row] of shown) {
      for (const p of Object.keys(item.keyframes ?? {})) if (!this.select.querySelector(`option[value="${CSS.escape(p)}"]`)) this.option(p);
      const rect = itemRect(item, row, v);
      if (item.has_audio && item.type === "clip" && rect.w >= 6) for (const e of envelopeElements(item, rect, v, f0, f1)) frag.appendChild(e);
      const isSel = (prop: string, frame: number) => sel?.item === item.id && sel.prop === prop && sel.frames.includes(frame);
      for (const d of diamondElements(item, rect, this.prop, v, f0, f1, isSel)) frag.appendChild(d);
    }
    const item = this.curveItem();
    this.curveTop = top;
    if (item) {
      this.ask(item, f0, f1);
      frag.appendChild(curvePanel(item, this.curve, top, width, v, f0, f1));
    }
    this.layer.replaceChildren(frag);
    return item ? CURVE_HEIGHT : 0;
  }

  /** Ask the kernel for the curve over the visible frames (and as much again each side) when they are not at hand. */
  ask(item: ItemView, f0: number, f1: number): void {
    const a0 = Math.max(0, Math.floor(f0) - item.start);
    const b0 = Math.min(item.frames, Math.ceil(f1) - item.start);
    const q = this.asked;
    if (q && q.view === item && q.prop === this.prop && q.a <= a0 && b0 <= q.b) return;
    const span = Math.max(1, b0 - a0);
    const a = Math.max(0, a0 - span);
    const b = Math.min(item.frames, b0 + span);
    this.asked = { view: item, prop: this.prop, a, b };
    this.t.send({ kind: "curve", view: this.t.viewId, item: item.id, property: this.prop, first: a, count: b - a });
  }

  onCurve(msg: CurveData): void {
    if (msg.view && msg.view !== this.t.viewId) return;
    this.curve = msg;
    this.t.draw();
  }

  // --- gestures -----------------------------------------------------------------------------
  /** A pointer press: true when it was on a keyframe, an envelope or the curve (handled here). */
  down(ev: PointerEvent, x: number, y: number): boolean {
    const t = this.t;
    const target = ev.target as Element;
    this.menu.classList.remove("tl-open");
    const node = target.closest(".tl-kf, .tl-env-pt, .tl-curve-pt") as HTMLElement | null;
    const env = target.closest("[data-env]") as HTMLElement | null;
    if (!node && env && ev.altKey && t.doc) {
      const item = t.doc.items[env.dataset.env!];
      this.keyAt(item, "volume", this.clipFrame(item, x));
      return true;
    }
    if (!node || !t.doc) {
      if (!target.closest(".tl-curve")) this.selected = null;
      return !!target.closest(".tl-curve");
    }
    const item = t.doc.items[node.dataset.item!];
    if (!item) return true;
    const kind = node.classList.contains("tl-kf") ? "diamond" : node.classList.contains("tl-env-pt") ? "env" : "curve";
    const prop = kind === "env" ? "volume" : node.dataset.prop!;
    const frame = Number(node.dataset.frame);
    this.choose(item, prop, frame, ev.shiftKey);
    const left0 = parseFloat(node.style.left);
    const top0 = parseFloat(node.style.top);
    this.drag = { kind, item, prop, frame, node, x0: x, y0: y, left0, top0, moved: false, to: frame, value: null };
    ev.preventDefault();
    return true;
  }

  /** Select a keyframe (Shift: add it to those selected on the same clip and property). */
  choose(item: ItemView, prop: string, frame: number, add: boolean): void {
    const s = this.selected;
    const frames = add && s && s.item === item.id && s.prop === prop ? [...new Set([...s.frames, frame])] : [frame];
    this.selected = { item: item.id, prop, frames };
    if (!this.t.selection().includes(item.id)) this.t.setSelection([item.id]);
    for (const n of this.layer.querySelectorAll<HTMLElement>(".tl-kf")) {
      const on = n.dataset.item === item.id && n.dataset.prop === prop && frames.includes(Number(n.dataset.frame));
      n.classList.toggle("tl-kf-selected", on);
    }
  }

  move(ev: PointerEvent, x: number, y: number): boolean {
    const d = this.drag;
    if (!d) return false;
    const v = this.t.view;
    if (Math.abs(x - d.x0) + Math.abs(y - d.y0) > 3) d.moved = true;
    if (!d.moved) return true;
    if (d.kind !== "env") {
      d.to = dragFrame(d.item, d.prop, d.frame, (x - d.x0) / v.zoom);
      d.node.style.left = `${frameToX(d.item.start + d.to, v) - (d.kind === "diamond" ? 5 : 4)}px`;
    }
    if (d.kind === "env") {
      const row = this.t.rowOf(d.item);
      if (!row) return true;
      const band = waveBand(d.item, itemRect(d.item, row, v));
      d.value = valueAt((band[1] - (d.top0 + 4 + y - d.y0)) / (band[1] - band[0]), 0, ENVELOPE_MAX);
      d.node.style.top = `${gainY(d.value, band) - 4}px`;
    } else if (d.kind === "curve" && this.curve) {
      const c = this.curve;
      const raw = curveValue(d.top0 + 4 + y - d.y0, c, this.curveTop);
      d.value = clampValue(raw, c.min, c.max);
      d.node.style.top = `${curveY(d.value, c, this.curveTop) - 4}px`;
    }
    d.node.classList.add("tl-dragging");
    return true;
  }

  up(): boolean {
    const d = this.drag;
    this.drag = null;
    if (!d) return false;
    if (!d.moved) return true;
    const ops = editOps(d.item, d.prop, d.frame, d.to, d.value);
    if (ops.length) {
      this.selected = { item: d.item.id, prop: d.prop, frames: [d.to] };
      this.t.edit(ops);
    } else this.t.draw();
    return true;
  }

  /** The clip frame under pixel ``x`` (inside the clip). */
  clipFrame(item: ItemView, x: number): number {
    const v = this.t.view;
    const f = Math.floor((x - v.header + v.scroll) / v.zoom) - item.start;
    return Math.max(0, Math.min(item.frames - 1, f));
  }

  /** Key ``prop`` at clip ``frame``: the kernel evaluates the value there and adds the keyframe. */
  keyAt(item: ItemView, prop: string, frame: number): void {
    this.selected = { item: item.id, prop, frames: [frame] };
    this.t.request({ kind: "keyframe", item: item.id, property: prop, frame });
  }

  /** Shift-K: key the chosen property of the selected clip at the playhead. */
  keyAtPlayhead(): void {
    const t = this.t;
    const item = t.doc?.items[t.selection()[0] ?? ""];
    const at: number = t.model.get("playhead") ?? 0;
    if (!item || at < item.start || at >= item.start + item.frames) {
      t.flash("select a clip under the playhead to key it (Shift-K)", true);
      return;
    }
    this.keyAt(item, this.keyProp(item), at - item.start);
  }

  /** Delete the selected keyframes; false when none are selected (Delete then removes clips). */
  removeSelected(): boolean {
    const s = this.selected;
    const item = s && this.t.doc?.items[s.item];
    if (!s || !item || !this.t.selection().includes(item.id)) return false; // Esc deselected it
    this.t.edit(removeOps(item, s.prop, s.frames));
    this.selected = null;
    return true;
  }

  /** Right-click on a keyframe: a menu of interpolations (and delete) for the selected ones. */
  contextMenu(ev: MouseEvent): void {
    const node = (ev.target as Element).closest(".tl-kf, .tl-env-pt, .tl-curve-pt") as HTMLElement | null;
    const item = node && this.t.doc?.items[node.dataset.item!];
    if (!node || !item) return;
    ev.preventDefault();
    const prop = node.classList.contains("tl-env-pt") ? "volume" : node.dataset.prop!;
    const frame = Number(node.dataset.frame);
    const s = this.selected;
    if (!(s && s.item === item.id && s.prop === prop && s.frames.includes(frame))) this.choose(item, prop, frame, false);
    this.menu.replaceChildren();
    const entry = (label: string, fn: () => void, interp?: Interp) => {
      const b = el("button", "tl-kf-menu-item", this.menu);
      b.textContent = label.replace(/_/g, " ");
      if (interp) b.dataset.interp = interp;
      b.addEventListener("click", () => {
        this.menu.classList.remove("tl-open");
        fn();
        this.t.root.focus();
      });
    };
    for (const interp of INTERPS) entry(interp, () => this.t.edit(interpOps(item, prop, this.selected!.frames, interp)), interp);
    entry("delete", () => this.removeSelected());
    const r = this.t.root.getBoundingClientRect();
    this.menu.style.left = `${ev.clientX - r.left}px`;
    this.menu.style.top = `${ev.clientY - r.top}px`;
    this.menu.classList.add("tl-open");
  }
}
