// MediaBin front end: tiles of the kernel's media (filmstrip posters scrubbed on hover), search and
// filters the kernel applies, and the source viewer. The kernel decides what shows and what edits do.
import { scrubTile, tileFacts, type BinItem, type StripTile } from "./bin-logic";
import { SourceViewer } from "./bin-viewer";
import { bytesOf } from "./media";
import { commit, el, listen, scopeKey, type WidgetModel } from "./model";

const KINDS = ["video", "audio", "still", "error"] as const;

/** An <option> (made with createElement: the Option constructor is not in every DOM). */
function option(text: string, value: string): HTMLOptionElement {
  const o = document.createElement("option");
  o.textContent = text;
  o.value = value;
  return o;
}

interface Strip {
  image: HTMLImageElement | null;
  tiles: StripTile[];
}

class BinView {
  root: HTMLElement;
  grid: HTMLElement;
  message: HTMLElement;
  target: HTMLSelectElement;
  viewer: SourceViewer;
  tiles = new Map<string, HTMLElement>();
  strips = new Map<string, Strip>();
  asked = new Set<string>();
  private searchTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private model: WidgetModel,
    host: HTMLElement,
  ) {
    this.root = el("div", "tlb-root", host);
    const bar = el("div", "tlb-toolbar", this.root);
    const search = el("input", "tlb-search", bar) as HTMLInputElement;
    search.type = "search";
    search.placeholder = "Search media";
    search.value = model.get("query") ?? "";
    search.addEventListener("input", () => {
      if (this.searchTimer) clearTimeout(this.searchTimer);
      this.searchTimer = setTimeout(() => commit(model, { query: search.value }), 150);
    });
    search.addEventListener("keydown", (ev) => scopeKey(ev, false));
    for (const kind of KINDS) {
      const label = el("label", "tlb-kind", bar);
      const box = el("input", "", label) as HTMLInputElement;
      box.type = "checkbox";
      box.dataset.kind = kind;
      box.checked = (model.get("kinds") ?? KINDS).includes(kind);
      box.addEventListener("change", () => {
        const kinds = Array.from(bar.querySelectorAll<HTMLInputElement>("input[data-kind]"))
          .filter((b) => b.checked)
          .map((b) => b.dataset.kind);
        commit(model, { kinds });
      });
      label.append(kind === "error" ? "errors" : kind === "still" ? "stills" : kind);
    }
    const select = (cls: string, trait: string, options: [string, string][]) => {
      const s = el("select", cls, bar) as HTMLSelectElement;
      for (const [value, text] of options) s.add(option(text, value));
      s.value = model.get(trait) ?? options[0][0];
      s.addEventListener("change", () => commit(model, { [trait]: s.value }));
      return s;
    };
    select("tlb-usage", "usage", [["all", "used and unused"], ["used", "used"], ["unused", "unused"]]);
    select("tlb-sort", "sort", [["name", "by name"], ["duration", "by duration"], ["kind", "by kind"], ["size", "by size"]]);
    this.target = select("tlb-target", "target", [["", "track: auto"]]);
    const rescan = el("button", "tl-btn tlb-rescan", bar) as HTMLButtonElement;
    rescan.textContent = "⟳";
    rescan.title = "Scan the folder again";
    rescan.addEventListener("click", () => model.send({ kind: "rescan" }));
    this.message = el("span", "tlb-message", bar);
    this.grid = el("div", "tlb-grid", this.root);
    this.viewer = new SourceViewer(model, this.root);
  }

  items(): Map<string, BinItem> {
    return new Map((this.model.get("items") ?? []).map((i: BinItem) => [i.path, i]));
  }

  /** Tiles for the visible paths, in order; made once per path and updated when facts change. */
  render(): void {
    const items = this.items();
    const order: string[] = this.model.get("visible") ?? [];
    const frag = document.createDocumentFragment();
    for (const path of order) {
      const item = items.get(path);
      if (!item) continue;
      const key = JSON.stringify(item);
      let tile = this.tiles.get(path);
      if (!tile || tile.dataset.key !== key) {
        tile = this.makeTile(item);
        tile.dataset.key = key;
        this.tiles.set(path, tile);
      }
      frag.appendChild(tile);
    }
    this.grid.replaceChildren(frag);
    this.grid.dataset.count = String(order.length);
  }

  makeTile(item: BinItem): HTMLElement {
    const tile = el("div", `tlb-tile tlb-${item.kind}`);
    tile.dataset.path = item.path;
    tile.dataset.kind = item.kind;
    tile.dataset.used = String(item.used);
    tile.title = item.kind === "error" ? item.error : `${item.path}\ndouble-click: open in the source viewer`;
    const poster = el("canvas", "tlb-poster", tile) as HTMLCanvasElement;
    poster.width = 128;
    poster.height = 72;
    if (item.kind === "audio" || item.kind === "error") {
      const glyph = el("span", "tlb-glyph", tile);
      glyph.textContent = item.kind === "audio" ? "♪" : "⚠";
    }
    const name = el("div", "tlb-name", tile);
    name.textContent = item.name;
    for (const line of tileFacts(item)) el("div", "tlb-facts", tile).textContent = line;
    if (item.used) el("span", "tlb-badge", tile).textContent = "used";
    if (item.kind === "video" || item.kind === "still") {
      if (!this.asked.has(item.path)) {
        this.asked.add(item.path);
        this.model.send({ kind: "thumb", path: item.path });
      }
      this.drawTile(item.path, poster, -1);
      poster.addEventListener("pointermove", (ev) => {
        const strip = this.strips.get(item.path);
        const box = poster.getBoundingClientRect();
        if (strip) this.drawTile(item.path, poster, scrubTile(ev.clientX - box.left, box.width, strip.tiles.length));
      });
      poster.addEventListener("pointerleave", () => this.drawTile(item.path, poster, -1));
    }
    if (item.kind !== "error") tile.addEventListener("dblclick", () => commit(this.model, { source: item.path }));
    return tile;
  }

  /** Draw filmstrip tile ``i`` (−1: the middle one, the poster) into a tile's canvas. */
  drawTile(path: string, canvas: HTMLCanvasElement, i: number): void {
    const strip = this.strips.get(path);
    if (!strip?.image || !strip.tiles.length) return;
    const t = strip.tiles[i < 0 ? Math.floor(strip.tiles.length / 2) : i];
    const ctx = canvas.getContext("2d");
    if (!ctx) return;
    const scale = Math.min(canvas.width / t.w, canvas.height / t.h);
    const w = t.w * scale;
    const h = t.h * scale;
    ctx.fillStyle = "#000";
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    ctx.drawImage(strip.image, t.x, t.y, t.w, t.h, (canvas.width - w) / 2, (canvas.height - h) / 2, w, h);
    canvas.dataset.frame = String(t.frame);
  }

  onMessage(msg: any, buffers: unknown[]): void {
    if (msg.kind !== "thumb") {
      this.viewer.onMessage(msg, buffers);
      return;
    }
    if (!buffers.length) return;
    const image = new Image();
    const url = URL.createObjectURL(new Blob([bytesOf(buffers[0]) as BlobPart], { type: "image/jpeg" }));
    const strip: Strip = { image: null, tiles: msg.tiles ?? [] };
    this.strips.set(msg.path, strip);
    image.onload = () => {
      strip.image = image;
      URL.revokeObjectURL(url);
      const canvas = this.tiles.get(msg.path)?.querySelector<HTMLCanvasElement>("canvas.tlb-poster");
      if (canvas) this.drawTile(msg.path, canvas, -1);
    };
    image.src = url;
  }

  onTracks(): void {
    const tracks: { id: string; name: string; kind: string }[] = this.model.get("tracks") ?? [];
    const value = this.model.get("target") ?? "";
    this.target.replaceChildren(option("track: auto", ""));
    for (const t of tracks) if (t.kind !== "subtitle") this.target.add(option(`${t.kind}: ${t.name}`, t.id));
    this.target.value = value;
  }

  onMessageTrait(): void {
    this.message.textContent = this.model.get("message") ?? "";
  }
}

export default {
  render({ model, el: host }: { model: WidgetModel; el: HTMLElement }) {
    const view = new BinView(model, host);
    const stop = listen(model, {
      "change:items": () => view.render(),
      "change:visible": () => view.render(),
      "change:tracks": () => view.onTracks(),
      "change:target": () => view.onTracks(),
      "change:message": () => view.onMessageTrait(),
      "change:source": () => view.viewer.onSource(),
      "change:source_src": () => view.viewer.onSource(),
      "change:source_frame": () => view.viewer.draw(),
      "change:mark_in": () => view.viewer.draw(),
      "change:mark_out": () => view.viewer.draw(),
      "msg:custom": (msg: any, buffers: unknown[]) => view.onMessage(msg, buffers),
    });
    view.render();
    view.onTracks();
    view.onMessageTrait();
    view.viewer.onSource();
    return () => {
      stop();
      view.viewer.dispose();
    };
  },
};
