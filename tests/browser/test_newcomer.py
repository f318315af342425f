"""A newcomer's first ten minutes, step for step what the README's "First ten minutes" says.

JupyterLab is started by ``make lab``'s own command (in a copy of the checkout's notebooks), the page
is the URL it prints, and every step is done with the mouse and keys a person would use. The journey
fails on any console error of the page, any traceback in a notebook, and any error text in a widget.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page

from ._lab import LabServer, kernel_exec, run_all_cells, save_artifact, wait_for_widget, wait_kernel_idle

pytestmark = [pytest.mark.browser, pytest.mark.lab]

QUICKSTART = "quickstart.ipynb"  # `make lab` serves notebooks/: the Lab root is the quickstart's folder
NOTEBOOK = ".jp-NotebookPanel:not(.lm-mod-hidden)"
PLAY = f'{NOTEBOOK} .tlp-toolbar button[data-action="play/pause"]'
# Text no widget should ever show on this journey.
TROUBLE = re.compile(r"error|outside the timeline|cannot|traceback|refused|failed", re.IGNORECASE)


def widget_texts(page: Page) -> list[str]:
    """What the timeline, preview and render widgets say (messages, status lines, results)."""
    texts: list[str] = page.eval_on_selector_all(
        ".tl-message, .tlp-status, .jupyter-widgets.widget-html, .jupyter-widgets.widget-label",
        "els => els.map(e => e.innerText.trim()).filter(t => t)",
    )
    return texts


def assert_calm(page: Page, where: str) -> None:
    """No error text in a widget, no error box, no console error so far."""
    troubled = [t for t in widget_texts(page) if TROUBLE.search(t)]
    assert not troubled, f"{where}: a widget says {troubled}"
    assert page.locator(".tl-message.tl-error").count() == 0, where
    errors = page.console_errors  # type: ignore[attr-defined]
    assert not errors, f"{where}: console errors {errors}"


def frame_shown(page: Page) -> int:
    """The frame number the preview's counter shows (``frame N``)."""
    text = page.locator(f"{NOTEBOOK} .tlp-toolbar .tl-timecode").inner_text()
    return int(text.split()[-1])


def test_first_ten_minutes(page: Page, make_lab_server: LabServer) -> None:
    lab = make_lab_server
    # 1. `make lab` (here with --no-browser): the URL it prints opens the quickstart
    assert lab.start_url == f"lab/tree/{QUICKSTART}", lab.start_url
    page.goto(lab.api(lab.start_url))
    wait_for_widget(page, QUICKSTART, timeout=90)
    wait_kernel_idle(page, timeout=90)

    # 2. Run > Run All Cells: every cell runs, the check at the end finds every frame exact
    run_all_cells(page, timeout=240)
    assert "all exact" in page.locator(NOTEBOOK).inner_text()
    page.locator(f"{NOTEBOOK} .tl-root").scroll_into_view_if_needed()
    page.wait_for_function("() => document.querySelectorAll('.tl-item').length === 4", timeout=30_000)
    last = int(kernel_exec(page, "print(project.duration().to_frames(project.settings.frame_rate) - 1)"))
    assert_calm(page, "after Run All")
    save_artifact(page, "newcomer-editor.png")

    # 3. Play to the end: the playhead stops on the last frame, with no complaint
    page.wait_for_function(
        "() => { const v = document.querySelector('.tlp-video'); return v && v.readyState >= 2; }",
        timeout=60_000,
    )
    page.locator(PLAY).click()
    page.wait_for_function(f"() => document.querySelector('{PLAY}').textContent !== '▶'", timeout=10_000)
    page.wait_for_function(f"() => document.querySelector('{PLAY}').textContent === '▶'", timeout=60_000)
    page.wait_for_function(
        "() => { const s = document.querySelector('.tlp-still');"
        " return s && s.style.display === 'block' && s.dataset.frame; }",
        timeout=30_000,
    )
    assert frame_shown(page) == last
    assert int(kernel_exec(page, "print(editor.preview.frame)")) == last
    assert int(kernel_exec(page, "print(editor.timeline.playhead)")) == last
    assert_calm(page, "after playing to the end")

    # 4. Scrub: a click on the ruler moves the preview to that exact frame
    page.locator(f"{NOTEBOOK} .tl-ruler").click(position={"x": 300, "y": 10})
    page.wait_for_function(
        "(last) => { const s = document.querySelector('.tlp-still');"
        " return s && s.style.display === 'block' && s.dataset.frame && +s.dataset.frame !== last; }",
        arg=last,
        timeout=30_000,
    )
    target = frame_shown(page)
    assert 0 < target < last
    assert int(page.eval_on_selector(".tlp-still", "e => e.dataset.frame")) == target
    assert int(kernel_exec(page, "print(editor.preview.frame)")) == target
    assert_calm(page, "after scrubbing")

    # 5. Split at the playhead (S), then undo it (Ctrl-Z)
    timeline = page.locator(f"{NOTEBOOK} .tl-root")
    clock = page.locator(f"{NOTEBOOK} .tl-toolbar .tl-timecode")
    clock.click()  # focus the timeline where a click selects or moves nothing
    timeline.press("Escape")
    timeline.press("s")
    page.wait_for_function("() => document.querySelectorAll('.tl-item').length > 4", timeout=20_000)
    # one undo step: the split (a group of them when it cut several tracks at the playhead)
    leaves = kernel_exec(page, "print(sorted({o.op for o in project.history.last.leaves()}))").strip()
    assert leaves == "['split']", leaves
    timeline.press("Control+z")
    page.wait_for_function("() => document.querySelectorAll('.tl-item').length === 4", timeout=20_000)
    assert_calm(page, "after split and undo")

    # 6. Ctrl-S and the command palette still work while the timeline has the focus
    clock.click()
    timeline.press("Control+s")
    page.wait_for_function("() => document.querySelector('.jp-mod-current.jp-mod-dirty') === null")
    timeline.press("Control+Shift+c")
    page.locator(".jp-ModalCommandPalette, #modal-command-palette").first.wait_for(state="visible")
    page.keyboard.press("Escape")

    # 7. Render with the Render button: output/quickstart.mp4, reported done
    page.locator(f"{NOTEBOOK} .jupyter-widgets button", has_text="Render").first.click()
    page.wait_for_function(
        "() => [...document.querySelectorAll('.jupyter-widgets.widget-html')]"
        ".some(e => e.innerText.includes('wrote quickstart.mp4'))",
        timeout=120_000,
    )
    assert (lab.root / "output" / "quickstart.mp4").is_file()
    assert_calm(page, "after rendering")

    # 8. Double-click the saved project in the file browser: it opens in its own editor notebook
    assert (lab.root / "my_first_edit.tlproj").is_file()
    name = page.locator(".jp-DirListing-itemText", has_text="my_first_edit.tlproj")
    page.locator(".jp-DirListing-item", has=name).first.dblclick(timeout=15_000)
    wait_for_widget(page, "my_first_edit.ipynb", timeout=60)
    page.locator(f"{NOTEBOOK} .tl-root").first.wait_for(state="visible", timeout=120_000)
    page.wait_for_function(
        f"() => document.querySelectorAll('{NOTEBOOK} .tl-item').length === 4", timeout=60_000
    )
    assert_calm(page, "after opening the project by double-click")
    save_artifact(page, "newcomer-double-click.png")
    errors = page.evaluate(
        "() => Array.from(window.jupyterapp.shell.widgets('main')).filter(w => w.content && w.content.model"
        " && w.content.model.cells).flatMap(w => { const out = []; const cells = w.content.model.cells;"
        " for (let i = 0; i < cells.length; i++) { const c = cells.get(i); if (c.type !== 'code') continue;"
        " for (const o of c.outputs.toJSON()) if (o.output_type === 'error') out.push(w.context.path + ': '"
        " + o.ename + ': ' + o.evalue); } return out; })"
    )
    assert errors == [], errors
