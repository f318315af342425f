// Title templates in the timeline: a picker that asks the kernel to place one at the playhead, and
// an inspector of the selected text clip whose changes the kernel applies (``edit_title``, one undo
// step each). The kernel lays out text and validates; nothing here knows a template's parts.
import { el } from "./model";
import { action, field, popover } from "./panel";
import type { Doc, ItemView, TitleFields } from "./types";
import type { TimelineView } from "./timeline";

export interface TemplateForm {
  id: string;
  label: string;
  fields: [key: string, label: string, multiline: boolean][];
}

/** The picker's templates with their main fields (``_titles.title_from_form`` reads the same keys). */
export const TEMPLATES: TemplateForm[] = [
  { id: "lower_third", label: "lower third", fields: [["name", "name", false], ["role", "role", false]] },
  { id: "full_screen", label: "full-screen", fields: [["text", "text", true]] },
  { id: "caption", label: "caption", fields: [["text", "text", true]] },
  { id: "credits_roll", label: "credits roll", fields: [["credits", "credits (role: name)", true]] },
];

/** What the inspector shows: text, size, colours, opacity, position (the template label is read only). */
export const INSPECTOR: [key: keyof TitleFields, label: string][] = [
  ["text", "text"],
  ["font_size", "font size"],
  ["color", "colour"],
  ["box_color", "box colour"],
  ["opacity", "opacity"],
  ["x", "x"],
  ["y", "y"],
];

const NUMERIC = new Set(["font_size", "opacity", "x", "y"]);

/** The text clip the inspector shows: the first selected clip that has title fields. */
export function titleItem(doc: Doc | null, selection: string[]): ItemView | null {
  for (const id of selection) {
    const item = doc?.items[id];
    if (item?.title) return item;
  }
  return null;
}

/** The inspector's change of ``key`` to ``raw`` (a number where the field is one), null when unchanged. */
export function fieldChange(title: TitleFields, key: keyof TitleFields, raw: string): Record<string, string | number> | null {
  const numeric = NUMERIC.has(key) && raw.trim() !== "" && Number.isFinite(Number(raw));
  const value = numeric ? Number(raw) : raw; // not a number: the kernel refuses it with its message
  return value === title[key] ? null : { [key]: value };
}

/** The picker (a toolbar menu) and the inspector panel of one timeline. */
export class TitlePanel {
  picker: HTMLElement;
  inspector: HTMLElement;
  shown: ItemView | null = null;

  constructor(
    private t: TimelineView,
    bar: HTMLElement,
  ) {
    this.picker = popover(t.root, "tl-title-picker");
    this.inspector = popover(t.root, "tl-title-inspector");
    const b = el("button", "tl-btn", bar) as HTMLButtonElement;
    b.textContent = "title…";
    b.dataset.action = "title";
    b.title = "Place a title template at the playhead";
    b.addEventListener("click", () => this.togglePicker());
  }

  togglePicker(): void {
    const open = !this.picker.classList.contains("tl-open");
    this.picker.classList.toggle("tl-open", open);
    if (open) this.form(TEMPLATES[0]);
  }

  /** The picker's form for ``tpl``: a template menu, its fields, and "place". */
  form(tpl: TemplateForm): void {
    const p = this.picker;
    p.replaceChildren();
    el("div", "tl-form-title", p).textContent = "title template";
    const menu = el("select", "tl-form-input", p) as HTMLSelectElement;
    menu.dataset.field = "template";
    for (const x of TEMPLATES) {
      const o = el("option", "", menu) as HTMLOptionElement;
      o.value = x.id;
      o.textContent = x.label;
    }
    menu.value = tpl.id;
    menu.addEventListener("change", () => this.form(TEMPLATES.find((x) => x.id === menu.value) ?? TEMPLATES[0]));
    const inputs = tpl.fields.map(([key, label, multi]) => [key, field(p, key, label, "", multi)] as const);
    action(p, "place", () => {
      const fields = Object.fromEntries(inputs.map(([k, i]) => [k, i.value]));
      this.t.request({ kind: "title_add", template: tpl.id, fields });
      p.classList.remove("tl-open");
    });
    action(p, "cancel", () => p.classList.remove("tl-open"));
    inputs[0]?.[1].focus();
  }

  /** Show the selected title's fields (rebuilt when the kernel sent a new view of it). */
  sync(): void {
    const item = titleItem(this.t.doc, this.t.selection());
    if (item === this.shown) return;
    this.shown = item;
    const p = this.inspector;
    p.classList.toggle("tl-open", !!item);
    p.replaceChildren();
    if (!item?.title) return;
    const title = item.title;
    el("div", "tl-form-title", p).textContent = title.template || "title";
    for (const [key, label] of INSPECTOR) {
      const input = field(p, key, label, String(title[key]), key === "text");
      input.addEventListener("change", () => {
        const change = fieldChange(title, key, input.value);
        if (change) this.t.request({ kind: "title_edit", item: item.id, fields: change });
      });
    }
  }
}
