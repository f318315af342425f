import type { Doc, ItemView } from "../src/types";

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
