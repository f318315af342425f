// Copy/cut/paste, nudge and selection keys: the widget only says what and where; the kernel edits.
import { beforeEach, describe, expect, it } from "vitest";
import { forwardSelection, nudgeFrames, targetTrack, trackSelection } from "../src/selection";
import widget from "../src/timeline";
import { FakeModel, sampleDoc } from "./fixtures";

function setup() {
  const model = new FakeModel();
  const host = document.createElement("div");
  document.body.appendChild(host);
  widget.render({ model: model as any, el: host });
  model.emit({ kind: "reset", doc: sampleDoc() });
  return { model, host };
}

const key = (host: HTMLElement, k: string, extra: KeyboardEventInit = {}) =>
  host.querySelector(".tl-root")!.dispatchEvent(new KeyboardEvent("keydown", { key: k, bubbles: true, cancelable: true, ...extra }));

const last = (model: FakeModel) => model.sent[model.sent.length - 1];

describe("selection keys", () => {
  it("selects a track's items, and items from a frame on", () => {
    const doc = sampleDoc();
    expect(trackSelection(doc, "v1")).toEqual(["a", "b", "c"]);
    expect(trackSelection(doc, "nope")).toEqual([]);
    expect(forwardSelection(doc, 35, null).sort()).toEqual(["b", "c", "m", "t"]);
    expect(forwardSelection(doc, 35, "v1")).toEqual(["b", "c"]);
  });
  it("nudges one frame with comma/period, ten with Shift", () => {
    expect([nudgeFrames(",", false), nudgeFrames(".", false)]).toEqual([-1, 1]);
    expect([nudgeFrames(",", true), nudgeFrames(">", true), nudgeFrames("<", true)]).toEqual([-10, 10, -10]);
    expect(nudgeFrames("x", false)).toBeNull();
  });
  it("targets the clicked track, else the selection's, else the lowest video track", () => {
    const doc = sampleDoc();
    expect(targetTrack(doc, "a1", ["t"])).toBe("a1");
    expect(targetTrack(doc, null, ["t"])).toBe("v2");
    expect(targetTrack(doc, null, [])).toBe("v1");
  });
});

describe("clipboard keys", () => {
  beforeEach(() => {
    document.body.innerHTML = "";
  });
  it("sends copy, cut, paste (over and insert) and paste attributes as kernel requests", () => {
    const { model, host } = setup();
    model.set("selection", ["t"]);
    key(host, "c", { ctrlKey: true });
    expect(last(model)).toMatchObject({ kind: "copy", ids: ["t"] });
    model.set("playhead", 42);
    key(host, "v", { ctrlKey: true });
    expect(last(model)).toMatchObject({ kind: "paste", track: "v2", frame: 42, mode: "overwrite" });
    key(host, "V", { metaKey: true, shiftKey: true });
    expect(last(model)).toMatchObject({ kind: "paste", mode: "insert" });
    key(host, "√", { ctrlKey: true, altKey: true, code: "KeyV" }); // Alt-V on a Mac keyboard
    expect(last(model)).toMatchObject({ kind: "paste_attributes", ids: ["t"] });
    key(host, "x", { ctrlKey: true });
    expect(last(model)).toMatchObject({ kind: "cut", ids: ["t"] });
    expect(model.get("selection")).toEqual([]);
    expect(last(model).seq).toBeGreaterThan(0);
  });
  it("nudges the selection and selects with A / Ctrl-A", () => {
    const { model, host } = setup();
    model.set("selection", ["c"]);
    key(host, ".");
    expect(last(model)).toMatchObject({ kind: "nudge", ids: ["c"], frames: 1 });
    key(host, "<", { shiftKey: true });
    expect(last(model)).toMatchObject({ kind: "nudge", frames: -10 });
    key(host, "a", { ctrlKey: true });
    expect(model.get("selection")).toEqual(["a", "b", "c"]);
    model.set("playhead", 90);
    key(host, "a");
    expect(model.get("selection").sort()).toEqual(["c", "m"]);
  });
  it("shows the kernel's copy and keeps its keys from JupyterLab", () => {
    const { model, host } = setup();
    model.set("selection", ["a"]);
    const ev = new KeyboardEvent("keydown", { key: "c", ctrlKey: true, bubbles: true, cancelable: true });
    host.querySelector(".tl-root")!.dispatchEvent(ev);
    expect(ev.defaultPrevented).toBe(true);
    const { seq, view } = last(model);
    model.emit({ kind: "copied", seq, view, what: "1 clip(s)", text: "{}" });
    expect(host.querySelector(".tl-message")!.textContent).toBe("copied 1 clip(s)");
    expect(host.querySelector(".tl-help")!.textContent).toMatch(/Ctrl\/Cmd-Shift-V paste insert/);
  });
});
