// The title picker and inspector, the duck form and the speed action (titles.ts, duck.ts, speed.ts).
import { describe, expect, it } from "vitest";
import { defaultDialogue, soundTracks } from "../src/duck";
import { speedOps, speedValue } from "../src/speed";
import widget from "../src/timeline";
import { fieldChange, titleItem } from "../src/titles";
import type { Doc, TitleFields } from "../src/types";
import { FakeModel, item, sampleDoc } from "./fixtures";

const fields: TitleFields = { template: "lower third · name", text: "Ada", font_size: 40, color: "#ffffff", box_color: "", opacity: 1, x: 0.2, y: 0.8 };

function titled(): Doc {
  const doc = sampleDoc();
  doc.items.t = { ...doc.items.t, label: "lower third · name: Ada", title: fields };
  doc.tracks.push({ id: "a2", name: "Music", kind: "audio", items: ["n"], transitions: [], muted: false, locked: false });
  doc.items.n = item("n", "a2", 0, 100, { has_video: false, has_audio: true });
  return doc;
}

function setup(doc: Doc) {
  const model = new FakeModel();
  const host = document.createElement("div");
  document.body.appendChild(host);
  widget.render({ model: model as any, el: host });
  model.emit({ kind: "reset", doc });
  return { model, host };
}

const click = (host: HTMLElement, sel: string) => (host.querySelector(sel) as HTMLElement).click();
const requests = (model: FakeModel, kind: string) => model.sent.filter((m) => m.kind === kind);

describe("form logic", () => {
  it("turns typed speeds into the exact fractions the model takes", () => {
    expect(["2", "0.5", "50%", "1/3", " 1.25 ", "200%", ".5"].map((s) => speedValue(s))).toEqual(["2/1", "1/2", "1/2", "1/3", "5/4", "2/1", "1/2"]);
    for (const bad of ["", "fast", "0", "-1", "1/0", "1e3"]) expect(speedValue(bad)).toBeInstanceOf(Error);
  });
  it("changes the speed of selected media clips only", () => {
    expect(speedOps(sampleDoc(), ["a", "t"], "1/2")).toEqual([{ op: "update", track: "v1", item_id: "a", changes: { speed: "1/2" } }]);
  });
  it("sends only what the inspector changed, numbers as numbers", () => {
    expect(fieldChange(fields, "text", "Ada")).toBeNull();
    expect(fieldChange(fields, "font_size", "32")).toEqual({ font_size: 32 });
    expect(fieldChange(fields, "opacity", "lots")).toEqual({ opacity: "lots" }); // the kernel refuses it
    expect(fieldChange(fields, "color", "#ff0")).toEqual({ color: "#ff0" });
  });
  it("inspects the first selected title; ducks under every other sound track", () => {
    const doc = titled();
    expect(titleItem(doc, ["a", "t"])?.id).toBe("t");
    expect(titleItem(doc, ["a"])).toBeNull();
    expect(soundTracks(doc).map((t) => t.id)).toEqual(["a1", "a2"]);
    expect(defaultDialogue(doc, "a2")).toEqual(["a1"]);
  });
});

describe("forms in the timeline widget", () => {
  it("places a template from the picker at the kernel", () => {
    const { model, host } = setup(titled());
    click(host, '[data-action="title"]');
    const picker = host.querySelector(".tl-title-picker")!;
    expect(picker.classList.contains("tl-open")).toBe(true);
    (picker.querySelector('[data-field="name"]') as HTMLInputElement).value = "Grace";
    (picker.querySelector('[data-field="role"]') as HTMLInputElement).value = "Admiral";
    click(host, '.tl-title-picker [data-action="place"]');
    expect(requests(model, "title_add")).toMatchObject([{ template: "lower_third", fields: { name: "Grace", role: "Admiral" } }]);
    expect(picker.classList.contains("tl-open")).toBe(false);
  });
  it("shows the selected title's fields and sends each change as one edit; keys typed stay in the form", () => {
    const { model, host } = setup(titled());
    model.set("selection", ["t"]);
    const panel = host.querySelector(".tl-title-inspector")!;
    expect(panel.classList.contains("tl-open")).toBe(true);
    expect(panel.textContent).toContain("lower third · name");
    const text = panel.querySelector('[data-field="text"]') as HTMLTextAreaElement;
    expect(text.value).toBe("Ada");
    text.value = "Grace";
    text.dispatchEvent(new KeyboardEvent("keydown", { key: "s", bubbles: true }));
    text.dispatchEvent(new Event("change"));
    expect(requests(model, "edit")).toEqual([]); // "s" did not split
    expect(requests(model, "title_edit")).toMatchObject([{ item: "t", fields: { text: "Grace" } }]);
    model.emit({ kind: "refused", seq: requests(model, "title_edit")[0].seq, error: "text: too long", view: requests(model, "title_edit")[0].view });
    expect(host.querySelector(".tl-message")!.textContent).toBe("text: too long");
    model.set("selection", ["a"]);
    expect(panel.classList.contains("tl-open")).toBe(false);
  });
  it("ducks the music track from its header", () => {
    const { model, host } = setup(titled());
    click(host, '[data-duck="a2"]');
    const panel = host.querySelector(".tl-duck")!;
    expect((panel.querySelector('[data-field="music"]') as HTMLSelectElement).value).toBe("a2");
    click(host, '.tl-duck [data-action="run duck"]');
    const [req] = requests(model, "duck");
    expect(req).toMatchObject({ track: "a2", under: ["a1"], amount_db: -12 });
    model.emit({ kind: "ack", seq: req.seq, view: req.view });
    model.emit({ kind: "ducked", seq: req.seq, view: req.view, clips: 1 });
    expect(host.querySelector(".tl-message")!.textContent).toContain("ducked");
  });
  it("sets a constant speed with the update op, and shows a refusal", () => {
    const { model, host } = setup(titled());
    model.set("selection", ["a"]);
    click(host, '[data-action="speed"]');
    const input = host.querySelector('.tl-speed [data-field="speed"]') as HTMLInputElement;
    input.value = "50%";
    click(host, '.tl-speed [data-action="apply"]');
    const [edit] = requests(model, "edit");
    expect(edit.ops).toEqual([{ op: "update", track: "v1", item_id: "a", changes: { speed: "1/2" } }]);
    model.emit({ kind: "refused", seq: edit.seq, view: edit.view, error: "update refused: overlaps clip 'b'" });
    expect(host.querySelector(".tl-message")!.textContent).toContain("overlaps");
    // accepted elsewhere (a ramp from the curve panel, Python): the kernel's new length is drawn
    const clip = () => host.querySelector('.tl-item[data-id="c"]') as HTMLElement;
    const before = parseFloat(clip().style.width);
    const longer = { ...item("c", "v1", 80, 40), keyframes: { speed: [[0, 1, "linear"], [10, 0.5, "linear"]] } } as any;
    const patch = { rev: 1, duration: 120, order: null, tracks: [], items: [longer], transitions: [], removed_tracks: [], removed_items: [], removed_transitions: [], markers: null };
    model.emit({ kind: "patch", patch });
    expect(clip().dataset.frames).toBe("40");
    expect(parseFloat(clip().style.width)).toBeCloseTo(before * 2, 0);
  });
});
