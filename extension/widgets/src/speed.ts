// The "speed…" action: a constant speed for the selected clips through the model's ``update`` op
// (one undo step); the kernel refuses what would overlap the next clip, and the widget says so.
import type { UpdateOp } from "./generated/operations";
import { el } from "./model";
import { action, field, popover } from "./panel";
import type { Doc } from "./types";
import type { TimelineView } from "./timeline";

/**
 * A typed speed as the exact ``num/den`` the model takes (floats are refused there): "2", "0.5",
 * "50%", "1/3"; an error message for anything else.
 */
export function speedValue(text: string): string | Error {
  const s = text.trim();
  const pct = s.endsWith("%");
  const body = pct ? s.slice(0, -1).trim() : s;
  let num: bigint;
  let den: bigint;
  const frac = /^(\d+)\s*\/\s*(\d+)$/.exec(body);
  const dec = /^(\d*)(?:\.(\d*))?$/.exec(body);
  if (frac) {
    num = BigInt(frac[1]);
    den = BigInt(frac[2]);
  } else if (dec && (dec[1] || dec[2])) {
    const digits = dec[2] ?? "";
    num = BigInt((dec[1] || "0") + digits);
    den = 10n ** BigInt(digits.length);
  } else return new Error(`speed: ${JSON.stringify(text)} is not a number (2, 0.5, 50%, 1/3)`);
  if (pct) den *= 100n;
  if (num === 0n || den === 0n) return new Error("speed: must be more than 0");
  const g = gcd(num, den);
  return `${num / g}/${den / g}`;
}

function gcd(a: bigint, b: bigint): bigint {
  return b === 0n ? a : gcd(b, a % b);
}

/** The ``update`` ops giving each selected media clip ``speed`` (titles and sequences have none). */
export function speedOps(doc: Doc, selection: string[], speed: string): UpdateOp[] {
  return selection
    .map((id) => doc.items[id])
    .filter((i) => i?.type === "clip")
    .map((i) => ({ op: "update", track: i.track, item_id: i.id, changes: { speed } }));
}

/** The toolbar's "speed…" button and its one-field form. */
export class SpeedPanel {
  panel: HTMLElement;

  constructor(
    private t: TimelineView,
    bar: HTMLElement,
  ) {
    this.panel = popover(t.root, "tl-speed");
    const b = el("button", "tl-btn", bar) as HTMLButtonElement;
    b.textContent = "speed…";
    b.dataset.action = "speed";
    b.title = "Constant speed of the selected clips (a ramp: speed in the property menu)";
    b.addEventListener("click", () => this.open());
  }

  open(): void {
    const t = this.t;
    const p = this.panel;
    if (p.classList.toggle("tl-open") === false) return;
    p.replaceChildren();
    el("div", "tl-form-title", p).textContent = "speed of the selected clips";
    const first = t.doc?.items[t.selection()[0] ?? ""];
    const now = first && first.type === "clip" ? String(Math.round(first.source_per_frame * (t.doc ? t.doc.rate[0] / t.doc.rate[1] : 1) * 1e4) / 1e4) : "1";
    const input = field(p, "speed", "speed (2, 0.5, 50%)", now);
    const apply = () => {
      const speed = speedValue(input.value);
      if (speed instanceof Error) return t.flash(speed.message, true);
      const ops = t.doc ? speedOps(t.doc, t.selection(), speed) : [];
      if (!ops.length) return t.flash("select clips with media to change their speed", true);
      t.edit(ops);
      p.classList.remove("tl-open");
    };
    input.addEventListener("keydown", (ev) => {
      if ((ev as KeyboardEvent).key === "Enter") apply();
    });
    action(p, "apply", apply);
    action(p, "cancel", () => p.classList.remove("tl-open"));
    input.focus();
  }
}
