"""ProgressWidget follows the event bus; Editor links the widgets and autosaves the project."""

from __future__ import annotations

from pathlib import Path

import ipywidgets as widgets
import pytest

from timeline_lab import Studio
from timeline_lab.core.events import (
    EventBus,
    RecognitionProgress,
    RenderCompleted,
    RenderFailed,
    RenderProgress,
    RenderStarted,
)
from timeline_lab.errors import CancelledError
from timeline_lab.model import Project, io
from timeline_lab.widgets import Editor, ProgressWidget


def test_progress_shows_each_render_event() -> None:
    bus = EventBus()
    w = ProgressWidget(bus, min_interval=0)
    target = Path("out.mp4")
    bus.publish(RenderStarted("j1", target, 100, "libx264"))
    assert "rendering out.mp4" in w.label.value and w.bar.value == 0
    bus.publish(RenderProgress("j1", 40, 100, 120.0, 0.5))
    assert w.bar.value == 0.4 and "40/100" in w.label.value
    bus.publish(RenderCompleted("j1", target, 100, 1.5))
    assert w.bar.value == 1.0 and w.bar.bar_style == "success"
    bus.publish(RenderFailed("j2", target, "disk full"))
    assert w.bar.bar_style == "danger" and "disk full" in w.label.value
    bus.publish(RecognitionProgress("r1", "a.mp4", 5, None))
    assert "5/? frames" in w.label.value
    w.close()
    bus.publish(RenderProgress("j3", 1, 2, 1.0, None))
    assert "5/? frames" in w.label.value  # no longer listening


def test_progress_throttles_but_never_drops_the_end() -> None:
    bus = EventBus()
    w = ProgressWidget(bus, min_interval=60)
    bus.publish(RenderProgress("j", 1, 10, 1.0, None))
    bus.publish(RenderProgress("j", 2, 10, 1.0, None))
    assert "1/10" in w.label.value
    bus.publish(RenderCompleted("j", Path("x.mp4"), 10, 1.0))
    assert w.bar.value == 1.0
    w.close()


def test_editor_renders_progress_and_autosaves(project: Project, studio: Studio, tmp_path: Path) -> None:
    path = tmp_path / "p.tlproj"
    ed = Editor(project, studio=studio, autosave=path)
    assert ed.timeline.clock == "external"
    names = [type(c).__name__ for c in ed.children]
    assert names == ["PreviewWidget", "TimelineWidget", "RenderBar", "ProgressWidget"]
    project.tracks[0].split(30)
    saved = io.load(path)
    assert len(saved.tracks[0].items) == 4
    ed.close()
    project.tracks[0].split(10)
    assert len(io.load(path).tracks[0].items) == 4  # closed: no more saves


def test_progress_shows_how_an_analysis_ends() -> None:
    from timeline_lab.recognition.events import RecognitionCompleted, RecognitionFailed, RecognitionStarted

    bus = EventBus()
    w = ProgressWidget(bus, min_interval=60)
    bus.publish(RecognitionStarted("r", ("a.mp4",), "yolo11n"))
    bus.publish(RecognitionProgress("r", "a.mp4", 5, 10))
    bus.publish(RecognitionCompleted("r", 42, 10, 0.5))  # shown although it comes right after
    assert w.bar.value == 1.0 and "42 detections" in w.label.value
    bus.publish(RecognitionFailed("r2", "model file not found"))
    assert w.bar.bar_style == "danger" and "model file not found" in w.label.value
    w.close()


def settled(bar: object, timeout: float = 10) -> None:
    """Wait for the bar's done-callback (it runs in the render thread, just after the result is set)."""
    import time

    deadline = time.monotonic() + timeout
    while bar.render_button.disabled and time.monotonic() < deadline:  # type: ignore[attr-defined]
        time.sleep(0.01)


def test_render_bar_renders_in_the_background(project: Project, studio: Studio) -> None:
    from timeline_lab.widgets import RenderBar

    bar = RenderBar(project, studio, output="out/cut.mp4")
    (studio.workspace / "out").mkdir()
    future = bar.start()
    assert future is not None and bar.render_button.disabled and not bar.cancel_button.disabled
    assert bar.start() is future  # a second click while rendering starts nothing new
    out = future.result(timeout=120)
    assert out == studio.workspace / "out" / "cut.mp4" and out.stat().st_size > 0
    settled(bar)
    assert not bar.render_button.disabled and bar.cancel_button.disabled
    assert "cut.mp4" in bar.result.value


def test_render_bar_cancel_and_bad_output(project: Project, studio: Studio) -> None:
    from timeline_lab.widgets import RenderBar

    bar = RenderBar(project, studio, output="cut.xyz")
    assert bar.start() is None and "cannot render" in bar.result.value
    v1 = project.tracks[0]
    for _ in range(12):  # a minute of timeline: still rendering when Cancel is pressed
        v1.append(v1.items[0].model_copy(update={"id": f"copy{len(v1.items)}"}))
    bar.output.value = "cut.mp4"
    future = bar.start()
    assert future is not None
    bar.cancel()
    with pytest.raises(CancelledError):
        future.result(timeout=120)
    assert not (studio.workspace / "cut.mp4").exists()
    settled(bar)
    assert "CancelledError" in bar.result.value


def test_markup_in_paths_and_errors_is_shown_as_text(project: Project, studio: Studio) -> None:
    """A media or output name holding HTML never reaches the notebook as markup."""
    from timeline_lab.core.events import RenderFailed
    from timeline_lab.widgets import ProgressWidget, RenderBar

    evil = "<img src=x onerror=alert(1)>"
    bar = RenderBar(project, studio, output=f"{evil}.xyz")
    assert bar.start() is None
    assert "<img" not in bar.result.value and "&lt;img" in bar.result.value
    w = ProgressWidget(studio.bus)
    w.show(RenderFailed("j", Path(f"{evil}.mp4"), f"cannot read {evil}"))
    assert isinstance(w.label, widgets.Label) and evil in w.label.value  # a Label shows text as text
    w.close()


def test_the_editor_renders_into_an_output_folder(project: Project, studio: Studio) -> None:
    from timeline_lab.widgets import RenderBar

    bar = RenderBar(project, studio)
    assert bar.output.value.startswith("output/")
    future = bar.start()
    assert future is not None
    assert future.result(timeout=120).parent == studio.workspace / "output"
    settled(bar)
