// Small popover forms of the timeline (title picker and inspector, duck, speed): DOM helpers only.
import { el } from "./model";

/** A labelled input (``multiline``: a textarea) whose ``data-field`` names what it edits. */
export function field(parent: HTMLElement, key: string, label: string, value: string, multiline = false): HTMLInputElement | HTMLTextAreaElement {
  const row = el("label", "tl-form-row", parent);
  el("span", "tl-form-label", row).textContent = label;
  const input = el(multiline ? "textarea" : "input", "tl-form-input", row) as HTMLInputElement | HTMLTextAreaElement;
  input.dataset.field = key;
  input.value = value;
  return input;
}

/** A button in a form that runs ``fn`` (its ``data-action`` names it for tests and users' scripts). */
export function action(parent: HTMLElement, label: string, fn: () => void): HTMLButtonElement {
  const b = el("button", "tl-btn", parent) as HTMLButtonElement;
  b.textContent = label;
  b.dataset.action = label;
  b.addEventListener("click", fn);
  return b;
}

/** A popover panel under the toolbar; keys typed in it stay in it (an "s" typed is not a split). */
export function popover(root: HTMLElement, cls: string): HTMLElement {
  const p = el("div", `tl-panel ${cls}`, root);
  p.addEventListener("keydown", (ev) => {
    ev.stopPropagation();
    if (ev.key === "Escape") p.classList.remove("tl-open");
  });
  return p;
}
