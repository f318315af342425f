// Keyframes on the timeline: the pure ops and visibility (keyframes.ts), and the gestures in a DOM.
import { beforeEach, describe, expect, it } from "vitest";
import { ALL, EASES, axis, bezierAt, clampValue, diamonds, dragFrame, editOps, envelope, interpOps, removeOps, shownProps } from "../src/keyframes";
import eases from "./fixtures/eases.json";
import widget from "../src/timeline";
import type { Doc, ItemView, KeyPoint } from "../src/types";
import { FakeModel, item, sampleDoc } from "./fixtures";

const keyed = (extra: Partial<ItemView> = {}): ItemView =>
  item("c", "v1", 80, 20, {
    keyframes: {
      opacity: [[0, 0, "linear"], [10, 1, "hold"], [15, 0.5, "bezier", [0.1, 0, 0.9, 1]]],
      "transform.x": [[4, 10, "linear"], [25, 20, "linear"]], // the second one is past a trim
    },
    ...extra,
  });

describe("keyframe logic", () => {
  it("draws the chosen property, or all keyed ones", () => {
    expect(shownProps(keyed(), "opacity")).toEqual(["opacity"]);
    expect(shownProps(keyed(), ALL)).toEqual(["opacity", "transform.x"]);
    expect(shownProps(keyed(), "volume")).toEqual([]);
  });
  it("draws only keyframes in the visible frames and inside the clip, merging close ones", () => {
    const frames = (f0: number, f1: number, zoom = 10) => diamonds(keyed(), ALL, f0, f1, zoom).map((d) => [d.prop, d.frame, d.count]);
    expect(frames(0, 1000)).toEqual([["opacity", 0, 1], ["opacity", 10, 1], ["opacity", 15, 1], ["transform.x", 4, 1]]);
    expect(frames(89, 95)).toEqual([["opacity", 10, 1]]); // timeline frames 89..94: clip frames 9..14
    expect(frames(0, 1000, 0.1)).toEqual([["opacity", 0, 3], ["transform.x", 4, 1]]);
  });
  it("keeps a drag on whole frames inside the clip, off other keyframes", () => {
    expect(dragFrame(keyed(), "opacity", 10, 2.4)).toBe(12);
    expect(dragFrame(keyed(), "opacity", 10, 50)).toBe(19);
    expect(dragFrame(keyed(), "opacity", 10, -40)).toBe(10); // frame 0 is taken
    expect(dragFrame(keyed(), "opacity", 10, 5)).toBe(10);
  });
  it("builds the registered ops: move then value (one edit), remove, interpolation", () => {
    const c = keyed();
    const base = { track: "v1", item_id: "c", property: "opacity" };
    expect(editOps(c, "opacity", 10, 12, null)).toEqual([{ op: "move_keyframe", ...base, frame: 10, to: 12 }]);
    expect(editOps(c, "opacity", 15, 17, 0.25)).toEqual([
      { op: "move_keyframe", ...base, frame: 15, to: 17 },
      { op: "add_keyframe", ...base, frame: 17, value: 0.25, interp: "bezier", handles: [0.1, 0, 0.9, 1] },
    ]);
    expect(editOps(c, "opacity", 10, 10, 1)).toEqual([]);
    expect(editOps(c, "opacity", 3, 5, null)).toEqual([]); // no keyframe there
    expect(removeOps(c, "opacity", [0, 3, 10]).map((o) => o.frame)).toEqual([0, 10]);
    expect(interpOps(c, "opacity", [0], "bezier")).toEqual([
      { op: "set_keyframe_interp", ...base, frame: 0, interp: "bezier", handles: [0.25, 0.1, 0.25, 1] },
    ]);
    expect(interpOps(c, "opacity", [0], "ease_in")[0].handles).toBeNull();
  });
  it("clamps values to the bounds and pads a flat axis", () => {
    expect(clampValue(1.23456, 0, 1)).toBe(1);
    expect(clampValue(-7.123456, null, null)).toBe(-7.1235);
    expect(axis(0, 1)).toEqual([0, 1]);
    expect(axis(3, 3)).toEqual([2, 4]);
  });
  it("draws the gain envelope flat outside the keyframes and stepped after a hold", () => {
    const vol: KeyPoint[] = [[5, 0.5, "hold"], [10, 1, "linear"], [15, 2, "linear"]];
    expect(envelope(item("m", "a1", 0, 20, { keyframes: { volume: vol } }))).toEqual([
      [0, 0.5], [5, 0.5], [10, 0.5], [10, 1], [15, 2], [20, 2],
    ]);
    expect(envelope(item("m", "a1", 0, 20, { volume: 0.8 }))).toEqual([[0, 0.8], [20, 0.8]]);
  });
  it("draws eased and bezier stretches of the envelope as the model's curve, not a straight line", () => {
    const vol: KeyPoint[] = [[0, 0, "ease_in"], [16, 1, "bezier", [0, 1, 0, 1]], [32, 0, "linear"]];
    const line = envelope(item("m", "a1", 0, 40, { keyframes: { volume: vol } }));
    const at = (f: number) => line.find((c) => c[0] === f)![1];
    // ease_in starts slowly: at a quarter of the way it is well under a quarter of the rise
    expect(at(4)).toBeGreaterThan(0);
    expect(at(4)).toBeLessThan(0.1);
    expect(at(8)).toBeCloseTo(bezierAt(EASES.ease_in, 0.5), 12);
    // these handles rise at once: a quarter of the way down it has fallen more than half
    expect(at(20)).toBeLessThan(0.5);
    // the frames only grow, and each keyframe is a corner at its value
    expect(line.every((c, i) => i === 0 || c[0] >= line[i - 1][0])).toBe(true);
    expect([at(0), at(16), at(32), at(40)]).toEqual([0, 1, 0, 0]);
  });
  it("eases as the model does: its named eases, and y at 101 points of each handle set", () => {
    expect(EASES).toEqual(eases.eases);
    for (const { handles, y } of Object.values(eases.samples)) {
      y.forEach((want, k) => expect(bezierAt(handles as [number, number, number, number], k / 100)).toBeCloseTo(want, 12));
    }
  });
  it("finds a CSS cubic-bezier's y as the model does (its ease_in at 0.5, printed by keyframes._bezier)", () => {
    expect(bezierAt(EASES.ease_in, 0)).toBeCloseTo(0, 12);
    expect(bezierAt(EASES.ease_in, 1)).toBeCloseTo(1, 12);
    expect(bezierAt([0.25, 0.25, 0.75, 0.75], 0.3)).toBeCloseTo(0.3, 9); // the diagonal
    expect(bezierAt(EASES.ease_in, 0.5)).toBeCloseTo(0.31535681257253945, 12);
  });
});

function setup(doc: Doc) {
  const model = new FakeModel();
  const host = document.createElement("div");
  document.body.appendChild(host);
  widget.render({ model: model as any, el: host });
  model.emit({ kind: "reset", doc });
  return { model, host };
}

function keyedDoc(): Doc {
  const doc = sampleDoc();
  doc.items.c = keyed();
  doc.items.m = { ...doc.items.m, volume: 1, keyframes: { volume: [[10, 1, "linear"], [50, 0.5, "linear"]] } };
  return doc;
}

const press = (host: HTMLElement, k: string, extra: KeyboardEventInit = {}) =>
  host.querySelector(".tl-root")!.dispatchEvent(new KeyboardEvent("keydown", { key: k, bubbles: true, ...extra }));
const at = (node: HTMLElement) => ({ x: parseFloat(node.style.left) + 4, y: parseFloat(node.style.top) + 4 });
const pointer = (type: string, target: EventTarget, x: number, y: number, extra: PointerEventInit = {}) =>
  target.dispatchEvent(new PointerEvent(type, { clientX: x, clientY: y, button: 0, bubbles: true, ...extra }));
const edits = (model: FakeModel) => model.sent.filter((m) => m.kind === "edit");

describe("keyframes in the timeline widget", () => {
  beforeEach(() => {
    document.body.innerHTML = "";
  });
  it("draws diamonds of the chosen property and drags one to another frame", () => {
    const { model, host } = setup(keyedDoc());
    const ds = [...host.querySelectorAll<HTMLElement>(".tl-kf")];
    expect(ds.map((d) => `${d.dataset.item}:${d.dataset.prop}:${d.dataset.frame}`)).toEqual(["c:opacity:0", "c:opacity:10", "c:opacity:15"]);
    const zoom = model.get("zoom");
    const d = ds[1];
    const { x, y } = at(d);
    pointer("pointerdown", d, x, y);
    expect(model.get("selection")).toEqual(["c"]);
    pointer("pointermove", window, x + 3 * zoom, y);
    pointer("pointerup", window, x + 3 * zoom, y);
    expect(edits(model).pop().ops).toEqual([{ op: "move_keyframe", track: "v1", item_id: "c", property: "opacity", frame: 10, to: 13 }]);
  });
  it("selects a diamond with a click and deletes it with Delete (the clip stays)", () => {
    const { model, host } = setup(keyedDoc());
    const d = host.querySelectorAll<HTMLElement>(".tl-kf")[2];
    pointer("pointerdown", d, at(d).x, at(d).y);
    pointer("pointerup", window, at(d).x, at(d).y);
    expect(host.querySelector(".tl-kf-selected")?.getAttribute("data-frame")).toBe("15");
    press(host, "Delete");
    expect(edits(model).pop().ops).toEqual([{ op: "remove_keyframe", track: "v1", item_id: "c", property: "opacity", frame: 15 }]);
    press(host, "Delete");
    expect(edits(model).pop().ops).toEqual([{ op: "lift", track: "v1", item_id: "c" }]);
  });
  it("asks the kernel to key the property at an Alt-clicked frame, and at the playhead with Shift-K", () => {
    const { model, host } = setup(keyedDoc());
    const a = host.querySelector<HTMLElement>('.tl-item[data-id="a"]')!;
    const zoom = model.get("zoom");
    const x = parseFloat(a.style.left) + 7.5 * zoom;
    pointer("pointerdown", a, x, parseFloat(a.style.top) + 10, { altKey: true });
    pointer("pointerup", window, x, parseFloat(a.style.top) + 10, { altKey: true });
    expect(model.sent.filter((m) => m.kind === "keyframe").pop()).toMatchObject({ item: "a", property: "opacity", frame: 7 });
    expect(edits(model)).toEqual([]);
    model.set("playhead", 85);
    model.set("selection", ["c"]);
    press(host, "K", { shiftKey: true });
    expect(model.sent.filter((m) => m.kind === "keyframe").pop()).toMatchObject({ item: "c", property: "opacity", frame: 5 });
    expect(model.get("playing")).toBe(0);
  });
  it("builds diamonds only for the frames on screen, however many keyframes a clip has", () => {
    const doc = sampleDoc();
    const many: KeyPoint[] = Array.from({ length: 100_000 }, (_, f) => [f, f % 2, "linear"]);
    doc.items.m = { ...doc.items.m, frames: 100_000, keyframes: { opacity: many } };
    doc.duration = 100_000;
    const { model, host } = setup(doc);
    model.set("zoom", 20);
    host.querySelector<HTMLElement>('[data-action="+"]')!.click(); // redraw at the new zoom
    const shown = host.querySelectorAll(".tl-kf").length;
    expect(shown).toBeGreaterThan(10);
    expect(shown).toBeLessThan(200);
  });
  it("forgets a selected keyframe when the clip is deselected (Delete then does nothing to it)", () => {
    const { model, host } = setup(keyedDoc());
    const d = host.querySelectorAll<HTMLElement>(".tl-kf")[0];
    pointer("pointerdown", d, at(d).x, at(d).y);
    pointer("pointerup", window, at(d).x, at(d).y);
    press(host, "Escape");
    press(host, "Delete");
    expect(edits(model)).toEqual([]);
  });
  it("sets interpolation from the right-click menu", () => {
    const { model, host } = setup(keyedDoc());
    const d = host.querySelectorAll<HTMLElement>(".tl-kf")[0];
    d.dispatchEvent(new MouseEvent("contextmenu", { bubbles: true, clientX: 10, clientY: 10 }));
    const menu = host.querySelector<HTMLElement>(".tl-kf-menu.tl-open")!;
    menu.querySelector<HTMLElement>('[data-interp="ease_in_out"]')!.click();
    expect(edits(model).pop().ops).toEqual([
      { op: "set_keyframe_interp", track: "v1", item_id: "c", property: "opacity", frame: 0, interp: "ease_in_out", handles: null },
    ]);
  });
  it("shows the curve the kernel evaluates, and drags a point in time and value as one edit", () => {
    const { model, host } = setup(keyedDoc());
    model.set("selection", ["c"]);
    host.querySelector<HTMLElement>('[data-action="curve"]')!.click();
    const ask = model.sent.filter((m) => m.kind === "curve").pop();
    expect(ask).toMatchObject({ item: "c", property: "opacity", first: 0, count: 20 });
    const values = Array.from({ length: 20 }, (_, f) => (f < 10 ? f / 10 : 1));
    model.emit({ kind: "curve", view: ask.view, item: "c", track: "v1", property: "opacity", first: 0, values, lo: 0, hi: 1, min: 0, max: 1 });
    expect(host.querySelector(".tl-curve-line")!.getAttribute("points")!.split(" ")).toHaveLength(40);
    const pts = [...host.querySelectorAll<HTMLElement>(".tl-curve-pt")];
    expect(pts.map((p) => p.dataset.frame)).toEqual(["0", "10", "15"]);
    const zoom = model.get("zoom");
    const { x, y } = at(pts[1]);
    pointer("pointerdown", pts[1], x, y);
    pointer("pointermove", window, x + 2 * zoom, y + 1000); // far below: clamped to the bound 0
    pointer("pointerup", window, x + 2 * zoom, y + 1000);
    expect(edits(model).pop().ops).toEqual([
      { op: "move_keyframe", track: "v1", item_id: "c", property: "opacity", frame: 10, to: 12 },
      { op: "add_keyframe", track: "v1", item_id: "c", property: "opacity", frame: 12, value: 0, interp: "hold", handles: null },
    ]);
  });
  it("draws the gain envelope on a waveform: drag a point up, Alt-click the line to add one", () => {
    const { model, host } = setup(keyedDoc());
    const pts = [...host.querySelectorAll<HTMLElement>(".tl-env-pt")];
    expect(pts.map((p) => p.dataset.frame)).toEqual(["10", "50"]);
    const { x, y } = at(pts[1]);
    pointer("pointerdown", pts[1], x, y);
    pointer("pointermove", window, x, y - 1000);
    pointer("pointerup", window, x, y - 1000);
    expect(edits(model).pop().ops).toEqual([
      { op: "add_keyframe", track: "a1", item_id: "m", property: "volume", frame: 50, value: 2, interp: "linear", handles: null },
    ]);
    const line = host.querySelector(".tl-env-hit")!;
    const zoom = model.get("zoom");
    const m = host.querySelector<HTMLElement>('.tl-item[data-id="m"]')!;
    pointer("pointerdown", line, parseFloat(m.style.left) + 30.5 * zoom, y, { altKey: true });
    expect(model.sent.filter((s) => s.kind === "keyframe").pop()).toMatchObject({ item: "m", property: "volume", frame: 30 });
  });
});
