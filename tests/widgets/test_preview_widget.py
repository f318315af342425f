"""PreviewWidget: real media server URLs, exact stills, proxy windows of the timeline, detection boxes."""

from __future__ import annotations

import time
import urllib.request
from fractions import Fraction
from pathlib import Path

import polars as pl
import pytest

from timeline_lab import Studio
from timeline_lab.errors import TimelineLabError
from timeline_lab.media.synth import read_frame_index
from timeline_lab.model import Project
from timeline_lab.widgets import PreviewWidget

from .conftest import record


def fetch_range(url: str) -> tuple[int, bytes]:
    req = urllib.request.Request(url, headers={"Range": "bytes=0-99"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        return resp.status, resp.read()


def test_source_preview_streams_through_the_media_server(media: dict[str, Path]) -> None:
    w = PreviewWidget(source=media["ntsc"])
    assert w.rate == [30000, 1001] and w.window_frames == 72 and w.offset == 0
    assert w.src.startswith("http://127.0.0.1:")
    status, body = fetch_range(w.src)
    assert status == 206 and len(body) == 100
    assert read_frame_index(w.still(41))[0] == 41
    w.close()


def test_needs_exactly_one_of_project_or_source(project: Project, media: dict[str, Path]) -> None:
    with pytest.raises(TimelineLabError, match="not both or neither"):
        PreviewWidget()
    with pytest.raises(TimelineLabError, match="not both or neither"):
        PreviewWidget(project, source=media["pal"])


def test_timeline_preview_renders_a_window_and_refreshes_after_edits(
    project: Project, studio: Studio
) -> None:
    w = PreviewWidget(project, studio=studio, window_seconds=2)  # 50 frames of a 66-frame timeline
    w._generation += 0
    w.refresh(wait=True)
    assert (w.offset, w.window_frames) == (0, 50)
    first = w._current
    assert first is not None and first.is_file()
    status, _ = fetch_range(w.src)
    assert status == 206
    # the playhead leaves the window: the next window is rendered around it
    w.frame = 60
    deadline = time.monotonic() + 60
    while w.offset == 0 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert w.offset == 16 and w.window_frames == 50  # clamped to the end of the timeline
    # the old proxy is deleted just after the new window is published (on the render's thread)
    while first.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not first.exists()
    # an edit schedules a refresh (debounced)
    src = w.src
    project.tracks[0].trim_out(project.tracks[0].items[2].id, -4)
    deadline = time.monotonic() + 60
    while w.src == src and time.monotonic() < deadline:
        time.sleep(0.1)
    assert w.src != src and w.offset + w.window_frames == 62
    w.close()


def test_still_is_the_exact_timeline_frame(project: Project, studio: Studio) -> None:
    w = PreviewWidget(project, studio=studio)
    sent = record(w)
    w._on_msg(w, {"kind": "still", "frame": 23}, [])  # ntsc clip, 3 frames in, from source frame 5
    deadline = time.monotonic() + 60
    while not sent and time.monotonic() < deadline:
        time.sleep(0.05)
    msg, buffers = sent[0]
    assert msg == {"kind": "still", "frame": 23}
    assert buffers[0][:4] == b"\x89PNG"
    clip = project.tracks[0].items[1]
    expected = clip.source_frame_at(3, project.settings.frame_rate)
    assert read_frame_index(w.still(23))[0] == expected
    w.close()


def test_detection_boxes_follow_the_frame(project: Project, studio: Studio, media: dict[str, Path]) -> None:
    w = PreviewWidget(project, studio=studio)
    clip = project.tracks[0].items[1]  # ntsc at timeline 20
    k = clip.source_frame_at(3, project.settings.frame_rate)
    df = pl.DataFrame(
        {
            "source": [str(media["ntsc"]), str(media["ntsc"]), str(media["pal"])],
            "frame": [k, k + 40, k],
            "class_name": ["person", "person", "dog"],
            "conf": [0.9, 0.8, 0.7],
            "track_id": [4, 4, None],
            "nx1": [0.1, 0.1, 0.1],
            "ny1": [0.2, 0.2, 0.2],
            "nx2": [0.5, 0.5, 0.5],
            "ny2": [0.6, 0.6, 0.6],
        }
    )
    w.show_detections(df)
    w.frame = 23
    assert w.boxes == [
        {"x1": 0.1, "y1": pytest.approx(0.2), "x2": 0.5, "y2": pytest.approx(0.6), "label": "person 0.90 #4"}
    ]
    w.frame = 5  # the pal clip: no detections of pal at its source frame 5
    assert w.boxes == []
    w.show_detections(None)
    assert w.boxes == []
    w.close()


def test_two_previews_of_one_project_never_share_files(project: Project, studio: Studio) -> None:
    a = PreviewWidget(project, studio=studio)
    b = PreviewWidget(project, studio=studio)
    a.refresh(wait=True)
    b.refresh(wait=True)
    assert a._current is not None and b._current is not None and a._current != b._current
    a.close()
    assert not a._current.exists() and b._current.exists()
    b.close()


def test_a_render_finishing_after_close_is_dropped(project: Project, studio: Studio) -> None:
    w = PreviewWidget(project, studio=studio)
    w.refresh(wait=True)
    late = w._current
    assert late is not None
    w.close()
    extra = late.with_name("late.mp4")
    extra.write_bytes(b"x")
    w._show(w._generation, extra, 0, 10, None, Fraction(25))  # what a worker delivers after close
    assert not extra.exists()


def test_playing_to_the_end_of_a_window_renders_the_next(project: Project, studio: Studio) -> None:
    w = PreviewWidget(project, studio=studio, window_seconds=2)  # 50 of 66 frames
    w.refresh(wait=True)
    assert (w.offset, w.window_frames) == (0, 50)
    w.frame = 49  # inside the window: nothing to do yet
    w._on_msg(w, {"kind": "ended"}, [])
    deadline = time.monotonic() + 60
    while w.offset == 0 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert w.offset == 16 and w.offset <= 49 < w.offset + w.window_frames
    w.close()


def test_preview_renders_stay_out_of_the_users_progress(project: Project, studio: Studio) -> None:
    """The widget's own window renders publish nothing on the bus the user's progress bar follows."""
    from timeline_lab.core.events import RenderCompleted, RenderStarted

    seen: list[object] = []
    subs = [studio.bus.subscribe(kind, seen.append) for kind in (RenderStarted, RenderCompleted)]
    w = PreviewWidget(project, studio=studio, window_seconds=2)
    w.refresh(wait=True)
    assert w._current is not None and w._current.is_file()
    w.close()
    for sub in subs:
        sub.close()
    assert seen == []


def test_the_playhead_parks_on_the_last_frame(project: Project, studio: Studio) -> None:
    """Playing to the end sets frame == duration: it is clamped, and the still is the last frame."""
    w = PreviewWidget(project, studio=studio, window_seconds=2)
    total = project.duration().to_frames(project.settings.frame_rate)
    w.frame = total
    assert w.frame == total - 1
    w.frame = -5
    assert w.frame == 0
    last = w.still(total - 1)
    assert last.shape[0] > 0
    w.close()


def test_an_empty_project_is_not_an_error(studio: Studio) -> None:
    empty = studio.new_project(width=160, height=120, frame_rate=25)
    w = PreviewWidget(empty, studio=studio)
    w.frame = 10
    assert w.frame == 0
    w._on_msg(w, {"kind": "still", "frame": 0}, [])
    assert w.status == "the timeline is empty"
    w.close()
