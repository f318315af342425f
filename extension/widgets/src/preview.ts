// PreviewWidget front end: an HTML5 <video> fed by the media server, with the exact frame when paused.
import { bytesOf } from "./media";
import { commit, scopeKey, el, listen, throttle, type WidgetModel } from "./model";

interface Box {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
  label: string;
}

/** Timeline frame shown at media time ``t`` of a window starting at frame ``offset``. */
export function frameAtTime(t: number, offset: number, rate: [number, number]): number {
  return offset + Math.floor((t * rate[0]) / rate[1] + 1e-6);
}

/** Media time in the middle of timeline frame ``frame`` (seeking there shows exactly that frame). */
export function timeOfFrame(frame: number, offset: number, rate: [number, number]): number {
  return ((frame - offset + 0.5) * rate[1]) / rate[0];
}

class PreviewView {
  video: HTMLVideoElement;
  still: HTMLImageElement;
  overlay: HTMLElement;
  status: HTMLElement;
  counter: HTMLElement;
  playButton: HTMLButtonElement;
  raf = 0;
  reverseTimer: ReturnType<typeof setInterval> | null = null;
  ownFrame = -1;
  saveFrame: (f: number) => void;
  askStill: () => void;

  constructor(
    private model: WidgetModel,
    host: HTMLElement,
  ) {
    const root = el("div", "tlp-root", host);
    root.tabIndex = 0;
    const stage = el("div", "tlp-stage", root);
    this.video = el("video", "tlp-video", stage) as HTMLVideoElement;
    this.video.preload = "auto";
    this.video.playsInline = true;
    this.video.muted = false;
    this.still = el("img", "tlp-still", stage) as HTMLImageElement;
    this.overlay = el("div", "tlp-overlay", stage);
    const bar = el("div", "tlp-toolbar", root);
    const button = (label: string, title: string, fn: () => void): HTMLButtonElement => {
      const b = el("button", "tl-btn", bar) as HTMLButtonElement;
      b.textContent = label;
      b.title = title;
      b.dataset.action = title.split(" ")[0].toLowerCase();
      b.addEventListener("click", fn);
      return b;
    };
    button("◀❙", "Back one frame (←)", () => this.step(-1));
    this.playButton = button("▶", "Play/pause (space, K)", () =>
      commit(model, { playing: model.get("playing") ? 0 : 1 }),
    );
    button("❙▶", "Forward one frame (→)", () => this.step(1));
    this.counter = el("span", "tl-timecode", bar);
    this.status = el("span", "tlp-status", bar);
    this.saveFrame = throttle((f: number) => commit(model, { frame: f }), 100);
    this.askStill = debounce(() => this.requestStill(), 150);
    root.addEventListener("keydown", (ev) => {
      const k = ev.key.toLowerCase();
      const plain = !(ev.ctrlKey || ev.metaKey || ev.altKey);
      let handled = plain;
      if (plain && k === "arrowleft") this.step(-1);
      else if (plain && k === "arrowright") this.step(1);
      else if (plain && (k === " " || k === "k")) commit(model, { playing: model.get("playing") ? 0 : 1 });
      else handled = false;
      scopeKey(ev, handled);
    });
    this.video.addEventListener("ended", () => {
      commit(model, { playing: 0 });
      model.send({ kind: "ended" }); // the kernel renders the next window from here
    });
    this.video.addEventListener("loadeddata", () => {
      if (model.get("playing")) {
        // a new window (after an edit, or the next stretch) arrived while playing: go on from the playhead
        this.video.currentTime = timeOfFrame(model.get("frame") ?? 0, model.get("offset") ?? 0, this.rate());
        this.onPlaying();
      } else {
        this.seekTo(model.get("frame"));
      }
    });
    this.video.addEventListener("error", () => {
      this.status.textContent = `video error: ${this.video.error?.message || this.video.error?.code || "unknown"}`;
    });
  }

  rate(): [number, number] {
    return this.model.get("rate") ?? [30, 1];
  }

  onSrc(): void {
    const src: string = this.model.get("src") ?? "";
    if (src && this.video.getAttribute("src") !== src) {
      this.video.src = src;
      this.video.load();
    }
  }

  onFrame(): void {
    const f: number = this.model.get("frame") ?? 0;
    this.counter.textContent = `frame ${f}`;
    this.drawBoxes();
    if (f === this.ownFrame) return; // our own playback reported it
    if (!this.model.get("playing")) this.seekTo(f);
  }

  seekTo(frame: number): void {
    const offset: number = this.model.get("offset") ?? 0;
    const frames: number = this.model.get("window_frames") ?? 0;
    if (frame >= offset && frame < offset + frames && this.video.readyState >= 1) {
      this.video.currentTime = timeOfFrame(frame, offset, this.rate());
    }
    if (this.still.dataset.frame !== String(frame)) this.still.style.display = "none"; // stale still
    this.askStill();
  }

  requestStill(): void {
    if (this.model.get("playing") || !this.model.get("exact")) return;
    this.model.send({ kind: "still", frame: this.model.get("frame") ?? 0 });
  }

  onMessage(msg: any, buffers: unknown[]): void {
    if (msg.kind !== "still") return;
    if (msg.frame !== this.model.get("frame") || this.model.get("playing")) return; // stale
    const url = URL.createObjectURL(new Blob([bytesOf(buffers[0]) as BlobPart], { type: "image/png" }));
    const old = this.still.src;
    this.still.onload = () => {
      if (old.startsWith("blob:")) URL.revokeObjectURL(old);
    };
    this.still.src = url;
    this.still.dataset.frame = String(msg.frame);
    this.still.style.display = "block";
  }

  step(n: number): void {
    commit(this.model, { playing: 0, frame: Math.max(0, (this.model.get("frame") ?? 0) + n) });
    this.onFrame();
  }

  onPlaying(): void {
    const speed: number = this.model.get("playing") ?? 0;
    this.playButton.textContent = speed === 0 ? "▶" : "❙❙"; // what a click will do
    cancelAnimationFrame(this.raf);
    if (this.reverseTimer) clearInterval(this.reverseTimer);
    this.reverseTimer = null;
    if (speed === 0) {
      this.video.pause();
      this.ownFrame = -1; // from now on every frame change is a seek
      this.askStill();
      return;
    }
    this.still.style.display = "none";
    const rate = this.rate();
    if (speed > 0) {
      this.video.playbackRate = speed;
      this.video.play().catch((err) => {
        this.status.textContent = `cannot play: ${err}`;
        commit(this.model, { playing: 0 });
      });
    } else {
      this.video.pause();
      this.reverseTimer = setInterval(() => {
        const t = this.video.currentTime + (speed * 0.05);
        if (t <= 0) commit(this.model, { playing: 0 });
        this.video.currentTime = Math.max(0, t);
      }, 50);
    }
    const tick = () => {
      const f = frameAtTime(this.video.currentTime, this.model.get("offset") ?? 0, rate);
      if (f !== this.ownFrame) {
        this.ownFrame = f;
        this.model.set("frame", f);
        this.counter.textContent = `frame ${f}`;
        this.drawBoxes();
        this.saveFrame(f);
      }
      if (this.model.get("playing")) this.raf = requestAnimationFrame(tick);
    };
    this.raf = requestAnimationFrame(tick);
  }

  drawBoxes(): void {
    const boxes: Box[] = this.model.get("boxes") ?? [];
    const frag = document.createDocumentFragment();
    for (const b of boxes) {
      const d = el("div", "tlp-box");
      Object.assign(d.style, {
        left: `${b.x1 * 100}%`,
        top: `${b.y1 * 100}%`,
        width: `${(b.x2 - b.x1) * 100}%`,
        height: `${(b.y2 - b.y1) * 100}%`,
      });
      const l = el("span", "tlp-box-label", d);
      l.textContent = b.label;
      frag.appendChild(d);
    }
    this.overlay.replaceChildren(frag);
  }

  onStatus(): void {
    this.status.textContent = this.model.get("status") ?? "";
  }

  dispose(): void {
    cancelAnimationFrame(this.raf);
    if (this.reverseTimer) clearInterval(this.reverseTimer);
    this.video.pause();
    this.video.removeAttribute("src");
    this.video.load();
    if (this.still.src.startsWith("blob:")) URL.revokeObjectURL(this.still.src);
  }
}

function debounce(fn: () => void, ms: number): () => void {
  let timer: ReturnType<typeof setTimeout> | null = null;
  return () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(fn, ms);
  };
}

export default {
  render({ model, el: host }: { model: WidgetModel; el: HTMLElement }) {
    const view = new PreviewView(model, host);
    const stop = listen(model, {
      "change:src": () => view.onSrc(),
      "change:frame": () => view.onFrame(),
      "change:playing": () => view.onPlaying(),
      "change:boxes": () => view.drawBoxes(),
      "change:status": () => view.onStatus(),
      "msg:custom": (msg: any, buffers: unknown[]) => view.onMessage(msg, buffers),
    });
    view.onSrc();
    view.onFrame();
    view.onStatus();
    return () => {
      stop();
      view.dispose();
    };
  },
};
