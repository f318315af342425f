// The timeline front end in a DOM (happy-dom), against a stand-in for anywidget's model.
import { beforeEach, describe, expect, it } from "vitest";
import { rulerTicks } from "../src/draw";
import { DEFAULT_VIEW } from "../src/geometry";
import widget from "../src/timeline";
import { FakeModel, sampleDoc } from "./fixtures";

function setup() {
  const model = new FakeModel();
  const host = document.createElement("div");
  document.body.appendChild(host);
  const cleanup = widget.render({ model: model as any, el: host });
  model.emit({ kind: "reset", doc: sampleDoc() });
  return { model, host, cleanup };
}

const key = (host: HTMLElement, k: string, extra: KeyboardEventInit = {}) =>
  host.querySelector(".tl-root")!.dispatchEvent(new KeyboardEvent("keydown", { key: k, bubbles: true, ...extra }));

describe("timeline widget", () => {
  beforeEach(() => {
    document.body.innerHTML = "";
  });
  it("asks for the document, then draws every clip with its track", () => {
    const { model, host } = setup();
    expect(model.sent[0]).toEqual({ kind: "ready" });
    const items = [...host.querySelectorAll<HTMLElement>(".tl-item")];
    expect(items.map((e) => e.dataset.id).sort()).toEqual(["a", "b", "c", "m", "t"]);
    expect(host.querySelector<HTMLElement>('.tl-item[data-id="c"]')!.dataset.start).toBe("80");
    expect(host.querySelector<HTMLElement>('.tl-item[data-id="c"]')!.title).toMatch(/frames 80–/);
    expect(host.querySelector(".tl-root")!.hasAttribute("data-lm-suppress-shortcuts")).toBe(false);
  });
  it("asks the kernel for each media file's thumbnails once", () => {
    const { model } = setup();
    const media = model.sent.filter((m) => m.kind === "media").map((m) => m.media);
    expect(media.sort()).toEqual(["/media/a.mp4", "/media/b.mp4", "/media/c.mp4", "/media/m.mp4"]);
  });
  it("says thumbnails are on their way until every asked media file has answered", () => {
    const { model, host } = setup();
    const root = host.querySelector(".tl-root")!;
    expect(root.classList.contains("tl-media-loading")).toBe(true);
    for (const m of ["/media/a.mp4", "/media/b.mp4", "/media/c.mp4"]) {
      model.emit({ kind: "media", media: m, has_strip: false, has_peaks: false });
    }
    expect(root.classList.contains("tl-media-loading")).toBe(true); // m.mp4 has not answered
    model.emit({ kind: "media", media: "/media/m.mp4", has_strip: false, has_peaks: false, error: "gone" });
    expect(root.classList.contains("tl-media-loading")).toBe(false);
  });
  it("asks for a clip's own sound stream and keeps its peaks apart from the file's default", () => {
    const { model } = setup();
    const c = { ...sampleDoc().items.c, audio_stream: 2 }; // the clip now plays the file's stream 2
    model.emit({
      kind: "patch",
      patch: { rev: 1, duration: 100, order: null, tracks: [], items: [c], transitions: [], removed_tracks: [], removed_items: [], removed_transitions: [], markers: null },
    });
    const asked = model.sent.filter((m) => m.kind === "media" && m.media === "/media/c.mp4");
    expect(asked).toEqual([
      { kind: "media", media: "/media/c.mp4" },
      { kind: "media", media: "/media/c.mp4", audio_stream: 2 },
    ]);
  });
  it("applies patches from the kernel without a reset", () => {
    const { model, host } = setup();
    const c = { ...sampleDoc().items.c, start: 62 };
    model.emit({
      kind: "patch",
      patch: { rev: 1, duration: 100, order: null, tracks: [], items: [c], transitions: [], removed_tracks: [], removed_items: [], removed_transitions: [], markers: null },
    });
    expect(host.querySelector<HTMLElement>('.tl-item[data-id="c"]')!.dataset.start).toBe("62");
  });
  it("sends keyboard edits as model operations", () => {
    const { model, host } = setup();
    model.set("playhead", 20);
    key(host, "s");
    const edit = model.sent.find((m) => m.kind === "edit");
    expect(edit.ops.map((o: any) => o.track).sort()).toEqual(["a1", "v1", "v2"]);
    key(host, "z", { ctrlKey: true });
    key(host, "z", { ctrlKey: true, shiftKey: true });
    expect(model.sent.slice(-2)).toEqual([{ kind: "undo" }, { kind: "redo" }]);
    key(host, "l");
    key(host, "l");
    expect(model.get("playing")).toBe(2);
    key(host, "k");
    expect(model.get("playing")).toBe(0);
    key(host, "i");
    model.set("playhead", 50);
    key(host, "o");
    expect([model.get("in_point"), model.get("out_point")]).toEqual([20, 50]);
  });
  it("shows a refusal and goes back to the model's state", () => {
    const { model, host } = setup();
    model.set("selection", ["b", "c"]);
    key(host, "t");
    expect(host.querySelector(".tl-message")!.textContent).toMatch(/touch/);
    model.set("selection", ["a", "b"]);
    key(host, "t");
    const edit = model.sent.filter((m) => m.kind === "edit").pop();
    model.emit({ kind: "refused", seq: edit.seq, error: "add_transition refused: not enough handles" });
    expect(host.querySelector(".tl-message")!.textContent).toBe("add_transition refused: not enough handles");
    expect(host.querySelector(".tl-message")!.classList.contains("tl-error")).toBe(true);
    expect(host.querySelector<HTMLElement>('.tl-item[data-id="a"]')!.dataset.start).toBe("0");
  });
  it("draws analysis lanes and markers", () => {
    const { model, host } = setup();
    model.set("lanes", [{ name: "person", color: "#0a0", segments: [[5, 25, "person"], [40, 50, "person"]], markers: [] }]);
    const segments = [...host.querySelectorAll<HTMLElement>('.tl-segment[data-lane="person"]')];
    expect(segments.length).toBe(2);
    expect(segments.map((s) => s.textContent)).toEqual(["person", "person"]); // text, not only a tooltip
  });
  it("never draws ruler labels over the track headers, at any zoom or scroll", () => {
    const doc = sampleDoc();
    for (const zoom of [0.05, 0.3, 1, 4, 17]) {
      for (const scroll of [0, 13, 250, 4000]) {
        const v = { ...DEFAULT_VIEW, zoom, scroll };
        const ticks = [...rulerTicks(doc, v, 900).children] as HTMLElement[];
        expect(ticks.length).toBeGreaterThan(0);
        for (const t of ticks) expect(parseFloat(t.style.left)).toBeGreaterThanOrEqual(v.header);
      }
    }
  });
  it("turns a mouse drag into a move, and an edge drag into a trim", () => {
    const { model, host } = setup();
    const c = host.querySelector<HTMLElement>('.tl-item[data-id="c"]')!;
    const left = parseFloat(c.style.left);
    const width = parseFloat(c.style.width);
    const zoom = width / 20;
    const y = parseFloat(c.style.top) + 10;
    const pointer = (type: string, x: number, target: EventTarget) =>
      target.dispatchEvent(new PointerEvent(type, { clientX: x, clientY: y, button: 0, bubbles: true }));
    pointer("pointerdown", left + width / 2, c);
    pointer("pointermove", left + width / 2 + 40 * zoom, window);
    pointer("pointerup", left + width / 2 + 40 * zoom, window);
    let edit = model.sent.filter((m) => m.kind === "edit").pop();
    expect(edit.ops).toEqual([{ op: "move", track: "v1", item_id: "c", to: 120 }]);
    const b = host.querySelector<HTMLElement>('.tl-item[data-id="b"]')!;
    const bRight = parseFloat(b.style.left) + parseFloat(b.style.width) - 1;
    pointer("pointerdown", bRight, b);
    pointer("pointermove", bRight + 6 * zoom, window);
    pointer("pointerup", bRight + 6 * zoom, window);
    edit = model.sent.filter((m) => m.kind === "edit").pop();
    expect(edit.ops).toEqual([{ op: "trim", track: "v1", item_id: "b", edge: "out", delta: 6, ripple: false }]);
    expect(model.get("selection")).toEqual(["b"]);
  });
  it("keeps its own keys and plain typing, and lets JupyterLab's Ctrl shortcuts through", () => {
    const { host } = setup();
    const reached: string[] = [];
    const spy = (ev: Event) => reached.push((ev as KeyboardEvent).key + ((ev as KeyboardEvent).ctrlKey ? "+ctrl" : ""));
    document.addEventListener("keydown", spy);
    key(host, "s"); // split: ours
    key(host, "a"); // not ours, but plain typing must not insert a notebook cell
    key(host, "z", { ctrlKey: true }); // undo: ours
    key(host, "s", { ctrlKey: true }); // save: JupyterLab's
    key(host, "c", { ctrlKey: true, shiftKey: true }); // command palette: JupyterLab's
    document.removeEventListener("keydown", spy);
    expect(reached).toEqual(["s+ctrl", "c+ctrl"]);
  });
  it("narrows a multi-selection to the clip clicked without dragging", () => {
    const { model, host } = setup();
    model.set("selection", ["a", "b", "c"]);
    const c = host.querySelector<HTMLElement>('.tl-item[data-id="c"]')!;
    const x = parseFloat(c.style.left) + parseFloat(c.style.width) / 2;
    const y = parseFloat(c.style.top) + 10;
    const pointer = (type: string, target: EventTarget) =>
      target.dispatchEvent(new PointerEvent(type, { clientX: x, clientY: y, button: 0, bubbles: true }));
    pointer("pointerdown", c);
    expect(model.get("selection")).toEqual(["a", "b", "c"]); // a drag would still move the clip
    pointer("pointerup", window);
    expect(model.get("selection")).toEqual(["c"]);
    expect(model.sent.filter((m) => m.kind === "edit")).toEqual([]);
  });
  it("stops listening when the view goes away", () => {
    const { model, cleanup } = setup();
    (cleanup as () => void)();
    expect(model.handlers.get("msg:custom")).toEqual([]);
  });
});
