// The media bin's source viewer: a <video> from the media server (the kernel's exact frame when paused,
// or always when the browser cannot play the file), in/out marks, and `,`/`.` asking the kernel to edit.
import { frameAtTime, markedSpan, timeOfFrame, viewerKey, type ViewerState } from "./bin-logic";
import { bytesOf } from "./media";
import { commit, el, scopeKey, throttle, type WidgetModel } from "./model";
import { formatTimecode, type Rate } from "./timecode";

export class SourceViewer {
  root: HTMLElement;
  title: HTMLElement;
  video: HTMLVideoElement;
  still: HTMLImageElement;
  bar: HTMLElement;
  span: HTMLElement;
  head: HTMLElement;
  readout: HTMLElement;
  note: HTMLElement;
  fallback = false; // the browser cannot play this file: show the kernel's frames only
  raf = 0;
  private saveFrame: (f: number) => void;
  private askStill: () => void;
  private stillTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private model: WidgetModel,
    host: HTMLElement,
  ) {
    this.root = el("div", "tlb-viewer", host);
    this.root.tabIndex = 0;
    const top = el("div", "tlb-viewer-top", this.root);
    this.title = el("span", "tlb-viewer-title", top);
    const close = el("button", "tl-btn", top) as HTMLButtonElement;
    close.textContent = "✕";
    close.title = "Close the viewer (Escape)";
    close.addEventListener("click", () => commit(model, { source: "" }));
    const stage = el("div", "tlb-stage", this.root);
    this.video = el("video", "tlb-video", stage) as HTMLVideoElement;
    this.video.preload = "auto";
    this.video.playsInline = true;
    this.still = el("img", "tlb-still", stage) as HTMLImageElement;
    this.bar = el("div", "tlb-bar", this.root);
    this.span = el("div", "tlb-span", this.bar);
    this.head = el("div", "tlb-head", this.bar);
    const tools = el("div", "tlb-tools", this.root);
    const button = (label: string, title: string, action: string, fn: () => void) => {
      const b = el("button", "tl-btn", tools) as HTMLButtonElement;
      b.textContent = label;
      b.title = title;
      b.dataset.action = action;
      b.addEventListener("click", fn);
    };
    button("◀❙", "Back one frame (J, ←)", "back", () => this.key("j"));
    button("▶", "Play/pause (space)", "play", () => this.key(" "));
    button("❙▶", "Forward one frame (L, →)", "forward", () => this.key("l"));
    button("I", "Mark in (I)", "in", () => this.key("i"));
    button("O", "Mark out (O)", "out", () => this.key("o"));
    button("Insert", "Insert in..out at the timeline's playhead (,)", "insert", () => this.key(","));
    button("Overwrite", "Overwrite in..out at the timeline's playhead (.)", "overwrite", () => this.key("."));
    this.readout = el("span", "tl-timecode tlb-readout", tools);
    this.note = el("span", "tlb-note", tools);
    this.saveFrame = throttle((f: number) => commit(model, { source_frame: f }), 100);
    this.askStill = () => {
      if (this.stillTimer) clearTimeout(this.stillTimer);
      this.stillTimer = setTimeout(() => this.requestStill(), 120);
    };
    this.root.addEventListener("keydown", (ev) => {
      const plain = !(ev.ctrlKey || ev.metaKey);
      const handled = plain && this.key(ev.key, { shift: ev.shiftKey, alt: ev.altKey });
      scopeKey(ev, handled);
    });
    this.bar.addEventListener("pointerdown", (ev) => {
      const box = this.bar.getBoundingClientRect();
      const frames = this.state().frames;
      this.seek(Math.floor(((ev.clientX - box.left) / Math.max(1, box.width)) * frames));
    });
    this.video.addEventListener("error", () => {
      if (!this.model.get("source_src")) return;
      this.fallback = true; // frames from the kernel instead
      this.video.style.visibility = "hidden";
      this.requestStill();
    });
    this.video.addEventListener("loadeddata", () => this.seek(this.state().frame));
  }

  rate(): Rate {
    return this.model.get("source_rate") ?? [25, 1];
  }

  state(): ViewerState {
    return {
      frame: this.model.get("source_frame") ?? 0,
      frames: this.model.get("source_frames") ?? 0,
      step: this.model.get("source_step") ?? 1,
      markIn: this.model.get("mark_in") ?? null,
      markOut: this.model.get("mark_out") ?? null,
    };
  }

  /** Act on a key (or its button); true when the viewer used it. */
  key(key: string, mods: { shift?: boolean; alt?: boolean } = {}): boolean {
    const action = viewerKey(key, this.state(), mods);
    if (!action) return false;
    if (action.kind === "seek") this.seek(action.frame);
    else if (action.kind === "mark") commit(this.model, { mark_in: action.markIn, mark_out: action.markOut });
    else if (action.kind === "play") this.play(action.speed === 0 ? false : this.video.paused);
    else if (action.kind === "close") commit(this.model, { source: "" });
    else if (action.kind === "edit") {
      const s = this.state();
      this.note.textContent = `${action.mode}…`;
      this.model.send({ kind: action.mode, path: this.model.get("source"), in: s.markIn, out: s.markOut });
    }
    this.draw();
    return true;
  }

  seek(frame: number): void {
    const last = Math.max(0, this.state().frames - 1);
    const f = Math.min(last, Math.max(0, frame));
    this.play(false);
    commit(this.model, { source_frame: f });
    if (!this.fallback && this.video.readyState >= 1) this.video.currentTime = timeOfFrame(f, this.rate());
    if (this.still.dataset.frame !== String(f)) this.still.style.display = "none";
    this.askStill();
    this.draw();
  }

  play(on: boolean): void {
    cancelAnimationFrame(this.raf);
    if (!on || this.fallback || !this.model.get("source_src")) {
      if (!this.video.paused) this.video.pause();
      return;
    }
    this.still.style.display = "none";
    this.video.play().catch((err) => (this.note.textContent = `cannot play: ${err}`));
    const tick = () => {
      const f = Math.min(frameAtTime(this.video.currentTime, this.rate()), Math.max(0, this.state().frames - 1));
      if (f !== this.model.get("source_frame")) {
        this.model.set("source_frame", f);
        this.saveFrame(f);
        this.draw();
      }
      if (!this.video.paused && !this.video.ended) this.raf = requestAnimationFrame(tick);
      else this.askStill();
    };
    this.raf = requestAnimationFrame(tick);
  }

  requestStill(): void {
    const kind = this.model.get("source_kind");
    if (!(kind === "video" || kind === "still") || !this.video.paused) return;
    this.model.send({ kind: "frame", path: this.model.get("source"), frame: this.state().frame });
  }

  onSource(): void {
    const path: string = this.model.get("source") ?? "";
    this.root.style.display = path ? "" : "none";
    this.title.textContent = path.split(/[\\/]/).pop() ?? "";
    this.fallback = false;
    this.video.style.visibility = "";
    this.still.style.display = "none";
    this.still.dataset.frame = "";
    const src: string = this.model.get("source_src") ?? "";
    if (!src) {
      this.video.removeAttribute("src");
      this.fallback = !!path;
      this.video.style.visibility = "hidden";
    } else if (this.video.getAttribute("src") !== src) {
      this.video.src = src;
      this.video.load();
    }
    this.note.textContent = "";
    if (path) {
      this.root.focus({ preventScroll: true });
      this.askStill();
    }
    this.draw();
  }

  onMessage(msg: any, buffers: unknown[]): void {
    if (msg.kind === "frame") {
      if (msg.path !== this.model.get("source") || msg.frame !== this.state().frame || !this.video.paused) return;
      if (msg.error || !buffers.length) {
        this.note.textContent = msg.error ?? "";
        return;
      }
      const url = URL.createObjectURL(new Blob([bytesOf(buffers[0]) as BlobPart], { type: "image/png" }));
      const old = this.still.src;
      this.still.src = url;
      if (old.startsWith("blob:")) URL.revokeObjectURL(old);
      this.still.dataset.frame = String(msg.frame);
      this.still.style.display = "block";
    } else if (msg.kind === "refused") {
      this.note.textContent = msg.error;
      this.note.classList.add("tlb-error");
    } else if (msg.kind === "edited") {
      this.note.textContent = `${msg.mode} done`;
      this.note.classList.remove("tlb-error");
    }
  }

  draw(): void {
    const s = this.state();
    const rate = this.rate();
    // audio counts samples: show them as timecode at the step rate (one step a frame)
    const shownRate: Rate = s.step > 1 ? [rate[0], rate[1] * s.step] : rate;
    const tc = (f: number) => formatTimecode(Math.floor(f / s.step), shownRate);
    const span = markedSpan(s);
    const marks = `in ${s.markIn === null ? "--" : tc(s.markIn)} · out ${s.markOut === null ? "--" : tc(s.markOut)}`;
    this.readout.textContent = `${tc(s.frame)} · ${marks} · ${tc(span.count)}`;
    this.readout.dataset.frame = String(s.frame);
    this.readout.dataset.in = s.markIn === null ? "" : String(s.markIn);
    this.readout.dataset.out = s.markOut === null ? "" : String(s.markOut);
    const pct = (f: number) => `${(100 * f) / Math.max(1, s.frames)}%`;
    this.head.style.left = pct(s.frame);
    this.span.style.left = pct(span.first);
    this.span.style.width = pct(span.count);
    this.span.style.display = s.markIn === null && s.markOut === null ? "none" : "";
  }

  onNote(text: string): void {
    this.note.textContent = text;
  }

  dispose(): void {
    cancelAnimationFrame(this.raf);
    if (this.stillTimer) clearTimeout(this.stillTimer);
    this.video.pause();
    this.video.removeAttribute("src");
    if (this.still.src.startsWith("blob:")) URL.revokeObjectURL(this.still.src);
  }
}
