// Sorted spans: the lookups that let a draw cost what is on screen.
import { describe, expect, it } from "vitest";
import { applyPatch, patchDoc } from "../src/doc";
import { itemAt, neighbours, snap, snapTargets, trackItems, DEFAULT_VIEW } from "../src/geometry";
import type { Patch } from "../src/types";
import { groups, indexOf, SpanIndex } from "../src/visible";
import { bigDoc, item } from "./fixtures";

const noPatch: Patch = {
  rev: 1,
  duration: 0,
  order: null,
  tracks: [],
  items: [],
  transitions: [],
  removed_tracks: [],
  removed_items: [],
  removed_transitions: [],
  markers: null,
};

describe("span index", () => {
  it("finds exactly the spans meeting a range, overlapping or not (against a scan)", () => {
    let seed = 7;
    const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % n);
    const spans = Array.from({ length: 500 }, (_, i) => ({ i, start: rand(5000), frames: rand(3) ? rand(40) : rand(900) }));
    const index = new SpanIndex(spans, (s) => s.start, (s) => s.start + s.frames);
    for (let k = 0; k < 300; k++) {
      const from = rand(5200) - 100;
      const to = from + rand(400);
      const want = spans.filter((s) => s.start < to && s.start + s.frames >= from).map((s) => s.i);
      expect(index.within(from, to).map((s) => s.i).sort((a, b) => a - b)).toEqual(want.sort((a, b) => a - b));
    }
  });

  it("merges only spans too narrow to tell apart", () => {
    const spans = [
      [0, 1],
      [1, 2],
      [2, 3],
      [10, 200],
      [200, 201],
      [300, 301],
    ].map(([s, e]) => ({ s, e }));
    const g = groups(spans, (x) => x.s, (x) => x.e, 1, 3);
    expect(g.map((x) => [x.start, x.end, x.count, x.index])).toEqual([
      [0, 3, 3, 0],
      [10, 200, 1, 3],
      [200, 201, 1, 4],
      [300, 301, 1, 5],
    ]);
    expect(groups(spans, (x) => x.s, (x) => x.e, 10, 3).every((x) => x.count === 1)).toBe(true);
  });
});

describe("patches at scale", () => {
  it("in place gives the same document as a copy, and re-sorts only the tracks the patch touched", () => {
    const doc = bigDoc(400, 4, 10);
    const copy = bigDoc(400, 4, 10);
    const before = { v1: indexOf(doc).items("v1"), v2: indexOf(doc).items("v2"), markers: indexOf(doc).markers() };
    // c0_3 moves from V1 to V2 at frame 5000
    const moved = { ...doc.items["c0_3"], track: "v2", start: 5000 };
    const v1 = { ...doc.tracks[0], items: doc.tracks[0].items.filter((i) => i !== "c0_3") };
    const v2 = { ...doc.tracks[1], items: [...doc.tracks[1].items, "c0_3"] };
    const patch: Patch = { ...noPatch, duration: 5020, tracks: [v1, v2], items: [moved] };
    const next = applyPatch(copy, patch);
    patchDoc(doc, patch);
    expect(doc).toEqual(next);
    expect(copy.items["c0_3"].track).toBe("v1"); // the copy's source is left alone
    expect(indexOf(doc).items("v1")).not.toBe(before.v1);
    expect(indexOf(doc).items("v2")).not.toBe(before.v2);
    expect(indexOf(doc).items("v3")).toBe(indexOf(doc).items("v3"));
    expect(indexOf(doc).markers()).toBe(before.markers);
    expect(trackItems(doc, doc.tracks[1]).slice(-1)[0].id).toBe("c0_3");
    expect(itemAt(doc, doc.tracks[1], 5010)!.id).toBe("c0_3");
    expect(itemAt(doc, doc.tracks[0], 3 * 22 + 1)).toBeNull();
    expect(neighbours(doc, doc.items["c0_4"]).prev!.id).toBe("c0_2");
    // snap targets follow the patched document (same object, a new revision)
    expect(snap(4998, snapTargets(doc, new Set(), []), DEFAULT_VIEW).frame).toBe(5000);
  });

  it("a ripple's moved items are found where they moved to (their track re-sorted, others kept)", () => {
    const doc = bigDoc(400, 4, 10);
    const built = { v1: indexOf(doc).items("v1"), v2: indexOf(doc).items("v2") };
    const later = doc.tracks[0].items.slice(10);
    const start = doc.items[later[0]].start;
    patchDoc(doc, { ...noPatch, moved: [[7, later]] });
    expect(indexOf(doc).items("v1")).not.toBe(built.v1);
    expect(indexOf(doc).items("v2")).toBe(built.v2);
    expect(itemAt(doc, doc.tracks[0], start + 7)!.id).toBe(later[0]);
    expect(itemAt(doc, doc.tracks[0], start + 1)).toBeNull();
    expect(trackItems(doc, doc.tracks[0]).map((i) => i.id)).toEqual(doc.tracks[0].items);
  });

  it("keeps the index of untouched tracks when nothing was built yet", () => {
    const doc = bigDoc(8, 2, 0);
    patchDoc(doc, { ...noPatch, items: [item("c0_0", "v1", 0, 5)] });
    expect(trackItems(doc, doc.tracks[0])[0].frames).toBe(5);
  });
});
