// The slice of anywidget's model API the widgets use (works in JupyterLab, Notebook 7 and VS Code).

export interface WidgetModel {
  get(name: string): any;
  set(name: string, value: unknown): void;
  save_changes(): void;
  on(event: string, cb: (...args: any[]) => void): void;
  off(event?: string | null, cb?: ((...args: any[]) => void) | null): void;
  send(content: unknown, callbacks?: unknown, buffers?: ArrayBuffer[] | ArrayBufferView[]): void;
}

/** Subscribe ``handlers`` (event name -> callback) now; the returned function unsubscribes them all. */
export function listen(model: WidgetModel, handlers: Record<string, (...args: any[]) => void>): () => void {
  for (const [name, fn] of Object.entries(handlers)) model.on(name, fn);
  return () => {
    for (const [name, fn] of Object.entries(handlers)) model.off(name, fn);
  };
}

/** A new element with ``cls``, appended to ``parent`` when given. */
export function el(tag: string, cls: string, parent?: HTMLElement): HTMLElement {
  const e = document.createElement(tag);
  e.className = cls;
  parent?.appendChild(e);
  return e;
}

/** Set traits and sync them to the kernel in one message. */
export function commit(model: WidgetModel, values: Record<string, unknown>): void {
  for (const [k, v] of Object.entries(values)) model.set(k, v);
  model.save_changes();
}

/** A function that runs ``fn`` at most once every ``ms`` milliseconds, always with the last arguments. */
export function throttle<A extends unknown[]>(fn: (...args: A) => void, ms: number): (...args: A) => void {
  let last = 0;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let pending: A | null = null;
  return (...args: A) => {
    pending = args;
    const wait = last + ms - Date.now();
    if (wait <= 0) {
      last = Date.now();
      fn(...args);
      pending = null;
    } else if (timer === null) {
      timer = setTimeout(() => {
        timer = null;
        last = Date.now();
        if (pending) fn(...pending);
        pending = null;
      }, wait);
    }
  };
}

/**
 * Scope a key pressed in a focused widget: a key the widget used is its own (default and
 * propagation stopped); any other plain key stops there too, so typing never runs notebook
 * command-mode shortcuts (A, B, X, D D...); a key with Ctrl/Cmd/Alt the widget did not use
 * reaches JupyterLab (Ctrl-S saves, Ctrl-Shift-C opens the palette). JupyterLab 4.1+ handles
 * shortcuts when keydown bubbles to the document, so stopping propagation here is enough.
 */
export function scopeKey(ev: KeyboardEvent, handled: boolean): void {
  if (handled) ev.preventDefault();
  if (handled || !(ev.ctrlKey || ev.metaKey || ev.altKey)) ev.stopPropagation();
}
