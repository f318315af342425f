// Mouse gestures on the timeline: scrub the ruler, box-select, drag to move or trim (shown live,
// sent to the kernel as one operation on release); Alt-drag duplicates (the kernel copies).
import { frameToX, itemRect, itemsInRect, rowAt, zoneAt } from "./geometry";
import { planMove, planTrim, type TrimMode } from "./gestures";
import type { ItemView, Op } from "./types";
import type { TimelineView } from "./timeline";

interface Drag {
  kind: "move" | "trim" | "scrub" | "box" | "pan";
  item?: ItemView;
  edge?: "in" | "out";
  x0: number;
  y0: number;
  scroll0: number;
  op?: Op | null;
  moved: boolean;
  alt?: boolean; // Alt held when the drag began: a move duplicates instead
  to?: { track: string; start: number }; // where a move would land
}

export class PointerInput {
  state: Drag | null = null;

  constructor(private t: TimelineView) {}

  local(ev: MouseEvent): { x: number; y: number } {
    const r = this.t.body.getBoundingClientRect();
    return { x: ev.clientX - r.left, y: ev.clientY - r.top };
  }

  down(ev: PointerEvent): void {
    const t = this.t;
    if (!t.doc || ev.button !== 0) return;
    t.root.focus();
    const { x, y } = this.local(ev);
    if (y >= t.view.ruler && t.keys.down(ev, x, y)) return; // a keyframe, an envelope or the curve
    const base = { x0: x, y0: y, scroll0: t.view.scroll, moved: false };
    if (y < t.view.ruler) {
      this.state = { kind: "scrub", ...base };
      t.scrub(x);
      return;
    }
    const grip = (ev.target as HTMLElement).closest(".tl-transition-grip") as HTMLElement | null;
    if (grip) {
      t.setSelection([grip.dataset.transition!]);
      return;
    }
    const target = (ev.target as HTMLElement).closest(".tl-item") as HTMLElement | null;
    const row = rowAt(y, t.rowList());
    t.clickedTrack = target ? t.doc.items[target.dataset.id!].track : (row?.track.id ?? t.clickedTrack);
    if (!target) {
      this.state = { kind: "box", ...base };
      return;
    }
    const item = t.doc.items[target.dataset.id!];
    const sel: string[] = t.model.get("selection") ?? [];
    if (ev.shiftKey) {
      t.setSelection(sel.includes(item.id) ? sel.filter((s) => s !== item.id) : [...sel, item.id]);
      return;
    }
    if (!sel.includes(item.id)) t.setSelection([item.id]);
    const zone = zoneAt(x, itemRect(item, t.rowOf(item)!, t.view));
    this.state =
      zone === "body" ? { kind: "move", item, alt: ev.altKey, ...base } : { kind: "trim", item, edge: zone, ...base };
    ev.preventDefault();
  }

  trimMode(ev: MouseEvent): TrimMode {
    if (ev.altKey) return "roll";
    if (ev.ctrlKey || ev.metaKey) return "ripple";
    return "normal";
  }

  onMove = (ev: PointerEvent): void => {
    const t = this.t;
    const d = this.state;
    if (t.keys.drag) {
      const { x, y } = this.local(ev);
      t.keys.move(ev, x, y);
      return;
    }
    if (!d || !t.doc) return;
    const { x, y } = this.local(ev);
    if (Math.abs(x - d.x0) + Math.abs(y - d.y0) > 3) d.moved = true;
    const dFrames = Math.round((x - d.x0) / t.view.zoom);
    if (d.kind === "scrub") {
      t.scrub(x);
    } else if (d.kind === "box") {
      Object.assign(t.box.style, {
        display: "block",
        left: `${Math.min(x, d.x0)}px`,
        top: `${Math.min(y, d.y0)}px`,
        width: `${Math.abs(x - d.x0)}px`,
        height: `${Math.abs(y - d.y0)}px`,
      });
    } else if (d.kind === "move" && d.item) {
      const row = rowAt(y, t.rowList());
      const plan = planMove(t.doc, d.item, dFrames, row?.track.id ?? d.item.track, t.view, t.extraTargets());
      d.op = plan.op;
      d.to = { track: plan.track, start: plan.start };
      const node = t.node(d.item.id);
      const destRow = t.rowList().find((r) => r.track.id === plan.track);
      if (node && destRow) {
        node.style.left = `${frameToX(plan.start, t.view)}px`;
        node.style.top = `${destRow.y + 2}px`;
        node.classList.add("tl-dragging");
        node.classList.toggle("tl-blocked", plan.blocked && !(d.alt || ev.altKey));
        node.classList.toggle("tl-snapped", plan.snapped);
      }
    } else if (d.kind === "trim" && d.item && d.edge) {
      const plan = planTrim(t.doc, d.item, d.edge, dFrames, this.trimMode(ev), t.view, t.extraTargets());
      d.op = plan.op;
      const node = t.node(d.item.id);
      if (node) {
        const start = d.edge === "in" ? d.item.start + plan.delta : d.item.start;
        const frames = d.item.frames + (d.edge === "in" ? -plan.delta : plan.delta);
        node.style.left = `${frameToX(start, t.view)}px`;
        node.style.width = `${Math.max(1, frames * t.view.zoom)}px`;
        node.classList.add("tl-dragging");
        node.classList.toggle("tl-snapped", plan.snapped);
      }
    }
  };

  onUp = (ev: PointerEvent): void => {
    const t = this.t;
    const d = this.state;
    this.state = null;
    if (t.keys.up() || !d || !t.doc) return;
    const { x, y } = this.local(ev);
    if (d.kind === "box") {
      t.box.style.display = "none";
      if (d.moved) {
        const hits = itemsInRect(t.doc, t.rowList(), t.view, { x: d.x0, y: d.y0, w: x - d.x0, h: y - d.y0 });
        const sel: string[] = ev.shiftKey ? (t.model.get("selection") ?? []) : [];
        t.setSelection([...new Set([...sel, ...hits])]);
      } else {
        t.scrub(x);
        t.setSelection([]);
      }
    } else if (d.kind === "move" && !d.moved && d.item && d.alt && d.item.type !== "sequence") {
      // Alt-click on a clip: key the chosen property there, at the value it has now
      t.keys.keyAt(d.item, t.keys.keyProp(d.item), t.keys.clipFrame(d.item, x));
    } else if (d.kind === "move" && d.moved && d.item && d.to && (d.alt || ev.altKey)) {
      // Alt-drag: a copy lands there (over what is there, as Premiere's), the original stays
      t.request({ kind: "duplicate", ids: [d.item.id], track: d.to.track, frame: d.to.start });
      t.draw();
    } else if ((d.kind === "move" || d.kind === "trim") && d.moved) {
      if (d.op) t.edit([d.op]);
      else t.draw();
    } else if ((d.kind === "move" || d.kind === "trim") && d.item && !ev.shiftKey) {
      // a plain click (no drag) on a clip of a multi-selection narrows the selection to it,
      // as in desktop editors, so a following Delete touches only that clip
      t.setSelection([d.item.id]);
    }
  };
}
