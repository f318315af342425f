"""The timeline and preview widgets in real JupyterLab and Chromium, synced both ways with the kernel."""

from __future__ import annotations

import ast
import shutil

import pytest
from playwright.sync_api import Page

from ._lab import (
    LabServer,
    add_and_run_cell,
    box_of,
    kernel_exec,
    open_notebook,
    run_all_cells,
    save_artifact,
)

pytestmark = [pytest.mark.browser, pytest.mark.lab]

ITEMS = (
    "r = project.settings.frame_rate\n"
    "print([(i.id, t.id, i.start.to_frames(r), i.frames(r)) for t in project.tracks for i in t.items])"
)


def model_items(page: Page) -> dict[str, tuple[str, int, int]]:
    """{item id: (track id, start, frames)} as the kernel's project has them."""
    rows = ast.literal_eval(kernel_exec(page, ITEMS).strip())
    return {i: (t, s, n) for i, t, s, n in rows}


def widget_items(page: Page) -> dict[str, tuple[str, int, int]]:
    """The same, as the timeline widget draws them."""
    rows = page.eval_on_selector_all(
        ".tl-item",
        "els => els.map(e => [e.dataset.id, e.dataset.track, +e.dataset.start, +e.dataset.frames])",
    )
    return {i: (t, s, n) for i, t, s, n in rows}


def drag(page: Page, selector: str, dx: float, *, at: str = "middle") -> None:
    """Press on an item (its middle or right edge), move ``dx`` pixels in steps, release."""
    box = box_of(page.locator(selector))
    x = box["x"] + (box["width"] - 2 if at == "right" else box["width"] / 2)
    y = box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + dx, y, steps=10)
    page.mouse.up()


def wait_synced(page: Page, condition: str, timeout: float = 20) -> dict[str, tuple[str, int, int]]:
    """Wait for a JS condition on the widget, then check the widget equals the kernel's project."""
    page.wait_for_function(condition, timeout=timeout * 1000)
    page.wait_for_function("() => !document.querySelector('.tl-root.tl-busy')", timeout=timeout * 1000)
    model = model_items(page)
    assert widget_items(page) == model
    return model


@pytest.fixture
def editor_page(page: Page, lab_server: LabServer) -> Page:
    """The quickstart (a copy, so its kernel is ours) run to the end, widgets on screen."""
    shutil.copy(lab_server.root / "quickstart.ipynb", lab_server.root / "widgets.ipynb")
    open_notebook(page, lab_server, "widgets.ipynb")
    run_all_cells(page, timeout=150)
    page.locator(".tl-root").scroll_into_view_if_needed()
    page.wait_for_function("() => document.querySelectorAll('.tl-item').length === 4", timeout=30_000)
    return page


def test_timeline_shows_the_project_and_mouse_edits_change_it(editor_page: Page) -> None:
    page = editor_page
    before = model_items(page)
    assert widget_items(page) == before
    labels = page.eval_on_selector_all(".tl-item .tl-label", "els => els.map(e => e.textContent)")
    assert sorted(labels) == ["film", "ntsc", "pal", "timeline_lab"]
    # thumbnails arrive from the kernel and are drawn into the clips
    page.wait_for_function("() => document.querySelectorAll('.tl-item canvas.tl-thumbs').length >= 3")
    save_artifact(page, "widgets-timeline.png")

    v1 = page.eval_on_selector(".tl-item .tl-label >> text=film", "e => e.parentElement.dataset.id")
    title = page.eval_on_selector(".tl-text", "e => e.dataset.id")

    # drag the last clip to the right, into free space
    drag(page, f'.tl-item[data-id="{v1}"]', 80)
    after = wait_synced(
        page, f"() => +document.querySelector('.tl-item[data-id=\"{v1}\"]').dataset.start > {before[v1][1]}"
    )
    assert after[v1][1] > before[v1][1] and after[v1][2] == before[v1][2]
    kernel_last = kernel_exec(page, "print(project.history.last.op)").strip()
    assert kernel_last == "move"

    # trim the title's tail with the mouse
    drag(page, f'.tl-item[data-id="{title}"]', -60, at="right")
    after = wait_synced(
        page,
        f"() => +document.querySelector('.tl-item[data-id=\"{title}\"]').dataset.frames < {before[title][2]}",
    )
    assert after[title][1] == before[title][1] and after[title][2] < before[title][2]
    assert (
        kernel_exec(page, "print(project.history.last.op, project.history.last.args['edge'])").strip()
        == "trim out"
    )

    # an edit the model refuses (a clip dropped onto its neighbour) is shown and undone in the UI
    ntsc = page.eval_on_selector(".tl-item .tl-label >> text=ntsc", "e => e.parentElement.dataset.id")
    drag(page, f'.tl-item[data-id="{ntsc}"]', -120)
    page.wait_for_function(
        "() => document.querySelector('.tl-message.tl-error')?.textContent.includes('refused')"
    )
    assert wait_synced(page, "() => true")[ntsc] == after[ntsc]
    save_artifact(page, "widgets-refused.png")

    # keyboard: with nothing selected, S splits every track under the playhead (pal and the title);
    # Ctrl-Z undoes that as one edit, Ctrl-Shift-Z redoes it
    page.locator(".tl-ruler").click(position={"x": 300, "y": 10})
    page.locator(".tl-root").press("Escape")
    page.locator(".tl-root").press("s")
    wait_synced(page, "() => document.querySelectorAll('.tl-item').length === 6")
    page.locator(".tl-root").press("Control+z")
    wait_synced(page, "() => document.querySelectorAll('.tl-item').length === 4")
    page.locator(".tl-root").press("Control+Shift+z")
    wait_synced(page, "() => document.querySelectorAll('.tl-item').length === 6")

    # the dissolve: click its grip, Delete removes it; M drops a marker at the playhead
    page.locator(".tl-transition-grip").first.click()
    page.locator(".tl-root").press("Delete")
    page.wait_for_function("() => document.querySelectorAll('.tl-transition').length === 0")
    assert kernel_exec(page, "print(sum(len(t.transitions) for t in project.tracks))").strip() == "0"
    page.locator(".tl-root").press("m")
    page.wait_for_function("() => document.querySelectorAll('.tl-marker').length === 1")
    assert kernel_exec(page, "print(len(project.markers))").strip() == "1"

    # with the timeline focused, plain typing stays in it (no notebook cell is added by "a"), while
    # JupyterLab's own shortcuts still work: Ctrl-S saves the notebook, Ctrl-Shift-C opens the palette
    cells = page.locator(".jp-Notebook .jp-Cell").count()
    page.locator(".tl-root").press("a")
    page.wait_for_timeout(300)
    assert page.locator(".jp-Notebook .jp-Cell").count() == cells
    page.wait_for_function("() => document.querySelector('.jp-mod-current.jp-mod-dirty') !== null")
    page.locator(".tl-root").press("Control+s")
    page.wait_for_function("() => document.querySelector('.jp-mod-current.jp-mod-dirty') === null")
    page.locator(".tl-root").press("Control+Shift+c")
    page.locator(".jp-ModalCommandPalette, #modal-command-palette").first.wait_for(state="visible")
    page.keyboard.press("Escape")


def test_python_edits_appear_without_redisplay(editor_page: Page) -> None:
    page = editor_page
    out = add_and_run_cell(
        page,
        "last = v1.trim_out(v1.items[-1].id, -10)\nprint(last.id, last.frames(project.settings.frame_rate))",
    )
    item_id, frames = out.split()
    page.wait_for_function(
        f"() => document.querySelector('.tl-item[data-id=\"{item_id}\"]')?.dataset.frames === '{frames}'"
    )
    # analysis results drawn under the tracks, and boxes over the preview's frame
    add_and_run_cell(page, "editor.timeline.add_lane([(0, 30, 'intro'), (60, 90, 'person')], name='people')")
    page.wait_for_function("() => document.querySelectorAll('.tl-segment[data-lane=people]').length === 2")
    add_and_run_cell(
        page,
        "import polars as pl\n"
        "src, k = editor.preview.source_frame_at(editor.preview.frame)\n"
        "row = {'source': [src], 'frame': [k], 'class_name': ['person'], 'conf': [0.9], 'track_id': [1]}\n"
        "box = {'nx1': [0.2], 'ny1': [0.2], 'nx2': [0.6], 'ny2': [0.8]}\n"
        "editor.preview.show_detections(pl.DataFrame(row | box))",
    )
    page.wait_for_function("() => document.querySelector('.tlp-box-label')?.textContent === 'person 0.90 #1'")
    # render from the editor's render bar; the progress widget follows the event bus to "done"
    page.locator(".widget-button", has_text="Render").click()
    page.locator(".widget-html", has_text="wrote").wait_for(timeout=120_000)
    page.locator(".widget-label", has_text="done:").wait_for(timeout=10_000)
    rendered = "print((Path.cwd() / 'output' / 'quickstart.mp4').stat().st_size > 0)"
    assert kernel_exec(page, rendered).strip() == "True"
    add_and_run_cell(page, "project.add_track('video', 'B-roll')")
    page.wait_for_function(
        "() => [...document.querySelectorAll('.tl-track-name')].some(e => e.textContent === 'B-roll')"
    )
    assert widget_items(page) == model_items(page)


def test_preview_plays_from_the_media_server(editor_page: Page) -> None:
    page = editor_page
    # wait for the proxy render of the edited timeline to be on the video
    page.wait_for_function(
        "() => { const v = document.querySelector('.tlp-video');"
        " return v && v.readyState >= 2 && v.src.includes('timeline-lab/media'); }",
        timeout=60_000,
    )
    page.locator('.tlp-toolbar button[data-action="play/pause"]').click()
    page.wait_for_function("() => document.querySelector('.tlp-video').currentTime > 1.0", timeout=20_000)
    # the browser fetched the (small) proxy with range requests, through Jupyter's server
    src = page.eval_on_selector(".tlp-video", "v => v.src")
    statuses = {r.status for r in page.responses if r.url == src}  # type: ignore[attr-defined]
    assert 206 in statuses and statuses <= {200, 206}, statuses
    # the timeline's playhead follows the preview (linked both ways through the kernel)
    page.wait_for_function("() => document.querySelector('.tl-playhead').style.left !== ''")
    playhead = int(kernel_exec(page, "print(editor.timeline.playhead)").strip())
    assert playhead > 10
    save_artifact(page, "widgets-playing.png")
    # paused: the kernel sends the exact frame, which covers the video
    page.locator('.tlp-toolbar button[data-action="play/pause"]').click()
    page.wait_for_function(
        "() => { const s = document.querySelector('.tlp-still');"
        " return s && s.style.display === 'block' && s.dataset.frame; }",
        timeout=30_000,
    )
    still = int(page.eval_on_selector(".tlp-still", "e => e.dataset.frame"))
    assert still == int(kernel_exec(page, "print(editor.preview.frame)").strip())
    # and the other way: a click on the timeline's ruler moves the preview to that exact frame
    page.locator(".tl-ruler").click(position={"x": 200, "y": 10})
    shown = page.eval_on_selector(".tl-toolbar .tl-timecode", "e => e.textContent")
    target = int(shown.rsplit("(", 1)[1].rstrip(")"))
    assert target != still
    page.wait_for_function(
        f"() => document.querySelector('.tlp-still').dataset.frame === '{target}'"
        " && document.querySelector('.tlp-still').style.display === 'block'",
        timeout=30_000,
    )
    assert int(kernel_exec(page, "print(editor.preview.frame)").strip()) == target
