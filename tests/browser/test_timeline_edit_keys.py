"""Copy/paste, nudge, select and duplicate keys, and drops from JupyterLab's file browser and the
desktop, on the timeline widget in real JupyterLab and Chromium (issue 19 items 5 and 6)."""

from __future__ import annotations

import ast
import base64

import pytest
from playwright.sync_api import Page
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from ._lab import (
    LabServer,
    box_of,
    kernel_exec,
    open_timeline,
    save_artifact,
    timeline_idle,
    wait_until,
)

pytestmark = [pytest.mark.browser, pytest.mark.lab]

CLIP = "media/bars_25fps_320x240.mp4"
SETUP = f"""from timeline_lab import Studio
from timeline_lab.widgets import TimelineWidget
studio = Studio()
project = studio.new_project("keys", width=320, height=240, frame_rate=25)
project.tracks[0].append(studio.clip({CLIP!r}, 0, 25, name="one"))
tl = TimelineWidget(project, studio=studio)
tl"""
SPANS = (
    "r = project.settings.frame_rate\n"
    "print([(t.kind, i.label(), i.start.to_frames(r), i.frames(r)) for t in project.tracks for i in t.items])"
)


def spans(page: Page) -> list[tuple[str, str, int, int]]:
    """(track kind, label, start, frames) of every item, as the kernel's project has them."""
    return [tuple(x) for x in ast.literal_eval(kernel_exec(page, SPANS).strip())]


def settle(page: Page, items: int) -> None:
    """Wait until the widget, fitted (F) so every clip is on screen, draws ``items`` clips and has no
    request in flight."""
    timeline_idle(page)
    page.locator(".tl-root").press("f")
    page.wait_for_function(f"() => document.querySelectorAll('.tl-item').length === {items}", timeout=20_000)
    timeline_idle(page)


@pytest.fixture
def keys_page(page: Page, lab_server: LabServer) -> Page:
    open_timeline(page, lab_server, "edit_keys.ipynb", SETUP, items=1)
    settle(page, 1)
    return page


def test_copy_paste_nudge_select_and_duplicate(keys_page: Page) -> None:
    page = keys_page
    root = page.locator(".tl-root")
    page.locator(".tl-item").first.click()
    root.press("Control+c")
    page.wait_for_function(
        "() => document.querySelector('.tl-message').textContent.includes('copied 1 clip')"
    )
    kernel_exec(page, "tl.playhead = 40")
    page.wait_for_function("() => document.querySelector('.tl-timecode').textContent.includes('(40)')")
    root.press("Control+v")  # over, at the playhead
    settle(page, 2)
    assert [s[1:] for s in spans(page)] == [("one", 0, 25), ("one", 40, 25)]
    root.press("Control+z")
    settle(page, 1)
    kernel_exec(page, "tl.playhead = 10")
    page.wait_for_function("() => document.querySelector('.tl-timecode').textContent.includes('(10)')")
    root.press("Control+Shift+v")  # insert: the clip is split at 10 and its rest moves right
    settle(page, 3)
    assert [s[1:] for s in spans(page)] == [("one", 0, 10), ("one", 10, 25), ("one", 35, 15)]
    root.press("Control+z")
    settle(page, 1)

    # nudge: period one frame later, Shift-period ten; comma back
    page.locator(".tl-item").first.click()
    root.press(".")
    page.wait_for_function("() => document.querySelector('.tl-item').dataset.start === '1'")
    root.press("Shift+Period")
    page.wait_for_function("() => document.querySelector('.tl-item').dataset.start === '11'")
    root.press(",")
    page.wait_for_function("() => document.querySelector('.tl-item').dataset.start === '10'")
    assert spans(page)[0][2] == 10

    # Alt-drag: a copy lands where the drag ends, the original stays
    box = box_of(page.locator(".tl-item").first)
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.keyboard.down("Alt")
    page.mouse.down()
    page.mouse.move(x + box["width"] * 1.5, y, steps=8)
    page.mouse.up()
    page.keyboard.up("Alt")
    settle(page, 2)
    starts = [s[2] for s in spans(page)]
    assert starts[0] == 10 and starts[1] > 35

    # Ctrl-A: the whole track; A: everything from the playhead on
    root.press("Escape")
    root.press("Control+a")
    page.wait_for_function("() => document.querySelectorAll('.tl-item.tl-selected').length === 2")
    kernel_exec(page, "tl.playhead = 36")
    page.wait_for_function("() => document.querySelector('.tl-timecode').textContent.includes('(36)')")
    root.press("Escape")
    root.press("a")
    page.wait_for_function("() => document.querySelectorAll('.tl-item.tl-selected').length === 1")
    wait_until(
        lambda: kernel_exec(page, "print(len(tl.selection))").strip() == "1",
        20,
        "the selection in the kernel",
    )
    save_artifact(page, "timeline-edit-keys.png")


def test_drops_from_the_file_browser_and_the_desktop(keys_page: Page, lab_server: LabServer) -> None:
    page = keys_page
    # JupyterLab's file browser: open media/, drag a file below the last track (a new track).
    # Asked again until it is there: the browser may follow the notebook back to / meanwhile
    page.evaluate("() => window.jupyterapp.commands.execute('filebrowser:activate')")
    source = page.locator(".jp-DirListing-item:visible", has_text="bars_24fps_256x144.mp4").first
    for attempt in range(5):
        page.evaluate("() => window.jupyterapp.commands.execute('filebrowser:go-to-path', {path: 'media'})")
        try:
            source.wait_for(state="visible", timeout=4_000)
            break
        except PlaywrightTimeout:
            if attempt == 4:
                raise
    start = box_of(source)
    row = box_of(page.locator(".tl-row").last)
    page.mouse.move(start["x"] + 30, start["y"] + start["height"] / 2)
    page.mouse.down()
    page.mouse.move(start["x"] + 60, start["y"] + start["height"] / 2, steps=4)
    page.mouse.move(row["x"] + 300, row["y"] + row["height"] + 2, steps=12)
    page.mouse.up()
    settle(page, 2)
    kinds = spans(page)
    assert len({k for k, *_ in kinds}) == 1 and kernel_exec(page, "print(len(project.tracks))").strip() == "2"
    assert "bars_24fps_256x144.mp4" in kernel_exec(page, "print(project.tracks[1].items[0].media.path)")

    # the desktop: a real File in a DataTransfer, its bytes uploaded into media/ under a new name
    data = base64.b64encode((lab_server.root / CLIP).read_bytes()).decode()
    drop = """([b64, name, dx]) => {
        const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
        const dt = new DataTransfer();
        dt.items.add(new File([bytes], name, { type: "video/mp4" }));
        const v1 = [...document.querySelectorAll(".tl-row")].find((r) => r.textContent === "V1");
        const row = v1.getBoundingClientRect();
        const at = { bubbles: true, cancelable: true, dataTransfer: dt,
                     clientX: row.left + row.width - dx, clientY: row.top + row.height / 2 };
        const body = document.querySelector(".tl-body");
        body.dispatchEvent(new DragEvent("dragover", at));
        return body.dispatchEvent(new DragEvent("drop", at));
    }"""
    assert page.evaluate(drop, [data, "bars_25fps_320x240.mp4", 30]) is False  # the widget took it
    settle(page, 3)
    assert (lab_server.root / "media" / "bars_25fps_320x240-1.mp4").read_bytes() == (
        lab_server.root / CLIP
    ).read_bytes()
    assert kernel_exec(page, "print(len(project.tracks[0].items))").strip() == "2"

    # not media: one clear refusal, nothing added, nothing left in media/
    text = base64.b64encode(b"just some notes").decode()
    page.evaluate(drop, [text, "notes.txt", 30])
    page.wait_for_function(
        "() => document.querySelector('.tl-message.tl-error')?.textContent.includes('not a media file')"
    )
    assert not (lab_server.root / "media" / "notes.txt").exists()
    settle(page, 3)
    save_artifact(page, "timeline-drops.png")
    (lab_server.root / "media" / "bars_25fps_320x240-1.mp4").unlink()  # the Lab root is shared
