// Building the timeline's elements: clips, ruler ticks, analysis lanes. Pure DOM from data.
import { fps, timecode } from "./doc";
import { frameToX, xToFrame, type Rect, type View } from "./geometry";
import { drawFilmstrip, drawWaveform, type MediaPreview } from "./media";
import { el } from "./model";
import type { Doc, ItemView, Lane } from "./types";

/** The element of one clip: label, trim handles, and its thumbnails and waveform once they arrived. */
export function itemElement(
item: ItemView,
rect: Rect,
selected: boolean,
preview: MediaPreview | undefined,
zoom: number,
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
  if (preview && rect.w >= 4) {
    const c = document.createElement("canvas");
    c.className = "tl-thumbs";
    c.width = Math.min(Math.ceil(rect.w), 8192);
    c.height = Math.ceil(rect.h);
    const ctx = c.getContext("2d");
    if (ctx) {
      const stripH = item.has_audio && item.has_video ? Math.round(rect.h * 0.62) : rect.h;
      if (item.has_video) drawFilmstrip(ctx, item, preview, c.width, stripH, zoom);
      if (item.has_audio) {
        ctx.strokeStyle = "rgba(120, 220, 160, 0.9)";
        const top = item.has_video ? stripH : 0;
        const mid = (top + rect.h) / 2;
        drawWaveform(ctx, item, preview, c.width, mid, (rect.h - top) / 2 - 1, zoom);
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

/** Analysis lanes under the tracks: their names, segments and point markers. */
export function laneElements(lanes: Lane[], top: number, v: View): DocumentFragment {
  const frag = document.createDocumentFragment();
  lanes.forEach((lane, i) => {
    const y = top + i * v.laneHeight;
    const name = el("div", "tl-lane-name");
    name.textContent = lane.name;
    name.style.top = `${y}px`;
    frag.appendChild(name);
    for (const [a, b, label] of lane.segments) {
      const s = el("div", "tl-segment");
      s.title = label;
      s.textContent = label; // shown where the segment is wide enough (CSS cuts it short), else the tooltip
      s.dataset.lane = lane.name;
      s.style.left = `${frameToX(a, v)}px`;
      s.style.width = `${Math.max(2, (b - a) * v.zoom)}px`;
      s.style.top = `${y + 2}px`;
      s.style.height = `${v.laneHeight - 4}px`;
      s.style.background = lane.color;
      frag.appendChild(s);
    }
    for (const [f, label] of lane.markers) {
      const m = el("div", "tl-lane-marker");
      m.title = label;
      m.style.left = `${frameToX(f, v)}px`;
      m.style.top = `${y + 2}px`;
      m.style.height = `${v.laneHeight - 4}px`;
      m.style.background = lane.color;
      frag.appendChild(m);
    }
  });
  return frag;
}
