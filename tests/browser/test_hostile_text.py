"""Names, paths and errors holding HTML reach every widget as text, never as markup (issue 15, item 3).

A media file, the project, a track, a clip, a title, a marker and an analysis lane are all named with
markup that would run script if any widget put it into ``innerHTML``; a render fails with that name
in its path and error. In real JupyterLab the markup must show as text and nothing may run.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from playwright.sync_api import Page

from ._lab import LabServer, kernel_exec, open_notebook, run_all_cells, write_notebook

pytestmark = [pytest.mark.browser, pytest.mark.lab]

EVIL = "<img src=x onerror=window.__pwned=1><b>bold"  # no slash: it is also a file name

SETUP = f"""
from pathlib import Path
from timeline_lab import Studio
from timeline_lab.model import Marker, RationalTime, TextClip
from timeline_lab.widgets import Editor

evil = {EVIL!r}
studio = Studio(workspace=Path.cwd())
project = studio.new_project(evil, width=320, height=240, frame_rate=25)
project.tracks[0].name = evil
project.tracks[0].append(studio.clip(Path("hostile") / (evil + ".mp4"), 0, 20, name=evil))
titles = project.add_track("video", evil)
titles.insert(TextClip(text=evil, duration=RationalTime(10, 25)), 2)
project.add_marker(Marker(time=RationalTime(5, 25), name=evil, note=evil))
editor = Editor(project, studio=studio)
lane = {{"name": evil, "color": "#0a0", "segments": [[0, 20, evil]], "markers": [[5, evil]]}}
editor.timeline.lanes = [lane]
editor.render_bar.output.value = "missing-folder/" + evil + ".mp4"
editor
"""


def test_hostile_names_show_as_text_in_every_widget(
    page: Page, lab_server: LabServer, media: dict[str, Path]
) -> None:
    folder = lab_server.root / "hostile"
    folder.mkdir(exist_ok=True)
    shutil.copy(media["pal"], folder / f"{EVIL}.mp4")
    write_notebook(lab_server.root / "hostile.ipynb", [SETUP])
    open_notebook(page, lab_server, "hostile.ipynb")
    run_all_cells(page, timeout=120)
    page.wait_for_function("() => document.querySelectorAll('.tl-item').length === 2", timeout=30_000)

    # the render fails (its folder is missing): the error names the hostile path
    page.locator(".jupyter-widgets button", has_text="Render").first.click()
    page.wait_for_function(
        "() => [...document.querySelectorAll('.jupyter-widgets.widget-html')]"
        ".some(e => e.innerText.includes('missing-folder'))",
        timeout=60_000,
    )
    # the preview asks the kernel for an exact frame of the hostile file
    page.locator(".tl-ruler").click(position={"x": 140, "y": 10})
    page.wait_for_function(
        "() => { const s = document.querySelector('.tlp-still'); return s && s.style.display === 'block'; }",
        timeout=30_000,
    )
    page.wait_for_timeout(500)

    assert page.evaluate("() => window.__pwned") is None, "markup from a name ran as script"
    injected = page.evaluate(
        "() => [...document.querySelectorAll('.jp-OutputArea img[src=\"x\"], .jp-OutputArea b')].length"
    )
    assert injected == 0, "markup from a name became elements"
    shown = page.locator(".jp-OutputArea").first.inner_text()
    assert shown.count(EVIL) >= 4, shown  # clip, track, title and lane names, and the error, as text
    labels = page.eval_on_selector_all(".tl-label", "els => els.map(e => e.textContent)")
    assert EVIL in labels
    names = page.eval_on_selector_all(".tl-track-name, .tl-lane-name", "els => els.map(e => e.textContent)")
    assert names.count(EVIL) >= 3
    assert "onerror" in kernel_exec(page, "print(editor.render_bar.result.value)")
