"""Keyframes with the mouse on the timeline widget in real JupyterLab and Chromium (issue 19 items
1 and 3): Alt-click keys opacity, a diamond drags to another frame, the gain envelope on the
waveform gets a point (Alt-click on its line) that drags up; each checked in the kernel's model."""

from __future__ import annotations

import ast

import pytest
from playwright.sync_api import Page

from ._lab import ARTIFACTS, LabServer, box_of, kernel_exec, open_timeline, timeline_idle

pytestmark = [pytest.mark.browser, pytest.mark.lab]

CLIP = "media/bars_25fps_320x240.mp4"  # pictures and sound: a waveform under the filmstrip
SETUP = f"""from timeline_lab import Studio
from timeline_lab.widgets import TimelineWidget
from timeline_lab.widgets._keyframes import keyframe_views
studio = Studio()
project = studio.new_project("keyframes", width=320, height=240, frame_rate=25)
project.tracks[0].append(studio.clip({CLIP!r}, 0, 50, name="one"))
tl = TimelineWidget(project, studio=studio)
tl"""
KEYS = "print(keyframe_views(project.tracks[0].items[0], project.settings.frame_rate))"


def keyframes(page: Page) -> dict[str, list[list[object]]]:
    """``{property: [[clip frame, value, interp], ...]}`` as the kernel's model has them."""
    out: dict[str, list[list[object]]] = ast.literal_eval(kernel_exec(page, KEYS).strip())
    return out


def drag(page: Page, selector: str, dx: float, dy: float) -> None:
    box = box_of(page.locator(selector).first)
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + dx, y + dy, steps=8)
    page.mouse.up()
    timeline_idle(page)


@pytest.fixture
def kf_page(page: Page, lab_server: LabServer) -> Page:
    return open_timeline(page, lab_server, "keyframes.ipynb", SETUP, items=1)


def test_key_drag_and_envelope_with_the_mouse(kf_page: Page) -> None:
    page = kf_page
    clip = page.locator(".tl-item").first
    box = box_of(clip)
    # Alt-click on the clip's pictures: opacity keyed there at its current value (1.0)
    clip.click(modifiers=["Alt"], position={"x": box["width"] * 0.25, "y": 8})
    page.wait_for_selector(".tl-kf", timeout=20_000)
    timeline_idle(page)
    first = int(page.locator(".tl-kf").first.get_attribute("data-frame") or -1)
    assert keyframes(page)["opacity"] == [[first, 1.0, "linear"]]
    assert abs(first - 12) <= 1  # a quarter into 50 frames
    # drag the diamond about 8 frames later: moved in the model, on a whole frame
    zoom = box["width"] / 50
    drag(page, ".tl-kf", 8 * zoom, 0)
    page.wait_for_function(
        f"() => document.querySelector('.tl-kf')?.dataset.frame !== '{first}'", timeout=20_000
    )
    moved = int(page.locator(".tl-kf").first.get_attribute("data-frame") or -1)
    assert abs(moved - (first + 8)) <= 1
    assert keyframes(page)["opacity"] == [[moved, 1.0, "linear"]]
    # the curve panel: the kernel's values, and its point dragged down lowers the opacity
    page.locator('[data-action="curve"]').click()
    page.wait_for_selector(".tl-curve-pt", timeout=20_000)
    page.wait_for_selector(".tl-curve-line", state="attached", timeout=20_000)  # flat: no height
    drag(page, ".tl-curve-pt", 0, 30)
    page.wait_for_function(
        "() => !document.querySelector('.tl-curve-pt')?.title.startsWith('opacity = 1 ')", timeout=20_000
    )
    curve_title = page.locator(".tl-curve-pt").first.get_attribute("title") or ""
    lowered = float(curve_title.split()[2])
    assert keyframes(page)["opacity"] == [[moved, lowered, "linear"]]
    assert 0 <= lowered < 1
    # Alt-click on the gain line over the waveform: a volume point at unity gain
    page.locator(".tl-env-hit").first.click(modifiers=["Alt"], force=True)
    page.wait_for_selector(".tl-env-pt", timeout=20_000)
    timeline_idle(page)
    (frame, value, _), *rest = keyframes(page)["volume"]
    assert (value, rest) == (1.0, [])
    # drag it up: louder, by what the widget drew
    drag(page, ".tl-env-pt", 0, -4)
    page.wait_for_function(
        "() => !document.querySelector('.tl-env-pt')?.title.startsWith('volume 1 ')", timeout=20_000
    )
    title = page.locator(".tl-env-pt").first.get_attribute("title") or ""
    shown = float(title.split()[1])
    assert keyframes(page)["volume"] == [[frame, shown, "linear"]]
    assert shown > 1.0
    page.screenshot(path=str(ARTIFACTS / "timeline_keyframes.png"))
    # one undo step per gesture: undo takes back the gain change only
    page.locator(".tl-root").press("Control+z")
    page.wait_for_function(
        "() => document.querySelector('.tl-env-pt')?.title.startsWith('volume 1 ')", timeout=20_000
    )
    assert keyframes(page)["volume"] == [[frame, 1.0, "linear"]]
