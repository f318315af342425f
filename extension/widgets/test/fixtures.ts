import type { Doc, ItemView, TrackView } from "../src/types";

export function item(id: string, track: string, start: number, frames: number, extra: Partial<ItemView> = {}): ItemView {
  return {
    id,
    track,
    type: "clip",
    label: id,
    start,
    frames,
    enabled: true,
    media: `/media/${id}.mp4`,
    source_start: 0,
    source_per_frame: 1 / 30,
    head: 10,
    tail: 10,
    has_video: true,
    has_audio: false,
    ...extra,
  };
}

/** V1: a[0,30) b[30,60) gap c[80,100); V2: t[10,40); A1: m[0,100). */
export function sampleDoc(): Doc {
  const items = [
    item("a", "v1", 0, 30),
    item("b", "v1", 30, 30),
    item("c", "v1", 80, 20),
    item("t", "v2", 10, 30, { type: "text", media: null }),
    item("m", "a1", 0, 100, { has_video: false, has_audio: true }),
  ];
  return {
    rev: 0,
    rate: [30, 1],
    duration: 100,
    tracks: [
      { id: "v1", name: "V1", kind: "video", items: ["a", "b", "c"], transitions: [], muted: false, locked: false },
      { id: "v2", name: "V2", kind: "video", items: ["t"], transitions: [], muted: false, locked: false },
      { id: "a1", name: "A1", kind: "audio", items: ["m"], transitions: [], muted: false, locked: false },
    ],
    items: Object.fromEntries(items.map((i) => [i.id, i])),
    transitions: {},
    markers: [],
  };
}

/** A stand-in for anywidget's model: traits, change events, messages both ways. */
export class FakeModel {
  values: Record<string, any> = { playhead: 0, playing: 0, zoom: 4, selection: [], in_point: null, out_point: null, lanes: [], message: "", clock: "self" };
  handlers = new Map<string, ((...a: any[]) => void)[]>();
  sent: any[] = [];
  saves = 0;
  get(k: string) {
    return this.values[k];
  }
  set(k: string, v: unknown) {
    this.values[k] = v;
    for (const fn of this.handlers.get(`change:${k}`) ?? []) fn();
  }
  save_changes() {
    this.saves++;
  }
  on(e: string, fn: (...a: any[]) => void) {
    this.handlers.set(e, [...(this.handlers.get(e) ?? []), fn]);
  }
  off(e: string, fn: (...a: any[]) => void) {
    this.handlers.set(e, (this.handlers.get(e) ?? []).filter((f) => f !== fn));
  }
  send(content: unknown) {
    this.sent.push(content);
  }
  emit(msg: unknown) {
    for (const fn of this.handlers.get("msg:custom") ?? []) fn(msg, []);
  }
}

/**
 * ``clips`` clips of 20 frames, 2 apart, spread over ``tracks`` video tracks, a dissolve at every
 * 10th gap, and ``markers`` markers: a feature-film-sized timeline.
 */
export function bigDoc(clips: number, tracks = 4, markers = 1000): Doc {
  const items: Record<string, ItemView> = {};
  const trackViews: TrackView[] = [];
  const transitions: Doc["transitions"] = {};
  const perTrack = Math.ceil(clips / tracks);
  for (let t = 0; t < tracks; t++) {
    const id = `v${t + 1}`;
    const ids: string[] = [];
    const trs: string[] = [];
    for (let k = 0; k < perTrack && t * perTrack + k < clips; k++) {
      const cid = `c${t}_${k}`;
      items[cid] = item(cid, id, 22 * k, 20);
      ids.push(cid);
      if (k % 10 === 9) {
        const tid = `x${t}_${k}`;
        transitions[tid] = { id: tid, track: id, kind: "dissolve", from_clip: cid, to_clip: null, start: 22 * k + 16, frames: 4 };
        trs.push(tid);
      }
    }
    trackViews.push({ id, name: `V${t + 1}`, kind: "video", items: ids, transitions: trs, muted: false, locked: false });
  }
  const duration = 22 * perTrack;
  const marks = Array.from({ length: markers }, (_, i) => ({
    id: `m${i}`,
    frame: Math.floor((i * duration) / markers),
    frames: 0,
    name: `marker ${i}`,
    color: "#ffcc00",
  }));
  return { rev: 0, rate: [25, 1], drop_frame: false, duration, tracks: trackViews, items, transitions, markers: marks };
}
