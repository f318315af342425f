// The widget's kinds are the project schema's (src/generated/project.ts, from timeline_lab.model.io).
import { describe, expect, it } from "vitest";
import { DEFAULT_VIEW, rows } from "../src/geometry";
import type { ItemType, TrackKind, TransitionSide } from "../src/types";
import { sampleDoc } from "./fixtures";

// compile-time: the typecheck fails when the schema's lists change (then update the widget, and these)
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const trackKinds: Equal<TrackKind, "video" | "audio" | "subtitle"> = true;
const itemTypes: Equal<ItemType, "clip" | "text" | "sequence"> = true;
const sides: Equal<TransitionSide, string | null> = true;

describe("kinds from the schema", () => {
  it("are the project file's", () => {
    expect([trackKinds, itemTypes, sides]).toEqual([true, true, true]);
  });
  it("draws subtitle tracks, above the pictures", () => {
    const doc = sampleDoc();
    const sub = { ...doc.tracks[0], id: "s1", name: "S1", kind: "subtitle" as TrackKind, items: [] };
    const r = rows({ ...doc, tracks: [...doc.tracks, sub] }, DEFAULT_VIEW);
    expect(r.map((x) => x.track.id)).toEqual(["s1", "v2", "v1", "a1"]);
  });
});
