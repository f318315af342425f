// The "duck" action: music turned down under the chosen dialogue tracks. The kernel measures the
// dialogue on a worker (``_ducking.py``) and writes the volume keyframes as one undo step; this
// only gathers the choice and shows the outcome.
import { el } from "./model";
import { action, field, popover } from "./panel";
import type { Doc, TrackView } from "./types";
import type { TimelineView } from "./timeline";

/** Tracks that hold sound: audio tracks, and any track with a clip that has some. */
export function soundTracks(doc: Doc): TrackView[] {
  return doc.tracks.filter((t) => t.kind === "audio" || t.items.some((id) => doc.items[id]?.has_audio));
}

/** The form's default dialogue: every other sound track. */
export function defaultDialogue(doc: Doc, music: string): string[] {
  return soundTracks(doc)
    .map((t) => t.id)
    .filter((id) => id !== music);
}

export class DuckPanel {
  panel: HTMLElement;

  constructor(
    private t: TimelineView,
    bar: HTMLElement,
  ) {
    this.panel = popover(t.root, "tl-duck");
    const b = el("button", "tl-btn", bar) as HTMLButtonElement;
    b.textContent = "duck…";
    b.dataset.action = "duck";
    b.title = "Turn a music track down under dialogue (volume keyframes you can edit)";
    b.addEventListener("click", () => this.open(null));
  }

  /** A "duck" button in a sound track's header (pressing it does not start a drag). */
  headerButton(head: HTMLElement, track: string): void {
    const b = el("button", "tl-duck-head", head) as HTMLButtonElement;
    b.textContent = "duck";
    b.dataset.duck = track;
    b.title = "Duck this track under dialogue";
    b.addEventListener("pointerdown", (ev) => ev.stopPropagation());
    b.addEventListener("click", () => this.open(track));
  }

  open(music: string | null): void {
    const doc = this.t.doc;
    const p = this.panel;
    if (!doc) return;
    const sound = soundTracks(doc);
    if (sound.length < 2) return this.t.flash("ducking needs a music track and a dialogue track with sound", true);
    p.replaceChildren();
    p.classList.add("tl-open");
    el("div", "tl-form-title", p).textContent = "duck music under dialogue";
    const menu = el("select", "tl-form-input", p) as HTMLSelectElement;
    menu.dataset.field = "music";
    for (const tr of sound) {
      const o = el("option", "", menu) as HTMLOptionElement;
      o.value = tr.id;
      o.textContent = `music: ${tr.name || tr.id}`;
    }
    menu.value = music ?? sound[sound.length - 1].id;
    const boxes = el("div", "tl-duck-under", p);
    const fill = () => {
      boxes.replaceChildren();
      el("span", "tl-form-label", boxes).textContent = "under";
      const on = new Set(defaultDialogue(doc, menu.value));
      for (const tr of sound.filter((x) => x.id !== menu.value)) {
        const row = el("label", "tl-form-check", boxes);
        const c = el("input", "", row) as HTMLInputElement;
        c.type = "checkbox";
        c.value = tr.id;
        c.checked = on.has(tr.id);
        c.dataset.under = tr.name || tr.id;
        row.append(tr.name || tr.id);
      }
    };
    fill();
    menu.addEventListener("change", fill);
    const amount = field(p, "amount_db", "amount (dB)", "-12");
    action(p, "run duck", () => {
      const under = [...boxes.querySelectorAll<HTMLInputElement>("input:checked")].map((c) => c.value);
      this.t.request({ kind: "duck", track: menu.value, under, amount_db: Number(amount.value) });
      this.t.flash("ducking: measuring the dialogue…", false);
      p.classList.remove("tl-open");
    });
    action(p, "cancel", () => p.classList.remove("tl-open"));
  }
}
