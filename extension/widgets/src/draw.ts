// Building the timeline's elements: clips, ruler ticks, analysis lanes. Pure DOM from data.
import { fps, timecode } from "./doc";
import { frameToX, xToFrame, type Rect, type Row, type View } from "./geometry";
import { drawFilmstrip, drawWaveform, type MediaPreview } from "./media";
import { el } from "./model";
import type { Doc, ItemView, Lane } from "./types";
import { groups, SpanIndex, type Group } from "./visible";

/**
 * The element of one clip: label, trim handles, and its thumbnails and waveform once they arrived.
 * ``span`` is the part of the clip (pixels from its left edge) that gets a canvas: what is on screen.
 */
export function itemElement(
  item: ItemView,
  rect: Rect,
  selected: boolean,
  preview: MediaPreview | undefined,
  zoom: number,
  span: [number, number] = [0, rect.w],
): HTMLElement {
  const d = el("div", `tl-item tl-${item.type}`);
  d.dataset.id = item.id;
  d.dataset.track = item.track;
  d.dataset.start = String(item.start);
  d.dataset.frames = String(item.frames);
  d.style.left = `${rect.x}px`;
  d.style.top = `${rect.y}px`;
  d.style.width = `${rect.w}px`;
  d.style.height = `${rect.h}px`;
  if (selected) d.classList.add("tl-selected");
  if (!item.enabled) d.classList.add("tl-disabled");
  const [from, to] = span;
  if (preview && rect.w >= 4 && to - from >= 1) {
    const c = document.createElement("canvas");
    c.className = "tl-thumbs";
    c.style.left = `${from}px`;
    c.width = Math.min(Math.ceil(to - from), 8192);
    c.height = Math.ceil(rect.h);
    const ctx = c.getContext("2d");
    if (ctx) {
      const stripH = item.has_audio && item.has_video ? Math.round(rect.h * 0.62) : rect.h;
      if (item.has_video) drawFilmstrip(ctx, item, preview, c.width, stripH, zoom, from);
      if (item.has_audio) {
        ctx.strokeStyle = "rgba(120, 220, 160, 0.9)";
        const top = item.has_video ? stripH : 0;
        const mid = (top + rect.h) / 2;
        drawWaveform(ctx, item, preview, c.width, mid, (rect.h - top) / 2 - 1, zoom, from);
      }
    }
    d.appendChild(c);
  }
  const label = el("span", "tl-label", d);
  label.textContent = item.label;
  // a tooltip: what the clip is and where it sits (labels are cut short on narrow clips)
  const src =
    item.type === "clip"
      ? `, from ${item.source_start.toFixed(3)} s of the media`
      : item.type === "sequence"
        ? ", a nested sequence"
        : "";
  d.title = `${item.label}: frames ${item.start}–${item.start + item.frames - 1} (${item.frames})${src}${item.enabled ? "" : ", off"}`;
  el("div", "tl-edge tl-edge-in", d);
  el("div", "tl-edge tl-edge-out", d);
  return d;
}

/**
 * Timecode ticks across the ruler, spaced at least 80 px apart on round steps.
 * Only ticks right of the track headers are drawn: a label that starts under the header column
 * (after a zoom or a scroll) would be printed over the track names.
 */
export function rulerTicks(doc: Doc, v: View, width: number): DocumentFragment {
  const rate = fps(doc);
  const frag = document.createDocumentFragment();
  const minPx = 80;
  const steps = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 1800, 3600].map((s) => s * Math.round(rate));
  const step = [1, 5, 10, ...steps].find((s) => s * v.zoom >= minPx) ?? steps[steps.length - 1];
  const first = Math.ceil(Math.max(0, xToFrame(v.header, v)) / step) * step;
  for (let f = first; frameToX(f, v) < width; f += step) {
    if (frameToX(f, v) < v.header) continue;
    const t = el("div", "tl-tick");
    t.style.left = `${frameToX(f, v)}px`;
    t.textContent = timecode(f, doc);
    frag.appendChild(t);
  }
  return frag;
}

/** One element for clips too narrow to tell apart at this zoom (zoom in to edit them one by one). */
export function runElement(g: Group<ItemView>, row: Row, v: View, selected: boolean): HTMLElement {
  const r = el("div", "tl-run");
  r.dataset.track = row.track.id;
  r.dataset.count = String(g.count);
  r.style.left = `${frameToX(g.start, v)}px`;
  r.style.top = `${row.y + 2}px`;
  r.style.width = `${Math.max(1, (g.end - g.start) * v.zoom)}px`;
  r.style.height = `${row.height - 4}px`;
  r.title = `${g.count} clips, frames ${g.start}–${g.end - 1} (zoom in to edit them)`;
  if (selected) r.classList.add("tl-selected");
  return r;
}

/** Lane segments and markers with their sorted spans (lanes change far less often than the view). */
interface LaneSpans {
  segments: SpanIndex<[number, number, string]>;
  markers: SpanIndex<[number, string]>;
}
const LANE_SPANS = new WeakMap<Lane, LaneSpans>();

function laneSpans(lane: Lane): LaneSpans {
  let spans = LANE_SPANS.get(lane);
  if (!spans) {
    spans = {
      segments: new SpanIndex(lane.segments, (s) => s[0], (s) => s[1]),
      markers: new SpanIndex(lane.markers, (m) => m[0], (m) => m[0]),
    };
    LANE_SPANS.set(lane, spans);
  }
  return spans;
}

/** Analysis lanes under the tracks: their names, and the segments and point markers in frames [f0, f1). */
export function laneElements(lanes: Lane[], top: number, v: View, f0 = 0, f1 = Infinity): DocumentFragment {
  const frag = document.createDocumentFragment();
  lanes.forEach((lane, i) => {
    const y = top + i * v.laneHeight;
    const name = el("div", "tl-lane-name");
    name.textContent = lane.name;
    name.style.top = `${y}px`;
    frag.appendChild(name);
    const spans = laneSpans(lane);
    for (const g of groups(spans.segments.within(f0, f1), (s) => s[0], (s) => s[1], v.zoom, 2)) {
      const label = g.count > 1 ? `${g.count} segments` : g.first[2];
      const s = el("div", "tl-segment");
      s.title = label;
      s.textContent = label; // shown where the segment is wide enough (CSS cuts it short), else the tooltip
      s.dataset.lane = lane.name;
      s.style.left = `${frameToX(g.start, v)}px`;
      s.style.width = `${Math.max(2, (g.end - g.start) * v.zoom)}px`;
      s.style.top = `${y + 2}px`;
      s.style.height = `${v.laneHeight - 4}px`;
      s.style.background = lane.color;
      frag.appendChild(s);
    }
    for (const g of groups(spans.markers.within(f0, f1), (m) => m[0], (m) => m[0], v.zoom, 3)) {
      const m = el("div", "tl-lane-marker");
      m.title = g.count > 1 ? `${g.count} markers` : g.first[1];
      m.style.left = `${frameToX(g.start, v)}px`;
      m.style.top = `${y + 2}px`;
      m.style.height = `${v.laneHeight - 4}px`;
      m.style.background = lane.color;
      frag.appendChild(m);
    }
  });
  return frag;
}
