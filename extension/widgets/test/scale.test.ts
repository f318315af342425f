// The timeline at feature-film size: 10,000 clips (with transitions, markers and a 10,000-segment
// lane) draw only what is on screen, and a render, a scroll and an edit's patch stay interactive.
import { beforeEach, describe, expect, it } from "vitest";
import { TimelineView } from "../src/timeline";
import type { Doc, Lane, Patch } from "../src/types";
import { bigDoc, FakeModel, item } from "./fixtures";

const CLIPS = 10_000;
const BUDGET_MS = 50; // an edit's round trip, the goal (this is happy-dom, slower than a browser)

function open(doc: Doc): { view: TimelineView; model: FakeModel; host: HTMLElement } {
  const model = new FakeModel();
  const host = document.createElement("div");
  document.body.appendChild(host);
  const view = new TimelineView(model as any, host);
  view.onMessage({ kind: "reset", doc }, []);
  return { view, model, host };
}

function median(fn: () => void, repeat = 7): number {
  const times: number[] = [];
  for (let i = 0; i < repeat; i++) {
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
  }
  return times.sort((a, b) => a - b)[repeat >> 1];
}

/** Drawn items, with the frames they cover. */
function drawn(host: HTMLElement): { id: string; start: number; end: number }[] {
  return [...host.querySelectorAll<HTMLElement>(".tl-item")].map((e) => ({
    id: e.dataset.id!,
    start: +e.dataset.start!,
    end: +e.dataset.start! + +e.dataset.frames!,
  }));
}

function trimPatch(doc: Doc, id: string, rev: number): Patch {
  const it = doc.items[id];
  return {
    rev,
    duration: doc.duration,
    order: null,
    tracks: [],
    items: [{ ...it, frames: it.frames - 1 }],
    transitions: [],
    removed_tracks: [],
    removed_items: [],
    removed_transitions: [],
    markers: null,
  };
}

describe("10,000 clips", () => {
  beforeEach(() => {
    document.body.innerHTML = "";
  });

  it("fitted: as many elements as the pixels can show, not one per clip", () => {
    const { host, view } = open(bigDoc(CLIPS));
    expect(view.view.zoom).toBeLessThan(0.1); // fitted: each clip about a pixel wide
    const elements = host.querySelectorAll(".tl-item, .tl-run, .tl-transition, .tl-marker").length;
    expect(elements).toBeGreaterThan(0);
    expect(elements).toBeLessThan(4 * 900); // 4 tracks + markers, at most one element per ~3 px each
    const runs = [...host.querySelectorAll<HTMLElement>(".tl-run")];
    expect(runs.length).toBeGreaterThan(0);
    // the runs hold the clips on screen: nothing on screen is missing
    const [f0, f1] = view.visibleFrames(900);
    const onScreen = view.doc!.tracks[0].items.filter((id) => {
      const it = view.doc!.items[id];
      return it.start < f1 && it.start + it.frames >= f0;
    }).length;
    const shown = runs.filter((r) => r.dataset.track === "v1").reduce((n, r) => n + +r.dataset.count!, 0);
    expect(shown + drawn(host).filter((d) => d.id.startsWith("c0_")).length).toBe(onScreen);
  });

  it("zoomed in: only the clips, transitions and markers in view are in the DOM, also after a scroll", () => {
    const { host, view } = open(bigDoc(CLIPS));
    view.zoomBy(4 / view.view.zoom);
    view.scrollTo(0);
    const [f0, f1] = view.visibleFrames(900);
    let items = drawn(host);
    expect(items.length).toBeGreaterThan(8);
    expect(items.length).toBeLessThan(4 * 20);
    for (const d of items) expect(d.end >= f0 && d.start < f1).toBe(true);
    expect(host.querySelectorAll(".tl-run")).toHaveLength(0);
    expect(host.querySelectorAll(".tl-transition").length).toBeLessThan(4 * 3);
    expect(host.querySelectorAll(".tl-marker").length).toBeLessThan(10);
    // scroll to the middle of the film: the first clips leave the DOM, the middle ones arrive
    view.scrollTo(27_000 * 4);
    items = drawn(host);
    const [g0, g1] = view.visibleFrames(900);
    expect(items.some((d) => d.id === "c0_0")).toBe(false);
    expect(items.length).toBeGreaterThan(8);
    for (const d of items) expect(d.end >= g0 && d.start < g1).toBe(true);
    expect(host.querySelector(`.tl-item[data-id="c1_1227"]`)).not.toBeNull(); // frame 26,994
  });

  it("an analysis lane of 10,000 segments draws only those in view", () => {
    const { host, view, model } = open(bigDoc(CLIPS));
    const lane: Lane = {
      name: "faces",
      color: "#f0a",
      segments: Array.from({ length: CLIPS }, (_, i) => [i * 6, i * 6 + 4, `face ${i}`] as [number, number, string]),
      markers: Array.from({ length: CLIPS }, (_, i) => [i * 6 + 5, `m ${i}`] as [number, string]),
    };
    model.set("lanes", [lane]);
    view.draw();
    expect(host.querySelectorAll(".tl-segment").length).toBeLessThan(900);
    view.zoomBy(4 / view.view.zoom);
    view.scrollTo(30_000 * 4);
    const segs = [...host.querySelectorAll<HTMLElement>(".tl-segment")];
    expect(segs.length).toBeGreaterThan(20);
    expect(segs.length).toBeLessThan(60);
    expect(segs.map((s) => s.textContent)).toContain("face 5000");
  });

  it("a long clip's thumbnail canvas covers the part on screen", () => {
    const long = item("long", "v1", 0, 200_000, { has_audio: true, has_video: false });
    const doc: Doc = { ...bigDoc(0, 1, 0), duration: 200_000, items: { long } };
    doc.tracks[0].items = ["long"];
    const { host, view } = open(doc);
    view.media.set(long.media!, { tiles: [], strip: null, peaks: new Float32Array(100), bucketSeconds: 1, peaksStart: 0 });
    view.zoomBy(4 / view.view.zoom);
    view.scrollTo(100_000 * 4);
    const canvas = host.querySelector<HTMLCanvasElement>(".tl-item canvas.tl-thumbs")!;
    expect(canvas.width).toBeLessThanOrEqual(900 + 2 * 1024);
    expect(parseFloat(canvas.style.left)).toBeGreaterThan(100_000 * 4 - 2048);
    // a small scroll moves the clip, and keeps the canvas
    view.scrollTo(100_000 * 4 + 10);
    expect(host.querySelector(".tl-item canvas.tl-thumbs")).toBe(canvas);
  });

  it("renders, scrolls and applies an edit's patch within the budget", () => {
    const doc = bigDoc(CLIPS);
    const t0 = performance.now();
    const { host, view } = open(doc);
    const render = performance.now() - t0;
    view.zoomBy(4 / view.view.zoom);
    view.scrollTo(20_000 * 4);
    let x = 20_000 * 4;
    const scroll = median(() => view.scrollTo((x += 37)));
    // an edit of a clip on screen, as the kernel answers it: the patch, applied and drawn
    const target = drawn(host)[0].id;
    let rev = 1;
    const edit = median(() => {
      const patch = trimPatch(view.doc!, target, rev++);
      view.onMessage({ kind: "patch", patch }, []);
    });
    expect(host.querySelector<HTMLElement>(`.tl-item[data-id="${target}"]`)!.dataset.frames).toBe(String(20 - 7));
    // the same on a clip off screen: nothing on screen is rebuilt
    const far = median(() => view.onMessage({ kind: "patch", patch: trimPatch(view.doc!, "c3_2400", rev++) }, []));
    console.log(
      `10k clips (happy-dom): first render ${render.toFixed(1)} ms, scroll step ${scroll.toFixed(2)} ms, ` +
        `edit patch + redraw ${edit.toFixed(2)} ms (off screen ${far.toFixed(2)} ms)`,
    );
    expect(scroll).toBeLessThan(BUDGET_MS);
    expect(edit).toBeLessThan(BUDGET_MS);
    expect(far).toBeLessThan(BUDGET_MS);
  });
});
