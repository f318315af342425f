// The media bin front end in a DOM (happy-dom): tiles from the kernel's items, filters and marks as
// traits, and `,`/`.` sent to the kernel with the marked frames (the kernel does the edit).
import { beforeEach, describe, expect, it } from "vitest";
import widget from "../src/bin";
import { FakeModel } from "./fixtures";

const ITEMS = [
  { path: "/m/a.mp4", name: "a.mp4", kind: "video", frames: 50, tc_rate: [25, 1], fps: "25", width: 320, height: 240, codec: "h264", audio: "", bytes: 10, error: "", used: true },
  { path: "/m/bad.mp4", name: "bad.mp4", kind: "error", frames: 0, tc_rate: [25, 1], fps: "", width: 0, height: 0, codec: "", audio: "", bytes: 0, error: "bad.mp4: not media", used: false },
];

function setup() {
  const model = new FakeModel();
  Object.assign(model.values, {
    items: ITEMS,
    visible: ["/m/bad.mp4", "/m/a.mp4"],
    query: "",
    kinds: ["video", "audio", "still", "error"],
    usage: "all",
    sort: "name",
    source: "",
    source_src: "",
    source_kind: "",
    source_rate: [25, 1],
    source_frames: 50,
    source_step: 1,
    source_frame: 0,
    mark_in: null,
    mark_out: null,
    target: "",
    tracks: [{ id: "v1", name: "V1", kind: "video" }],
    message: "",
  });
  const host = document.createElement("div");
  document.body.appendChild(host);
  const cleanup = widget.render({ model: model as any, el: host });
  return { model, host, cleanup };
}

const key = (host: HTMLElement, k: string) =>
  host.querySelector(".tlb-viewer")!.dispatchEvent(new KeyboardEvent("keydown", { key: k, bubbles: true }));

describe("media bin widget", () => {
  beforeEach(() => {
    document.body.innerHTML = "";
  });
  it("draws the visible tiles in the kernel's order, error tiles naming the file", () => {
    const { host, model } = setup();
    const tiles = [...host.querySelectorAll<HTMLElement>(".tlb-tile")];
    expect(tiles.map((t) => t.dataset.path)).toEqual(["/m/bad.mp4", "/m/a.mp4"]);
    expect(tiles[0].textContent).toContain("bad.mp4: not media");
    expect(tiles[1].textContent).toContain("00:00:02:00");
    expect(model.sent).toEqual([{ kind: "thumb", path: "/m/a.mp4" }]); // only pictures are asked for
    model.set("visible", ["/m/a.mp4"]);
    expect(host.querySelectorAll(".tlb-tile").length).toBe(1);
  });
  it("sets the filters as traits for the kernel to apply", () => {
    const { host, model } = setup();
    const video = host.querySelector<HTMLInputElement>('input[data-kind="video"]')!;
    video.checked = false;
    video.dispatchEvent(new Event("change"));
    expect(model.get("kinds")).toEqual(["audio", "still", "error"]);
    const usage = host.querySelector<HTMLSelectElement>(".tlb-usage")!;
    usage.value = "unused";
    usage.dispatchEvent(new Event("change"));
    expect(model.get("usage")).toBe("unused");
    expect(host.querySelector<HTMLSelectElement>(".tlb-target")!.options.length).toBe(2);
  });
  it("double-click opens the source viewer; I/O mark, comma asks the kernel to insert", () => {
    const { host, model } = setup();
    expect(host.querySelector<HTMLElement>(".tlb-viewer")!.style.display).toBe("none");
    host.querySelector<HTMLElement>('.tlb-tile[data-path="/m/a.mp4"]')!.dispatchEvent(new MouseEvent("dblclick"));
    expect(model.get("source")).toBe("/m/a.mp4");
    expect(host.querySelector<HTMLElement>(".tlb-viewer")!.style.display).toBe("");
    for (let i = 0; i < 3; i++) key(host, "l");
    key(host, "i");
    for (let i = 0; i < 4; i++) key(host, "ArrowRight");
    key(host, "o");
    expect([model.get("mark_in"), model.get("mark_out")]).toEqual([3, 7]);
    expect(host.querySelector<HTMLElement>(".tlb-readout")!.textContent).toContain("in 00:00:00:03 · out 00:00:00:07");
    key(host, ",");
    expect(model.sent[model.sent.length - 1]).toEqual({ kind: "insert", path: "/m/a.mp4", in: 3, out: 7 });
    key(host, ".");
    expect(model.sent[model.sent.length - 1]).toEqual({ kind: "overwrite", path: "/m/a.mp4", in: 3, out: 7 });
    model.emit({ kind: "refused", error: "no video track" });
    expect(host.querySelector(".tlb-note")!.textContent).toBe("no video track");
    key(host, "Escape");
    expect(model.get("source")).toBe("");
  });
});
