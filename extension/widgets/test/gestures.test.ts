import { describe, expect, it } from "vitest";
import { DEFAULT_VIEW } from "../src/geometry";
import {
  deleteOps,
  overlaps,
  planMove,
  planTrim,
  shuttle,
  splitOps,
  toggleEnabledOps,
  transitionOp,
  trimLimits,
} from "../src/gestures";
import { sampleDoc } from "./fixtures";

const view = { ...DEFAULT_VIEW, zoom: 1 }; // 8-frame snap radius

describe("move", () => {
  it("moves into free space and reports the model's move op", () => {
    const doc = sampleDoc();
    const plan = planMove(doc, doc.items.c, 40, "v1", view);
    expect(plan.op).toEqual({ op: "move", track: "v1", item_id: "c", to: 120 });
    expect(plan.blocked).toBe(false);
  });
  it("snaps the clip's start to a neighbour's end", () => {
    const doc = sampleDoc();
    const plan = planMove(doc, doc.items.c, -17, "v1", view); // lands at 63, b ends at 60
    expect(plan.start).toBe(60);
    expect(plan.snapped).toBe(true);
  });
  it("snaps the clip's end to the playhead", () => {
    const doc = sampleDoc();
    const plan = planMove(doc, doc.items.c, 38, "v1", view, [141]); // end at 138 -> 141
    expect(plan.start).toBe(121);
  });
  it("moves across tracks of the same kind only", () => {
    const doc = sampleDoc();
    expect(planMove(doc, doc.items.c, 0, "v2", view).op).toEqual({ op: "move", track: "v1", item_id: "c", to: 80, to_track: "v2" });
    expect(planMove(doc, doc.items.c, 0, "a1", view).op).toBeNull(); // audio row: stays on v1
  });
  it("flags drops that would overlap (the model will refuse them)", () => {
    const doc = sampleDoc();
    const plan = planMove(doc, doc.items.c, -30, "v1", view); // 50..70 meets b
    expect(plan.blocked).toBe(true);
    expect(overlaps(doc, "v1", 60, 20, new Set())).toBe(false);
  });
  it("never moves before frame 0 and returns no op for no change", () => {
    const doc = sampleDoc();
    expect(planMove(doc, doc.items.t, -500, "v2", view).start).toBe(0);
    // 2 frames right puts c's end at 102, which snaps to m's end (100): back where it was
    expect(planMove(doc, doc.items.c, 2, "v1", view).op).toBeNull();
  });
});

describe("trim", () => {
  it("limits a plain trim by media handles and neighbours", () => {
    const doc = sampleDoc();
    expect(trimLimits(doc, doc.items.b, "in", "normal")).toEqual([0, 29]); // a touches b
    expect(trimLimits(doc, doc.items.b, "out", "normal")).toEqual([-29, 10]); // 20-frame gap, 10 of tail
    expect(trimLimits(doc, doc.items.c, "in", "normal")).toEqual([-10, 19]);
  });
  it("lets ripple trims pass the neighbour", () => {
    const doc = sampleDoc();
    expect(trimLimits(doc, doc.items.a, "out", "ripple")).toEqual([-29, 10]);
  });
  it("rolls only between touching clips, limited by both sides", () => {
    const doc = sampleDoc();
    expect(trimLimits(doc, doc.items.a, "out", "roll")).toEqual([-10, 10]);
    expect(trimLimits(doc, doc.items.b, "out", "roll")).toEqual([0, 0]); // gap after b
  });
  it("makes trim ops with the model's sign convention (positive = later)", () => {
    const doc = sampleDoc();
    expect(planTrim(doc, doc.items.c, "in", 5, "normal", { ...view, zoom: 20 }).op).toEqual({
      op: "trim",
      track: "v1",
      item_id: "c",
      edge: "in",
      delta: 5,
      ripple: false,
    });
    expect(planTrim(doc, doc.items.a, "out", -4, "ripple", { ...view, zoom: 20 }).op).toMatchObject({ edge: "out", delta: -4, ripple: true });
  });
  it("clamps a trim beyond the media to the handle", () => {
    const doc = sampleDoc();
    expect(planTrim(doc, doc.items.c, "in", -50, "normal", { ...view, zoom: 20 }).delta).toBe(-10);
  });
  it("rolls an in edge as the edit point after the previous clip", () => {
    const doc = sampleDoc();
    expect(planTrim(doc, doc.items.b, "in", 3, "roll", { ...view, zoom: 20 }).op).toEqual({ op: "roll", track: "v1", item_id: "a", delta: 3 });
  });
  it("snaps an edge to the playhead", () => {
    const doc = sampleDoc();
    expect(planTrim(doc, doc.items.b, "out", 5, "normal", view, [67]).delta).toBe(7);
  });
});

describe("keyboard edits", () => {
  it("splits the selected clip under the playhead, else every track there", () => {
    const doc = sampleDoc();
    expect(splitOps(doc, 20, ["t"])).toEqual([{ op: "split", track: "v2", at: 20 }]);
    expect(splitOps(doc, 20, []).map((o) => o.track).sort()).toEqual(["a1", "v1", "v2"]);
    // frame 30 is b's first frame, not inside it: split the tracks that have an item across it
    expect(splitOps(doc, 30, ["b"]).map((o) => o.track).sort()).toEqual(["a1", "v2"]);
    expect(splitOps(doc, 70, ["b"]).map((o) => o.track)).toEqual(["a1"]); // nothing selected under it: tracks with an item
  });
  it("deletes later clips first so ripple deletes do not shift the next target", () => {
    const doc = sampleDoc();
    expect(deleteOps(doc, ["a", "c"], true).map((o) => ("item_id" in o ? o.item_id : null))).toEqual(["c", "a"]);
    expect(deleteOps(doc, ["a"], false)).toEqual([{ op: "lift", track: "v1", item_id: "a" }]);
  });
  it("adds a transition between touching clips, or says why not", () => {
    const doc = sampleDoc();
    expect(transitionOp(doc, ["a", "b"], 15)).toMatchObject({
      op: "add_transition",
      track: "v1",
      transition: { from_clip: "a", to_clip: "b", duration: { value: 15, rate: 30 } },
    });
    expect(transitionOp(doc, ["a"], 15)).toMatchObject({ transition: { to_clip: "b" } });
    expect(transitionOp(doc, ["b", "c"], 15)).toMatch(/touch/);
    expect(transitionOp(doc, [], 15)).toMatch(/select/);
  });
  it("shuttles like an NLE", () => {
    expect(shuttle(0, "l")).toBe(1);
    expect(shuttle(1, "l")).toBe(2);
    expect(shuttle(8, "l")).toBe(8);
    expect(shuttle(2, "j")).toBe(-1);
    expect(shuttle(-1, "j")).toBe(-2);
    expect(shuttle(4, "k")).toBe(0);
  });
});

describe("titles", () => {
  it("have no media limits: a title's tail can grow up to its neighbour", () => {
    const doc = sampleDoc();
    doc.items.t = { ...doc.items.t, head: null, tail: null };
    expect(trimLimits(doc, doc.items.t, "out", "normal")).toEqual([-29, Infinity]);
    expect(trimLimits(doc, doc.items.t, "in", "normal")).toEqual([-10, 29]); // frame 0 stops it
  });
});

describe("transitions and switching clips off", () => {
  it("deletes a selected transition before any clip", () => {
    const doc = sampleDoc();
    doc.transitions.x = { id: "x", track: "v1", kind: "dissolve", from_clip: "a", to_clip: "b", start: 25, frames: 10 };
    expect(deleteOps(doc, ["a", "x"], false)).toEqual([
      { op: "remove_transition", track: "v1", transition_id: "x" },
      { op: "lift", track: "v1", item_id: "a" },
    ]);
  });
  it("toggles each selected clip's enabled flag", () => {
    const doc = sampleDoc();
    doc.items.b = { ...doc.items.b, enabled: false };
    expect(toggleEnabledOps(doc, ["a", "b"])).toEqual([
      { op: "update", track: "v1", item_id: "a", changes: { enabled: false } },
      { op: "update", track: "v1", item_id: "b", changes: { enabled: true } },
    ]);
  });
});
