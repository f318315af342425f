// Drops on the timeline: where they land, what they carry, and what the widget asks of the kernel.
import { beforeEach, describe, expect, it } from "vitest";
import { CHUNK_BYTES, CONTENTS_MIME, browserPaths, dropPoint, upload } from "../src/drop";
import { DEFAULT_VIEW, rows } from "../src/geometry";
import widget from "../src/timeline";
import { FakeModel, sampleDoc } from "./fixtures";

const view = { ...DEFAULT_VIEW, zoom: 2 };

function setup() {
  const model = new FakeModel();
  const host = document.createElement("div");
  document.body.appendChild(host);
  widget.render({ model: model as any, el: host });
  model.emit({ kind: "reset", doc: sampleDoc() });
  return { model, host };
}

function luminoEvent(type: string, data: unknown, x: number, y: number): Event {
  const ev = new MouseEvent(type, { bubbles: true, cancelable: true, clientX: x, clientY: y });
  const mimeData = { hasData: (m: string) => m === CONTENTS_MIME && data !== undefined, getData: () => data };
  return Object.assign(ev, { mimeData, proposedAction: "move", dropAction: "none" });
}

describe("drop point", () => {
  it("is the track row under the pointer and the snapped frame; below the last row, a new track", () => {
    const doc = sampleDoc();
    const rl = rows(doc, view);
    const v1 = rl.find((r) => r.track.id === "v1")!;
    const x = (f: number) => view.header + f * view.zoom;
    expect(dropPoint(doc, rl, view, x(50), v1.y + 5, [])).toEqual({ track: "v1", frame: 50 });
    expect(dropPoint(doc, rl, view, x(58), v1.y + 5, [])).toEqual({ track: "v1", frame: 60 }); // b ends at 60
    const bottom = rl[rl.length - 1];
    expect(dropPoint(doc, rl, view, x(10), bottom.y + bottom.height + 3, []).track).toBeNull();
    expect(dropPoint(doc, rl, view, x(10), 2, []).track).toBe(rl[0].track.id); // over the ruler
  });
  it("reads only the file browser's paths from a Lumino drag", () => {
    expect(browserPaths(luminoEvent("lm-drop", ["a/b.mp4", 3], 0, 0) as any)).toEqual(["a/b.mp4"]);
    expect(browserPaths(luminoEvent("lm-drop", undefined, 0, 0) as any)).toEqual([]);
  });
});

describe("drops on the widget", () => {
  beforeEach(() => {
    document.body.innerHTML = "";
  });
  it("accepts a file-browser drag and sends its paths with the drop point", () => {
    const { model, host } = setup();
    const body = host.querySelector(".tl-body")!;
    const enter = luminoEvent("lm-dragenter", ["clips/pal.mp4"], 300, 60);
    body.dispatchEvent(enter);
    expect(enter.defaultPrevented).toBe(true);
    const drop = luminoEvent("lm-drop", ["clips/pal.mp4"], 300, 60) as any;
    body.dispatchEvent(drop);
    expect(drop.dropAction).toBe("move");
    const sent = model.sent[model.sent.length - 1];
    expect(sent).toMatchObject({ kind: "drop", paths: ["clips/pal.mp4"] });
    expect(typeof sent.frame).toBe("number");
    const other = luminoEvent("lm-dragenter", undefined, 300, 60); // a cell or a tab: not ours
    body.dispatchEvent(other);
    expect(other.defaultPrevented).toBe(false);
  });
  it("uploads desktop files in chunks, refusing what is over the limit", async () => {
    const { model } = setup();
    model.values.upload_limit = CHUNK_BYTES * 3;
    const t: any = { model, request: (c: any) => model.sent.push(c), flash: (m: string) => model.sent.push({ flash: m }) };
    const big = new File([new Uint8Array(CHUNK_BYTES * 2 + 5)], "big.mp4");
    const huge = new File([new Uint8Array(CHUNK_BYTES * 4)], "huge.mp4");
    const empty = new File([], "e.wav");
    model.sent = [];
    await upload(t, [big, huge, empty], { track: "v1", frame: 12 });
    const chunks = model.sent.filter((m) => m.kind === "upload");
    expect(chunks.map((c) => [c.name, c.offset, c.last, c.index])).toEqual([
      ["big.mp4", 0, false, 0],
      ["big.mp4", CHUNK_BYTES, false, 0],
      ["big.mp4", CHUNK_BYTES * 2, true, 0],
      ["e.wav", 0, true, 2],
    ]);
    expect(new Set(chunks.map((c) => c.batch)).size).toBe(1);
    expect(model.sent.find((m) => m.flash)!.flash).toMatch(/huge.mp4: .* over the upload limit/);
  });
});
