import { describe, expect, it } from "vitest";
import {
  DEFAULT_VIEW,
  fitZoom,
  frameToX,
  itemAt,
  itemRect,
  itemsInRect,
  neighbours,
  rowAt,
  rows,
  snap,
  snapTargets,
  xToFrame,
  zoneAt,
  zoomAround,
} from "../src/geometry";
import { sampleDoc } from "./fixtures";

const view = { ...DEFAULT_VIEW, zoom: 4, scroll: 0, header: 100 };

describe("frames and pixels", () => {
  it("round-trips every frame at several zooms and scrolls", () => {
    for (const zoom of [0.25, 1, 4, 13]) {
      for (const scroll of [0, 37, 400]) {
        const v = { ...view, zoom, scroll };
        for (let f = 0; f < 500; f += 7) {
          if (zoom >= 1) expect(xToFrame(frameToX(f, v), v)).toBe(f);
          else expect(Math.abs(xToFrame(frameToX(f, v), v) - f)).toBeLessThanOrEqual(2);
        }
      }
    }
  });
  it("puts frame 0 at the header edge and never returns negative frames", () => {
    expect(frameToX(0, view)).toBe(100);
    expect(xToFrame(0, view)).toBe(0);
  });
  it("keeps the anchor frame under the pointer when zooming", () => {
    const v = { ...view, scroll: 120 };
    const x = 500;
    const before = (x - v.header + v.scroll) / v.zoom;
    const z = zoomAround(v, 10, x);
    expect((x - z.header + z.scroll) / z.zoom).toBeCloseTo(before, 9);
  });
  it("fits the whole timeline in the width", () => {
    const z = fitZoom(1000, 1116, view);
    expect(100 + 1000 * z).toBeLessThanOrEqual(1116);
  });
});

describe("rows", () => {
  it("draws the top video track first and audio last", () => {
    const r = rows(sampleDoc(), view);
    expect(r.map((x) => x.track.id)).toEqual(["v2", "v1", "a1"]);
    expect(r[1].y).toBe(view.ruler + view.rowHeight);
    expect(rowAt(r[2].y + 1, r)?.track.id).toBe("a1");
    expect(rowAt(0, r)).toBeNull();
  });
});

describe("hit tests", () => {
  const doc = sampleDoc();
  const r = rows(doc, view);
  it("finds edges and body of a clip", () => {
    const rect = itemRect(doc.items.b, r[1], view);
    expect(zoneAt(rect.x + 1, rect)).toBe("in");
    expect(zoneAt(rect.x + rect.w - 1, rect)).toBe("out");
    expect(zoneAt(rect.x + rect.w / 2, rect)).toBe("body");
  });
  it("keeps a body zone on tiny clips", () => {
    const rect = { x: 0, y: 0, w: 9, h: 10 };
    expect(zoneAt(4.5, rect)).toBe("body");
  });
  it("box-selects what the rectangle touches, in any drag direction", () => {
    const a = itemRect(doc.items.a, r[1], view);
    const box = { x: a.x + 5, y: a.y + 5, w: 30 * 4, h: 5 };
    expect(itemsInRect(doc, r, view, box).sort()).toEqual(["a", "b"]);
    const reversed = { x: box.x + box.w, y: box.y + box.h, w: -box.w, h: -box.h };
    expect(itemsInRect(doc, r, view, reversed).sort()).toEqual(["a", "b"]);
  });
  it("finds the item under a frame and an item's neighbours", () => {
    const doc2 = sampleDoc();
    expect(itemAt(doc2, doc2.tracks[0], 30)?.id).toBe("b");
    expect(itemAt(doc2, doc2.tracks[0], 70)).toBeNull();
    expect(neighbours(doc2, doc2.items.b)).toMatchObject({ prev: { id: "a" }, next: { id: "c" } });
  });
});

describe("snapping", () => {
  const doc = sampleDoc();
  it("collects every edge except the moving item's, plus playhead and in/out", () => {
    const t = snapTargets(doc, new Set(["b"]), [45, null]);
    expect(t).toContain(45);
    expect(t).toContain(30); // a's end
    expect(t).not.toContain(60); // b's own end
  });
  it("snaps within the pixel threshold and not beyond", () => {
    expect(snap(31, [30, 60], view)).toEqual({ frame: 30, snapped: true }); // 4 px away
    expect(snap(33, [30, 60], view)).toEqual({ frame: 33, snapped: false }); // 12 px away
    expect(snap(33, [30, 60], { ...view, zoom: 1 })).toEqual({ frame: 30, snapped: true });
  });
  it("prefers the nearest target", () => {
    expect(snap(44, [43, 46], { ...view, zoom: 1 }).frame).toBe(43);
  });
});
