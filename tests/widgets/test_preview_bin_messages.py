"""widgets/preview.py and media_bin.py: any message the comm can carry is answered, never raised out of
the handler (a frame of "abc", None, [1] or inf raised ValueError, TypeError or OverflowError; a
message that is not an object raised AttributeError); a refusal names the field. And the preview's
``rate`` follows the project's frame rate (it stayed at the first one)."""

from __future__ import annotations

import logging
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from timeline_lab import Studio
from timeline_lab.widgets import MediaBin, PreviewWidget

from .conftest import Sent, record

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=8,
)
not_objects = (
    st.none() | st.booleans() | st.integers() | st.text(max_size=8) | st.lists(json_values, max_size=2)
)
HEALTH = [HealthCheck.too_slow, HealthCheck.function_scoped_fixture]


def _is_whole(v: object) -> bool:
    return (isinstance(v, int) and not isinstance(v, bool)) or (isinstance(v, float) and v.is_integer())


def _refusals(sent: Sent) -> list[str]:
    return [m["error"] for m, _ in sent if m["kind"] == "refused"]


@pytest.fixture
def preview(studio: Studio) -> Any:
    w = PreviewWidget(studio.new_project("empty", width=160, height=120, frame_rate=25), studio=studio)
    yield w
    w.close()


@settings(max_examples=200, deadline=None, suppress_health_check=HEALTH)
@given(
    content=not_objects
    | st.fixed_dictionaries(
        {"kind": st.sampled_from(["still", "ended", "nope"]) | json_values},
        optional={"frame": json_values | st.sampled_from([math.inf, -math.inf, math.nan, 2**70])},
    )
)
def test_no_preview_message_escapes(preview: PreviewWidget, content: object, caplog: Any) -> None:
    sent = record(preview)
    with caplog.at_level(logging.ERROR):
        preview._on_msg(preview, content, [])  # raises nothing, whatever the message
    assert not caplog.records  # a refusal, not a traceback in the log
    if not isinstance(content, dict):
        assert _refusals(sent) == [f"message: expected an object, got {type(content).__name__}"]
    elif content["kind"] == "still" and "frame" in content and not _is_whole(content["frame"]):
        assert _refusals(sent) and _refusals(sent)[0].startswith("still: frame must be a whole number")
        assert preview.status == _refusals(sent)[0]
    else:
        assert _refusals(sent) == []


@pytest.mark.parametrize("frame", ["abc", None, [1], math.inf, 2.5, True])
def test_a_bad_still_frame_is_refused_by_name(project: Any, studio: Studio, frame: object) -> None:
    w = PreviewWidget(project, studio=studio)
    sent = record(w)
    w._on_msg(w, {"kind": "still", "frame": frame}, [])
    assert _refusals(sent) == [f"still: frame must be a whole number, got {str(frame)[:40]!r}"]
    w.close()


def test_a_source_still_past_the_end_is_the_last_frame(studio: Studio, media: dict[str, Path]) -> None:
    w = PreviewWidget(source=media["pal"], studio=studio)
    made: list[int] = []

    def maker(frame: int) -> Any:
        made.append(frame)
        return lambda: np.zeros((2, 2, 3), np.uint8)

    w._still_maker = maker  # which frame is asked for, not its decode
    record(w)
    for frame in (2**70, -5, 7):
        w._on_msg(w, {"kind": "still", "frame": frame}, [])
    assert made == [29, 0, 7]
    w.close()


@settings(max_examples=200, deadline=None, suppress_health_check=HEALTH)
@given(
    content=not_objects
    | st.fixed_dictionaries(
        {"kind": st.sampled_from(["thumb", "frame", "insert", "overwrite", "rescan", "x"]) | json_values},
        optional={
            "path": json_values | st.just("b-roll.mp4"),
            "frame": json_values | st.sampled_from([math.inf, math.nan, 2**70]),
            "in": json_values,
            "out": json_values,
        },
    )
)
def test_no_media_bin_message_escapes(studio: Studio, content: object, caplog: Any) -> None:
    bin = MediaBin(studio.new_project("b", width=160, height=120, frame_rate=25), studio=studio)
    sent = record(bin)
    with caplog.at_level(logging.ERROR):
        bin._on_msg(bin, content, [])  # raises nothing, whatever the message
    # no error logged (a render finishing on another thread may still log its INFO line here)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    if not isinstance(content, dict):
        assert _refusals(sent) == [f"message: expected an object, got {type(content).__name__}"]
        assert bin.message == _refusals(sent)[0]
        return
    kind, path = content["kind"], content.get("path", "")
    if kind in ("thumb", "frame") and not isinstance(path, str):
        assert _refusals(sent) == [f"{kind}: path must be a string, got {type(path).__name__}"]
    elif kind == "frame" and "frame" in content and not _is_whole(content["frame"]):
        assert _refusals(sent)[0].startswith("frame: frame must be a whole number")
    elif kind in ("insert", "overwrite"):
        assert len(_refusals(sent)) == 1  # nothing is open and no timeline is linked
    bin.close()


@pytest.mark.parametrize("rate", [50, 75, 100])  # the clips stay on these grids
def test_the_preview_rate_follows_the_project(project: Any, studio: Studio, rate: Any) -> None:
    from fractions import Fraction

    w = PreviewWidget(project, studio=studio)
    w.refresh(wait=True)
    assert w.rate == [25, 1]
    project.apply({"op": "update_settings", "changes": {"frame_rate": rate}})
    assert w._timer is not None  # the edit's own re-render, half a second on: done here instead,
    w._timer.cancel()  # so that one cannot supersede this one while it renders
    w._timer.join()
    w.refresh(wait=True)
    new = Fraction(rate)
    assert w.rate == [new.numerator, new.denominator]
    assert w.window_frames == project.duration().to_frames(new)
    w.close()
