// The media bin's pure pieces: tile facts (timecode from the shared formatter), hover scrub, viewer keys.
import { describe, expect, it } from "vitest";
import {
  formatBytes,
  frameAtTime,
  markedSpan,
  scrubTile,
  tileFacts,
  timeOfFrame,
  viewerKey,
  type BinItem,
  type ViewerState,
} from "../src/bin-logic";

const item = (over: Partial<BinItem> = {}): BinItem => ({
  path: "/m/a.mp4",
  name: "a.mp4",
  kind: "video",
  frames: 1800,
  tc_rate: [30000, 1001],
  fps: "29.97",
  width: 1920,
  height: 1080,
  codec: "h264",
  audio: "aac 48 kHz 2 ch",
  bytes: 12_345_678,
  error: "",
  used: false,
  ...over,
});

const state = (over: Partial<ViewerState> = {}): ViewerState => ({ frame: 10, frames: 100, step: 1, markIn: null, markOut: null, ...over });

describe("tile facts", () => {
  it("shows the duration as timecode with the probe facts", () => {
    expect(tileFacts(item())).toEqual(["00:01:00;02 · 29.97 fps", "1920×1080 · h264 · aac 48 kHz 2 ch"]);
    expect(tileFacts(item({ frames: 50, tc_rate: [25, 1], fps: "25", audio: "" }))[1]).toBe("1920×1080 · h264 · no audio");
  });
  it("names the file and the reason on an error tile", () => {
    expect(tileFacts(item({ kind: "error", error: "x.mp4: no audio or video streams" }))).toEqual(["x.mp4: no audio or video streams"]);
  });
  it("says a still is a still", () => {
    expect(tileFacts(item({ kind: "still", codec: "png", width: 64, height: 48 }))).toEqual(["still", "64×48 · png"]);
  });
  it("writes sizes the way people read them", () => {
    expect([formatBytes(512), formatBytes(1400), formatBytes(12_345_678)]).toEqual(["512 B", "1.4 kB", "12 MB"]);
  });
});

describe("hover scrub", () => {
  it("maps the pointer's x across the tile to one filmstrip frame", () => {
    expect([0, 10, 63, 64, 127.9, 128, 500].map((x) => scrubTile(x, 128, 16))).toEqual([0, 1, 7, 8, 15, 15, 15]);
    expect(scrubTile(-5, 128, 16)).toBe(0);
    expect(scrubTile(5, 128, 0)).toBe(-1);
  });
  it("seeks to the middle of a frame and reads back the same frame", () => {
    for (const rate of [[25, 1], [30000, 1001], [24000, 1001]] as const) {
      for (const f of [0, 1, 17, 1799]) expect(frameAtTime(timeOfFrame(f, rate), rate)).toBe(f);
    }
  });
});

describe("viewer keys", () => {
  it("I and O mark the frame on screen; a mark past the other clears it", () => {
    expect(viewerKey("i", state())).toEqual({ kind: "mark", markIn: 10, markOut: null });
    expect(viewerKey("O", state({ markIn: 4 }))).toEqual({ kind: "mark", markIn: 4, markOut: 10 });
    expect(viewerKey("i", state({ markOut: 5 }))).toEqual({ kind: "mark", markIn: 10, markOut: null });
    expect(viewerKey("o", state({ markIn: 20 }))).toEqual({ kind: "mark", markIn: null, markOut: 10 });
    expect(viewerKey("i", state({ markIn: 3, markOut: 30 }), { alt: true })).toEqual({ kind: "mark", markIn: null, markOut: 30 });
    expect(viewerKey("x", state({ markIn: 3, markOut: 30 }))).toEqual({ kind: "mark", markIn: null, markOut: null });
  });
  it("J/L and the arrows step (Shift: ten), clamped to the media", () => {
    expect(viewerKey("j", state())).toEqual({ kind: "seek", frame: 9 });
    expect(viewerKey("ArrowRight", state())).toEqual({ kind: "seek", frame: 11 });
    expect(viewerKey("ArrowLeft", state(), { shift: true })).toEqual({ kind: "seek", frame: 0 });
    expect(viewerKey("l", state({ frame: 99 }))).toEqual({ kind: "seek", frame: 99 });
    expect(viewerKey("l", state({ step: 1920 }))).toEqual({ kind: "seek", frame: 99 });
    expect(viewerKey("Home", state({ markIn: 7 }))).toEqual({ kind: "seek", frame: 7 });
    expect(viewerKey("End", state())).toEqual({ kind: "seek", frame: 99 });
  });
  it("comma inserts, period overwrites, K stops, Escape closes; other keys are not the viewer's", () => {
    expect(viewerKey(",", state())).toEqual({ kind: "edit", mode: "insert" });
    expect(viewerKey(".", state())).toEqual({ kind: "edit", mode: "overwrite" });
    expect(viewerKey("k", state())).toEqual({ kind: "play", speed: 0 });
    expect(viewerKey("Escape", state())).toEqual({ kind: "close" });
    expect(viewerKey("q", state())).toBeNull();
  });
  it("the marked span is inclusive and defaults to the whole file", () => {
    expect(markedSpan(state())).toEqual({ first: 0, last: 99, count: 100 });
    expect(markedSpan(state({ markIn: 10, markOut: 19 }))).toEqual({ first: 10, last: 19, count: 10 });
  });
});
