"""Helpers that drive a JupyterLab page through ``window.jupyterapp`` (needs expose_app_in_browser)."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from playwright.sync_api import FloatRect, Locator, Page

__all__ = [
    "ARTIFACTS",
    "LabServer",
    "add_and_run_cell",
    "box_of",
    "kernel_exec",
    "open_notebook",
    "run_all_cells",
    "save_artifact",
    "wait_for_widget",
    "wait_kernel_idle",
    "wait_until",
    "write_notebook",
]

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_VISIBLE_NOTEBOOK = ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook"
_STDERR_OUTPUT = '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]'

# Prelude of every script below: the notebook panel the helpers act on (the current widget if it is
# a notebook, else the newest notebook in the main area) and its kernel.
_PRELUDE = """
const panel = () => {
  const app = window.jupyterapp;
  if (!app) return null;
  const isNotebook = w => !!(w && w.sessionContext && w.content && w.content.model);
  if (isNotebook(app.shell.currentWidget)) return app.shell.currentWidget;
  const all = Array.from(app.shell.widgets('main')).filter(isNotebook);
  return all.length ? all[all.length - 1] : null;
};
const kernelOf = p => (p && p.sessionContext.session ? p.sessionContext.session.kernel : null);
"""


def _js(args: str, body: str) -> str:
    """A JS function ``(args) => { prelude; body }`` for page.evaluate / wait_for_function."""
    return f"({args}) => {{{_PRELUDE}{body}}}"


_OPENED = """
if (!window.jupyterapp) return false;
return Array.from(window.jupyterapp.shell.widgets('main'))
  .some(w => w.context && w.context.path === path && w.sessionContext);
"""
_IDLE_OR_DIALOG = """
if (document.querySelector('.jp-Dialog')) return true;
const k = kernelOf(panel());
return !!(k && k.status === 'idle');
"""
_IDLE = """
const p = panel(), k = kernelOf(p);
return !!(k && k.status === 'idle' && !p.sessionContext.pendingInput);
"""
_START_RUN_ALL = """
window.__tlRunAll = 'running';
window.jupyterapp.commands.execute('notebook:run-all-cells').then(
  () => { window.__tlRunAll = 'done'; },
  e => { window.__tlRunAll = 'failed: ' + e; });
"""
_RUN_ALL_FINISHED = """
if (window.__tlRunAll === 'running') return false;
const p = panel(), k = kernelOf(p);
if (!k || k.status !== 'idle') return false;
const prompts = Array.from(p.node.querySelectorAll('.jp-InputPrompt'));
return !prompts.some(e => e.innerText.includes('[*]'));
"""
_MODEL_ERRORS = """
const p = panel(), out = [];
if (!p) return out;
const cells = p.content.model.cells;
for (let i = 0; i < cells.length; i++) {
  const c = cells.get(i);
  if (c.type !== 'code') continue;
  for (const o of c.outputs.toJSON()) {
    if (o.output_type === 'error') {
      out.push(`cell ${i}: ${o.ename}: ${o.evalue}\\n` + (o.traceback || []).join('\\n'));
    }
  }
}
return out;
"""
_KERNEL_EXEC = """
const k = kernelOf(panel());
if (!k) return {status: 'error', out: '', err: 'no kernel in the current notebook'};
const future = k.requestExecute({code, silent: false, store_history: false, stop_on_error: true});
let out = '', err = '';
future.onIOPub = msg => {
  const t = msg.header.msg_type, c = msg.content;
  if (t === 'stream' && c.name === 'stdout') out += c.text;
  else if (t === 'execute_result' && c.data['text/plain'] !== undefined) out += c.data['text/plain'];
  else if (t === 'error') err += `${c.ename}: ${c.evalue}\\n` + c.traceback.join('\\n');
};
const timer = new Promise(resolve => setTimeout(() => resolve(null), ms));
const reply = await Promise.race([future.done, timer]);
if (reply === null) { future.dispose(); return {status: 'timeout', out, err}; }
const c = reply.content;
return {status: c.status, out, err: err || (c.status === 'error' ? `${c.ename}: ${c.evalue}` : '')};
"""
_ADD_AND_RUN = """
const p = panel(), nb = p.content, i = nb.model.cells.length;
nb.model.sharedModel.insertCell(i, {cell_type: 'code', source: code});
nb.activeCellIndex = i;
nb.deselectAll();
p.activate();
window.__tlRunCell = 'running';
window.jupyterapp.commands.execute('notebook:run-cell').then(
  () => { window.__tlRunCell = 'done'; },
  e => { window.__tlRunCell = 'failed: ' + e; });
return i;
"""
_CELL_FINISHED = """
if (window.__tlRunCell === 'running') return false;
const p = panel(), k = kernelOf(p);
return !!(k && k.status === 'idle' && p.content.model.cells.get(i).executionCount !== null);
"""


@dataclass
class LabServer:
    """A running ``jupyter lab``: its URL (ends in /), token, root dir and log file."""

    url: str
    token: str
    root: Path
    log_path: Path
    start_url: str = ""  # the path of the URL Jupyter printed for the user (``make lab``)

    def log(self, tail: int = 12000) -> str:
        """The last ``tail`` characters of the server's combined stdout/stderr."""
        try:
            return self.log_path.read_text("utf-8", errors="replace")[-tail:]
        except OSError:
            return "<no server log>"

    def api(self, path: str) -> str:
        """``{url}{path}`` with the token as a query parameter."""
        sep = "&" if "?" in path else "?"
        return f"{self.url}{path}{sep}token={quote(self.token)}"


def save_artifact(page: Page, name: str) -> Path:
    """Screenshot ``page`` into tests/browser/artifacts/``name`` (for humans reviewing a run)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    target = ARTIFACTS / name
    page.screenshot(path=str(target))
    return target


def write_notebook(path: Path, sources: list[str]) -> Path:
    """Write a python3 notebook of code cells (kernelspec set, so Lab asks no 'Select Kernel')."""
    empty: dict[str, Any] = {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": []}
    cells = [empty | {"id": f"cell-{i}", "source": src} for i, src in enumerate(sources)]
    kernelspec = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
    notebook = {"cells": cells, "metadata": {"kernelspec": kernelspec}, "nbformat": 4, "nbformat_minor": 5}
    path.write_text(json.dumps(notebook, indent=1), "utf-8")
    return path


def wait_until(predicate: Callable[[], bool], timeout: float, what: str) -> None:
    """Poll ``predicate`` (state outside the page, e.g. files on disk) until true; fail naming ``what``."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            msg = f"timed out after {timeout} s waiting for {what}"
            raise AssertionError(msg)
        time.sleep(0.1)  # polling interval


def box_of(locator: Locator, timeout: float = 20.0) -> FloatRect:
    """The on-screen box of ``locator``'s element, waiting as Playwright's actions do.

    ``bounding_box`` alone does not wait: an element the widget redraws (thumbnails arriving, a
    patch from the kernel) between finding it and measuring it has no box, and the test would fail.
    """
    deadline = time.monotonic() + timeout
    while True:
        left_ms = max(1.0, (deadline - time.monotonic()) * 1000)  # never 0: Playwright's "no limit"
        locator.wait_for(state="visible", timeout=left_ms)
        box = locator.bounding_box()
        if box is not None:
            return box
        if time.monotonic() > deadline:
            msg = f"no on-screen box for {locator} within {timeout} s"
            raise AssertionError(msg)
        time.sleep(0.05)  # replaced between the wait and the measure: find it again


def wait_for_widget(page: Page, path: str, timeout: float = 30.0) -> None:
    """Wait until a document widget for ``path`` is the current widget in Lab's main area."""
    page.wait_for_function(
        "(path) => { const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;"
        " return !!(w && w.context && w.context.path === path); }",
        arg=path,
        timeout=timeout * 1000,
    )


def _dismiss_dialogs(page: Page) -> None:
    """Accept a 'Select Kernel' dialog (default kernel) and close any other first-start dialog."""
    dialogs = page.locator(".jp-Dialog")
    for _ in range(dialogs.count()):
        dialog = dialogs.first
        if not dialog.is_visible():
            break
        accept = dialog.locator(".jp-Dialog-button.jp-mod-accept")
        if "Select Kernel" in dialog.inner_text() and accept.count():
            accept.first.click()
        else:
            page.keyboard.press("Escape")
        dialog.wait_for(state="detached", timeout=10_000)


def wait_kernel_idle(page: Page, timeout: float = 60.0) -> None:
    """Wait until the current notebook's kernel is connected and idle, accepting kernel dialogs."""
    page.wait_for_function(_js("", _IDLE_OR_DIALOG), timeout=timeout * 1000)
    if page.locator(".jp-Dialog").count():
        _dismiss_dialogs(page)
    page.wait_for_function(_js("", _IDLE), timeout=timeout * 1000)


def open_notebook(page: Page, lab: LabServer, path: str, timeout: float = 90.0) -> None:
    """Open ``path`` (relative to the Lab root) and wait until its panel shows and its kernel is idle.

    ``?reset``: a fresh workspace, with no tab an earlier test left open (their widgets would sit
    in hidden panels, ahead of this one's in the page, for a bare ``.tl-item`` to find first).
    """
    page.goto(lab.api(f"lab/tree/{quote(path)}?reset"))
    page.wait_for_function(_js("path", _OPENED), arg=path, timeout=timeout * 1000)
    page.locator(_VISIBLE_NOTEBOOK).first.wait_for(state="visible", timeout=timeout * 1000)
    wait_kernel_idle(page, timeout)


def _error_outputs(page: Page) -> list[str]:
    """Error outputs of the current notebook, from its model or else tracebacks shown in the DOM."""
    dom: list[str] = page.eval_on_selector_all(
        f".jp-NotebookPanel:not(.lm-mod-hidden) {_STDERR_OUTPUT}",
        "els => els.map(e => e.innerText).filter(t => t.includes('Traceback'))",
    )
    model: list[str] = page.evaluate(_js("", _MODEL_ERRORS))
    # The model's copy names the cell and survives windowed rendering; the DOM also catches tracebacks
    # printed to stderr. Report the model's when there are any, so each error shows once.
    return [_ANSI.sub("", t) for t in (model or dom)]


def run_all_cells(page: Page, timeout: float = 120.0) -> None:
    """Run every cell with ``notebook:run-all-cells``; wait for the end; fail on any error output."""
    page.evaluate(_js("", _START_RUN_ALL))
    page.wait_for_function(_js("", _RUN_ALL_FINISHED), timeout=timeout * 1000)
    state = page.evaluate("() => window.__tlRunAll")
    errors = _error_outputs(page)
    assert not errors, "notebook cells raised:\n\n" + "\n\n".join(errors)
    assert state == "done", f"notebook:run-all-cells did not finish cleanly: {state}"


def kernel_exec(page: Page, code: str, timeout: float = 60.0) -> str:
    """Run ``code`` in the notebook's kernel without adding a cell; return stdout + text/plain results."""
    result: dict[str, Any] = page.evaluate(
        "async ([code, ms]) => {" + _PRELUDE + _KERNEL_EXEC + "}", [code, timeout * 1000]
    )
    if result["status"] == "timeout":
        msg = f"kernel_exec: no reply within {timeout} s for {code!r}; output so far: {result['out']!r}"
        raise AssertionError(msg)
    if result["status"] != "ok":
        msg = f"kernel_exec of {code!r} failed:\n{_ANSI.sub('', result['err'])}"
        raise AssertionError(msg)
    out: str = result["out"]
    return out


def _text(value: str | list[str]) -> str:
    """nbformat multiline text (a string or a list of lines) as one string."""
    return value if isinstance(value, str) else "".join(value)


def add_and_run_cell(page: Page, code: str, timeout: float = 60.0) -> str:
    """Append a code cell holding ``code`` to the notebook, run it, and return its output text."""
    index: int = page.evaluate(_js("code", _ADD_AND_RUN), code)
    page.wait_for_function(_js("i", _CELL_FINISHED), arg=index, timeout=timeout * 1000)
    outputs: list[dict[str, Any]] = page.evaluate(
        _js("i", "return panel().content.model.cells.get(i).outputs.toJSON();"), index
    )
    parts: list[str] = []
    errors: list[str] = []
    for o in outputs:
        kind = o.get("output_type")
        if kind == "stream":
            parts.append(_text(o.get("text", "")))
        elif kind in ("execute_result", "display_data"):
            parts.append(_text(o.get("data", {}).get("text/plain", "")))
        elif kind == "error":
            errors.append(_ANSI.sub("", "\n".join(o.get("traceback", [])) or f"{o['ename']}: {o['evalue']}"))
    assert not errors, f"cell {index} ({code!r}) raised:\n" + "\n".join(errors)
    return "".join(parts)


def timeline_idle(page: Page, timeout: float = 20.0) -> None:
    """Wait until the timeline widget has no request to the kernel in flight."""
    page.wait_for_function("() => !document.querySelector('.tl-root.tl-busy')", timeout=timeout * 1000)


def open_timeline(page: Page, lab: LabServer, name: str, setup: str, items: int) -> Page:
    """Write ``setup`` as a one-cell notebook ``name``, run it, and wait for its timeline widget to
    draw ``items`` clips, fitted (F) so every clip is on screen, with their thumbnails drawn (each
    arrival redraws its clips: elements found before it would be stale)."""
    write_notebook(lab.root / name, [setup])
    open_notebook(page, lab, name)
    run_all_cells(page, timeout=120)
    page.locator(".tl-root").scroll_into_view_if_needed()
    page.wait_for_function(f"() => document.querySelectorAll('.tl-item').length === {items}", timeout=20_000)
    page.locator(".tl-root").press("f")
    page.wait_for_function("() => !document.querySelector('.tl-root.tl-media-loading')", timeout=60_000)
    return page
