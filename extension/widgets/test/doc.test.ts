import { describe, expect, it } from "vitest";
import { applyPatch, timecode } from "../src/doc";
import { frameAtTime, timeOfFrame } from "../src/preview";
import { mediaTimeAt, nearestTile } from "../src/media";
import type { Patch } from "../src/types";
import { item, sampleDoc } from "./fixtures";

const empty: Patch = {
  rev: 1,
  duration: 100,
  order: null,
  tracks: [],
  items: [],
  transitions: [],
  removed_tracks: [],
  removed_items: [],
  removed_transitions: [],
  markers: null,
};

describe("patches", () => {
  it("updates one item and leaves the rest (and the old document) alone", () => {
    const doc = sampleDoc();
    const next = applyPatch(doc, { ...empty, items: [item("c", "v1", 60, 20)] });
    expect(next.items.c.start).toBe(60);
    expect(doc.items.c.start).toBe(80);
    expect(next.items.a).toBe(doc.items.a);
    expect(next.rev).toBe(1);
  });
  it("removes items and tracks and reorders tracks", () => {
    const doc = sampleDoc();
    const v1 = { ...doc.tracks[0], items: ["a", "b"] };
    const next = applyPatch(doc, {
      ...empty,
      order: ["a1", "v1"],
      tracks: [v1],
      removed_items: ["c", "t"],
      removed_tracks: ["v2"],
    });
    expect(next.tracks.map((t) => t.id)).toEqual(["a1", "v1"]);
    expect(next.items.c).toBeUndefined();
    expect(next.tracks[1].items).toEqual(["a", "b"]);
  });
  it("moves the items a ripple moved, by their groups' frames, leaving the old document alone", () => {
    const doc = sampleDoc();
    for (const [by, ids] of [[5, ["b", "c"]], [-3, ["c"]], [0, ["a"]]] as [number, string[]][]) {
      const next = applyPatch(doc, { ...empty, moved: [[by, ids]] });
      for (const id of Object.keys(doc.items)) {
        expect(next.items[id].start).toBe(doc.items[id].start + (ids.includes(id) ? by : 0));
        if (!ids.includes(id)) expect(next.items[id]).toBe(doc.items[id]);
      }
    }
    const both = applyPatch(doc, { ...empty, moved: [[5, ["b"]], [-3, ["c"]]], items: [item("a", "v1", 1, 2)] });
    expect([both.items.a.start, both.items.b.start, both.items.c.start]).toEqual([1, doc.items.b.start + 5, 77]);
    expect(applyPatch(doc, { ...empty, moved: [[5, ["gone"]]] }).items.gone).toBeUndefined();
  });
  it("applies marker splices in order, leaving the old document's list alone", () => {
    const mk = (id: string, frame: number) => ({ id, frame, frames: 0, name: id, color: "#f00" });
    const doc = { ...sampleDoc(), markers: [mk("a", 1), mk("b", 5), mk("c", 9)] };
    const cases: [[number, number, ReturnType<typeof mk>[]][], string[]][] = [
      [[[1, 0, [mk("n", 3)]]], ["a", "n", "b", "c"]],
      [[[0, 1, []]], ["b", "c"]],
      [[[2, 1, [mk("c", 12)]]], ["a", "b", "c"]],
      [[[3, 0, [mk("d", 20)]], [0, 1, []], [1, 1, []]], ["b", "d"]],
      [[], ["a", "b", "c"]],
    ];
    for (const [splices, ids] of cases) {
      const next = applyPatch(doc, { ...empty, marker_splices: splices });
      expect(next.markers.map((m) => m.id)).toEqual(ids);
      expect(doc.markers.map((m) => m.id)).toEqual(["a", "b", "c"]);
    }
    expect(applyPatch(doc, { ...empty, marker_splices: [[2, 1, [mk("c", 12)]]] }).markers[2].frame).toBe(12);
  });
  it("splices a track's item ids, or keeps them when its entry has none", () => {
    const doc = sampleDoc();
    const { items: _, ...v1 } = doc.tracks[0];
    const cases: [[number, number, string[]] | undefined, string[]][] = [
      [[1, 0, ["n"]], ["a", "n", "b", "c"]],
      [[0, 2, []], ["c"]],
      [[2, 1, ["x", "y"]], ["a", "b", "x", "y"]],
      [undefined, ["a", "b", "c"]],
    ];
    for (const [splice, ids] of cases) {
      const next = applyPatch(doc, { ...empty, tracks: [{ ...v1, muted: true, ...(splice ? { items_splice: splice } : {}) }] });
      expect(next.tracks[0].items).toEqual(ids);
      expect(next.tracks[0].muted).toBe(true);
      expect("items_splice" in next.tracks[0]).toBe(false);
      expect(doc.tracks[0].items).toEqual(["a", "b", "c"]);
    }
    expect(applyPatch(doc, { ...empty, tracks: [{ ...v1, items: ["z"] }] }).tracks[0].items).toEqual(["z"]);
  });
  it("replaces markers only when the patch has them", () => {
    const doc = { ...sampleDoc(), markers: [{ id: "m1", frame: 5, frames: 0, name: "x", color: "#f00" }] };
    expect(applyPatch(doc, empty).markers).toHaveLength(1);
    expect(applyPatch(doc, { ...empty, markers: [] }).markers).toHaveLength(0);
  });
});

describe("time display and preview clock", () => {
  it("formats drop-frame timecode exactly as Python does at 29.97 and 59.94", () => {
    const at = (rate: [number, number]) => ({ ...sampleDoc(), rate });
    const cases: [[number, number], number, string][] = [
      [[30000, 1001], 1799, "00:00:59;29"],
      [[30000, 1001], 1800, "00:01:00;02"],
      [[30000, 1001], 17982, "00:10:00;00"],
      [[30000, 1001], 107892, "01:00:00;00"],
      [[30000, 1001], 3596, "00:01:59;28"],
      [[60000, 1001], 17982, "00:04:59;58"],
      [[60000, 1001], 107892, "00:30:00;00"],
      [[24000, 1001], 107892, "01:14:55:12"],
      [[25, 1], 17983, "00:11:59:08"],
    ];
    for (const [rate, frame, want] of cases) expect(timecode(frame, at(rate))).toBe(want);
  });
  it("writes non-drop timecode when the kernel says so, and keeps the flag across patches", () => {
    const doc = { ...sampleDoc(), rate: [30000, 1001] as [number, number], drop_frame: false };
    expect(timecode(1800, doc)).toBe("00:01:00:00");
    expect(timecode(1800, applyPatch(doc, empty))).toBe("00:01:00:00");
    expect(timecode(1800, { ...doc, drop_frame: true })).toBe("00:01:00;02");
  });
  it("formats timecode at the document rate", () => {
    expect(timecode(0, sampleDoc())).toBe("00:00:00:00");
    expect(timecode(30 * 61 + 7, sampleDoc())).toBe("00:01:01:07");
  });
  it("maps video time to timeline frames and back exactly, at NTSC rates too", () => {
    const rate: [number, number] = [30000, 1001];
    for (let f = 100; f < 3000; f += 37) {
      expect(frameAtTime(timeOfFrame(f, 100, rate), 100, rate)).toBe(f);
      // the first instant of a frame belongs to it
      expect(frameAtTime(((f - 100) * 1001) / 30000, 100, rate)).toBe(f);
    }
  });
  it("picks the filmstrip tile nearest a media time", () => {
    const tiles = [0, 1, 2, 3].map((t) => ({ t, x: t * 10, y: 0, w: 10, h: 6 }));
    expect(nearestTile(tiles, 1.4)).toBe(1);
    expect(nearestTile(tiles, 1.6)).toBe(2);
    expect(nearestTile(tiles, 99)).toBe(3);
    expect(nearestTile([], 1)).toBe(-1);
    expect(mediaTimeAt(item("x", "v1", 0, 10, { source_start: 2, source_per_frame: 0.5 }), 4)).toBe(4);
  });
});
