// Waveform lookup: peaks are placed in media time (0: the video's first frame), as a clip's source range.
import { describe, expect, it } from "vitest";
import { drawWaveform, peakOver, type MediaPreview } from "../src/media";
import { item } from "./fixtures";

const BUCKET = 0.01;

/** Peaks of a sound starting at media time ``start`` with one loud bucket at media time ``burst``. */
function preview(start: number, burst: number, buckets = 300): MediaPreview {
  const peaks = new Float32Array(buckets).fill(0.2);
  peaks[Math.round((burst - start) / BUCKET)] = 1;
  return { tiles: [], strip: null, peaks, bucketSeconds: BUCKET, peaksStart: start };
}

/** Bar half-heights per pixel column drawWaveform strokes (amp 10). */
function bars(p: MediaPreview, sourceStart: number, width: number, zoom: number, sourcePerFrame = 1 / 100): number[] {
  const heights: number[] = [];
  const ctx = {
    beginPath() {},
    stroke() {},
    moveTo(_x: number, y: number) {
      heights.push(-y);
    },
    lineTo() {},
  } as unknown as CanvasRenderingContext2D;
  const clip = item("c", "a1", 0, 400, { source_start: sourceStart, source_per_frame: sourcePerFrame, has_audio: true });
  drawWaveform(ctx, clip, p, width, 0, 10, zoom);
  return heights;
}

describe("waveform lookup", () => {
  // sound earlier than the video (negative start), later, on time; clips trimmed in or not
  const cases: [number, number, number][] = [
    [-0.12, 0.18, 0],
    [-0.12, 0.78, 0.5],
    [0.3, 0.9, 0],
    [0.3, 0.9, 0.4],
    [0, 1.4, 1],
    [-1.5, 0.2, 0.1],
  ];
  it.each(cases)("sound from %s s draws its burst at media time %s (clip from %s s)", (start, burst, from) => {
    const p = preview(start, burst);
    expect(peakOver(p, burst, burst + BUCKET / 2)).toBe(1);
    expect(peakOver(p, burst - 0.05, burst - 0.02)).toBeCloseTo(0.2);
    // one pixel a frame, a frame 4 ms of source: the tall bars are the burst bucket's columns
    const spf = 0.004;
    const h = bars(p, from, 500, 1, spf);
    const tall = h.flatMap((v, x) => (v > 5 ? [from + (x + 0.5) * spf] : []));
    expect(tall.length).toBeGreaterThanOrEqual(2);
    for (const t of tall) {
      expect(t).toBeGreaterThan(burst - spf);
      expect(t).toBeLessThan(burst + BUCKET + spf);
    }
  });

  it("is silent before the sound starts and after it ends", () => {
    const p = preview(0.3, 0.9, 100); // sound over media [0.3, 1.3)
    expect(peakOver(p, 0, 0.29)).toBe(0);
    expect(peakOver(p, -1, -0.5)).toBe(0);
    expect(peakOver(p, 1.3, 2)).toBe(0);
    expect(peakOver(p, 0.29, 0.31)).toBeCloseTo(0.2);
    const h = bars(p, 0, 150, 1);
    expect(h.slice(0, 30).every((v) => v === 0.5)).toBe(true); // the flat line, not bucket 0
    expect(h.slice(30, 130).every((v) => v > 1.5)).toBe(true);
    expect(h.slice(130).every((v) => v === 0.5)).toBe(true);
  });

  it("reads a reversed span the same as a forward one", () => {
    const p = preview(-0.12, 0.5);
    expect(peakOver(p, 0.51, 0.49)).toBe(peakOver(p, 0.49, 0.51));
    expect(peakOver(p, 0.51, 0.49)).toBe(1);
  });
});
