// Filmstrip tiles and waveform peaks the kernel sends per media file, drawn into clips.
import type { ItemView } from "./types";

export interface Tile {
  t: number; // media seconds the tile shows (display only)
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface MediaPreview {
  tiles: Tile[]; // sorted by time; rectangles in the sprite
  strip: CanvasImageSource | null; // the tiles side by side
  peaks: Float32Array | null; // max |sample| per bucket
  bucketSeconds: number;
  peaksStart: number; // media seconds (0: the video's first frame, as source ranges count) of the first bucket
}

/**
 * The key a clip's previews are asked and kept by: its media, and the sound stream it plays where
 * that is not the file's default (two clips of one file on different streams draw different peaks).
 */
export function mediaKey(media: string, audioStream?: number | null): string {
  return audioStream === undefined || audioStream === null ? media : `${media}\u0000${audioStream}`;
}

/** Index of the tile nearest media time ``t`` (tiles are sorted). */
export function nearestTile(tiles: { t: number }[], t: number): number {
  let lo = 0;
  let hi = tiles.length - 1;
  if (hi < 0) return -1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (tiles[mid].t < t) lo = mid + 1;
    else hi = mid;
  }
  if (lo > 0 && Math.abs(tiles[lo - 1].t - t) <= Math.abs(tiles[lo].t - t)) return lo - 1;
  return lo;
}

/** Media time shown at ``frameOffset`` frames into ``item``. */
export function mediaTimeAt(item: ItemView, frameOffset: number): number {
  return item.source_start + frameOffset * item.source_per_frame;
}

/**
 * Draw tiles across ``width`` x ``height`` pixels of a clip at ``zoom`` px per frame, starting
 * ``offset`` px into the clip (a long clip's canvas covers only the part on screen).
 */
export function drawFilmstrip(
  ctx: CanvasRenderingContext2D,
  item: ItemView,
  preview: MediaPreview,
  width: number,
  height: number,
  zoom: number,
  offset = 0,
): void {
  if (!preview.strip || preview.tiles.length === 0) return;
  const first = preview.tiles[0];
  const w = Math.max(8, Math.round((first.w * height) / first.h));
  for (let x = Math.floor(offset / w) * w; x < offset + width; x += w) {
    const tile = preview.tiles[nearestTile(preview.tiles, mediaTimeAt(item, (x + w / 2) / zoom))];
    ctx.drawImage(preview.strip, tile.x, tile.y, tile.w, tile.h, x - offset, 0, w, height);
  }
}

/**
 * Loudest peak over media times [t0, t1) (either order: a reversed clip runs backwards). Bucket
 * ``b`` covers ``peaksStart + b * bucketSeconds`` onwards; before the first and after the last the
 * render plays silence (sound that starts after the picture, or ends before it), so 0.
 */
export function peakOver(preview: MediaPreview, t0: number, t1: number): number {
  const peaks = preview.peaks;
  if (!peaks || peaks.length === 0 || preview.bucketSeconds <= 0) return 0;
  const lo = (Math.min(t0, t1) - preview.peaksStart) / preview.bucketSeconds;
  const hi = (Math.max(t0, t1) - preview.peaksStart) / preview.bucketSeconds;
  const b0 = Math.max(0, Math.floor(lo));
  const b1 = Math.min(peaks.length, Math.max(Math.floor(lo) + 1, Math.ceil(hi)));
  let p = 0;
  for (let b = b0; b < b1; b++) p = Math.max(p, peaks[b]);
  return p;
}

/** Draw the waveform of the media span a clip shows, centred on ``mid``, from ``offset`` px into the clip. */
export function drawWaveform(
  ctx: CanvasRenderingContext2D,
  item: ItemView,
  preview: MediaPreview,
  width: number,
  mid: number,
  amp: number,
  zoom: number,
  offset = 0,
): void {
  const peaks = preview.peaks;
  if (!peaks || peaks.length === 0 || preview.bucketSeconds <= 0) return;
  ctx.beginPath();
  for (let x = offset; x < offset + width; x++) {
    const p = peakOver(preview, mediaTimeAt(item, x / zoom), mediaTimeAt(item, (x + 1) / zoom));
    const h = Math.max(0.5, p * amp);
    ctx.moveTo(x - offset + 0.5, mid - h);
    ctx.lineTo(x - offset + 0.5, mid + h);
  }
  ctx.stroke();
}

/** A Uint8Array view of whatever the comm delivered (DataView, ArrayBuffer or typed array). */
export function bytesOf(buf: unknown): Uint8Array {
  if (buf instanceof Uint8Array) return buf;
  if (buf instanceof ArrayBuffer) return new Uint8Array(buf);
  if (ArrayBuffer.isView(buf)) return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  throw new Error("unexpected binary buffer from the kernel");
}

/** Little-endian float32 samples from a comm buffer (copied, so alignment never matters). */
export function floatsOf(buf: unknown): Float32Array {
  const bytes = bytesOf(buf);
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  return new Float32Array(copy.buffer, 0, Math.floor(copy.byteLength / 4));
}
