"""The media bin in real JupyterLab and Chromium: tiles with thumbnails and an error tile, hover scrub,
in/out marked with keys in the source viewer, and `,` inserting onto the linked timeline in the kernel."""

from __future__ import annotations

import ast

import pytest
from playwright.sync_api import Page

from ._lab import LabServer, box_of, kernel_exec, open_notebook, run_all_cells, save_artifact, write_notebook

pytestmark = [pytest.mark.browser, pytest.mark.lab]

SETUP = """\
import shutil
from pathlib import Path
from timeline_lab import Studio
from timeline_lab.widgets import MediaBin, TimelineWidget

shoot = Path("bin_media")
shoot.mkdir(exist_ok=True)
for name in ("bars_25fps_320x240.mp4", "bars_29.97fps_320x180.mp4"):
    shutil.copy(Path("media") / name, shoot / name)
(shoot / "broken.mp4").write_bytes(b"not a video" * 100)
studio = Studio(workspace=Path.cwd())
project = studio.new_project("bin", width=320, height=180, frame_rate=25)
v1 = project.tracks[0]
v1.append(studio.clip(shoot / "bars_25fps_320x240.mp4", 0, 20, name="base"))
timeline = TimelineWidget(project, studio=studio)
media_bin = MediaBin(project, folder=shoot, timeline=timeline, studio=studio)
display(timeline, media_bin)
"""
TILE = '.tlb-tile[data-path$="{}"]'


def test_mark_in_and_out_with_keys_then_insert_at_the_playhead(page: Page, lab_server: LabServer) -> None:
    write_notebook(lab_server.root / "media_bin.ipynb", [SETUP])
    open_notebook(page, lab_server, "media_bin.ipynb")
    run_all_cells(page, timeout=120)
    page.wait_for_function("() => document.querySelectorAll('.tlb-tile').length === 3", timeout=30_000)
    broken = page.locator(TILE.format("broken.mp4"))
    assert broken.get_attribute("data-kind") == "error"
    assert broken.inner_text().count("broken.mp4") >= 2  # the name, and the reason naming it
    assert "Traceback" not in broken.inner_text()

    # thumbnails come from the kernel; the pointer's x over a tile picks a frame of its filmstrip
    ntsc = TILE.format("bars_29.97fps_320x180.mp4")
    poster = page.locator(f"{ntsc} canvas.tlb-poster")
    page.wait_for_function(
        f"() => document.querySelector('{ntsc} canvas.tlb-poster').dataset.frame", timeout=30_000
    )
    box = box_of(poster)
    page.mouse.move(box["x"] + 2, box["y"] + box["height"] / 2)
    first = poster.get_attribute("data-frame")
    page.mouse.move(box["x"] + box["width"] - 2, box["y"] + box["height"] / 2, steps=5)
    last = poster.get_attribute("data-frame")
    assert first is not None and last is not None and int(first) < int(last)
    save_artifact(page, "media-bin-grid.png")

    # open the 29.97 fps file in the viewer, mark frames 5..29 with the keys, insert at timeline frame 10
    kernel_exec(page, "timeline.playhead = 10")
    page.locator(ntsc).dblclick()
    viewer = page.locator(".tlb-viewer")
    viewer.wait_for(state="visible")
    page.wait_for_function(
        "() => (document.querySelector('video.tlb-video')?.getAttribute('src') || '')"
        ".includes('timeline-lab/media')",
        timeout=20_000,
    )
    viewer.focus()
    for _ in range(5):
        viewer.press("l")
    viewer.press("i")
    viewer.press("Shift+ArrowRight")
    viewer.press("Shift+ArrowRight")
    for _ in range(4):
        viewer.press("ArrowRight")
    viewer.press("o")
    readout = page.locator(".tlb-readout")
    assert (readout.get_attribute("data-in"), readout.get_attribute("data-out")) == ("5", "29")
    viewer.press(",")
    page.wait_for_function(
        "() => document.querySelector('.tlb-note').textContent === 'insert done'", timeout=20_000
    )

    rows = ast.literal_eval(
        kernel_exec(
            page,
            "r = project.settings.frame_rate\n"
            "print([(i.name, i.start.to_frames(r), i.frames(r), i.source_range.start.to_frames(i.media.rate),"
            " i.source_range.duration.to_frames(i.media.rate)) for i in v1.items])",
        ).strip()
    )
    # 25 source frames at 29.97 fps are 21 frames at 25 fps; the base clip is split and rippled
    assert rows == [
        ("base", 0, 10, 0, 10),
        ("bars_29.97fps_320x180.mp4", 10, 21, 5, 25),
        ("base", 31, 10, 10, 10),
    ]
    assert kernel_exec(page, "print(project.history.last.op, timeline.playhead)").strip() == "insert 31"
    page.wait_for_function("() => document.querySelectorAll('.tl-item').length === 3", timeout=20_000)
    page.wait_for_function(f"() => document.querySelector('{ntsc}').dataset.used === 'true'", timeout=20_000)
    save_artifact(page, "media-bin-inserted.png")
