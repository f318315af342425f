"""Speed ramps (model/speed_ramp.py): the exact source time of every frame, length, bounds, edits."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from timeline_lab.errors import ProjectError
from timeline_lab.model import (
    Clip,
    Effect,
    MediaReference,
    Project,
    ProjectSettings,
    RationalTime,
    TimeRange,
    Track,
    io,
)
from timeline_lab.model.keyframe_ops import add_keyframe, remove_keyframe
from timeline_lab.model.keyframes import Keyframe, value_at
from timeline_lab.model.speed_ramp import ramp_seconds, speed_values

A = MediaReference(path="/media/a.mp4", rate=25, available_range=TimeRange.from_frames(0, 400, 25))
R25 = Fraction(25)


def kf(frame: int, value: float, interp: str = "linear") -> Keyframe:
    return Keyframe(time=RationalTime(frame, 25), value=value, interp=interp)  # type: ignore[arg-type]


def ramp(*frames: Keyframe, start: int = 10, length: int = 100, **kw: Any) -> Clip:
    return Clip(
        id="clip_r",
        media=A,
        source_range=TimeRange.from_frames(start, length, 25),
        keyframes={"speed": list(frames)},
        **kw,
    )


def test_hold_ramp_is_the_exact_sum_of_its_constant_pieces() -> None:
    c = ramp(kf(10, 2.0, "hold"), kf(30, 0.5, "hold"))  # 20 source frames at 2x, then half speed
    secs = ramp_seconds(c, R25, 0, 12)
    assert secs[:11] == [Fraction(10 + 2 * k, 25) for k in range(11)]  # reaches source 30 at frame 10
    assert secs[11] == Fraction(30, 25) + Fraction(1, 50)
    assert c.frames(R25) == 10 + 80 * 2  # 80 source frames at 0.5x
    assert [c.source_frame_at(k, R25) for k in range(10, 16)] == [30, 30, 31, 31, 32, 32]
    # the same clip made of two constant-speed clips gives the same frames
    a = Clip(media=A, source_range=TimeRange.from_frames(10, 20, 25), speed=Fraction(2))
    b = Clip(media=A, source_range=TimeRange.from_frames(30, 80, 25), speed=Fraction(1, 2))
    pieces = [a.source_frame_at(k, R25) for k in range(a.frames(R25))]
    pieces += [b.source_frame_at(k, R25) for k in range(b.frames(R25))]
    assert [c.source_frame_at(k, R25) for k in range(c.frames(R25))] == pieces


@pytest.mark.parametrize("rate", [Fraction(25), Fraction(30000, 1001), Fraction(24000, 1001), Fraction(50)])
def test_linear_and_eased_ramps_advance_by_the_sampled_speed(rate: Fraction) -> None:
    c = ramp(kf(10, 1.0), kf(40, 3.0, "ease_in_out"), kf(70, 0.25))
    n = c.frames(rate)
    secs = ramp_seconds(c, rate, -2, n + 4)
    speeds = speed_values(c, rate, -2, n + 4)
    assert all(b - a == v / rate for a, b, v in zip(secs, secs[1:], speeds, strict=False))  # exact steps
    assert all(v.denominator <= 1000 and Fraction(1, 100) <= v <= 100 for v in speeds)
    assert secs[2] == Fraction(10, 25) and secs[2 + n - 1] < Fraction(110, 25) <= secs[2 + n + 1]
    assert speeds[2 + 1] > 1 and speeds[-1] == Fraction(1, 4)  # speeds up, then ends held at 1/4
    # the model's edits, validation and drawing all read this one length
    assert c.timeline_range(rate).duration == RationalTime.from_frames(n, rate)
    frames = [c.source_frame_at(k, rate) for k in range(n)]
    assert frames == sorted(frames) and frames[0] == 10 and frames[-1] <= 109


def test_other_keyframes_follow_the_ramp() -> None:
    c = ramp(kf(10, 2.0, "hold")).model_copy(update={"keyframes": {"speed": [kf(10, 2.0, "hold")]}})
    c = Clip.model_validate({**dict(c), "keyframes": {**c.keyframes, "opacity": [kf(10, 0.0), kf(30, 1.0)]}})
    # at 2x the opacity ramp over 20 source frames takes 10 timeline frames
    assert [value_at(c, "opacity", k, R25) for k in (0, 5, 10)] == [0.0, 0.5, 1.0]


@pytest.mark.parametrize(
    ("frames", "effects", "error"),
    [
        (
            [kf(10, 0.001)],
            [],
            r"clip 'a.mp4': keyframes 'speed' \[0\] at 10@25: speed 0.001 is outside 0.01..100",
        ),
        ([kf(10, 1.0), kf(20, 101.0)], [], r"'speed' \[1\] at 20@25: speed 101.0 is outside"),
        (
            [kf(10, 1.0), kf(20, 2.0)],
            [Effect(kind="reverse")],
            "cannot be combined with the 'reverse' effect",
        ),
    ],
)
def test_bad_ramps_are_refused_naming_clip_and_keyframe(
    frames: list[Keyframe], effects: list[Effect], error: str
) -> None:
    with pytest.raises(ValidationError, match=error):
        ramp(*frames, effects=effects)


def test_ramp_edits_undo_and_files_keep_it(tmp_path: Path) -> None:
    p = Project(settings=ProjectSettings(frame_rate=25))
    t = p.add_track(track=Track(id="trk_v1"))
    t.append(Clip(id="clip_r", media=A, source_range=TimeRange.from_frames(10, 100, 25)))
    p.history.clear()
    empty = io.dumps(p)
    add_keyframe(t, "clip_r", "speed", 0, 2.0, "hold")
    assert t.item("clip_r").frames(R25) == 50
    add_keyframe(t, "clip_r", "speed", 20, 0.5, "linear")  # at source frame 50
    c = t.item("clip_r")
    assert isinstance(c, Clip) and c.keyframes["speed"][1].time == RationalTime(50, 25)
    assert c.frames(R25) == 20 + 120  # the last 60 source frames at half speed
    assert io.loads(io.dumps(p)).tracks[0].items[0] == c
    with pytest.raises(ProjectError, match=r"speed 500.0 is outside"):
        add_keyframe(t, "clip_r", "speed", 3, 500.0)
    remove_keyframe(t, "clip_r", "speed", 20)
    assert t.item("clip_r").frames(R25) == 50
    p.undo()
    p.undo()
    p.undo()
    assert io.dumps(p) == empty and t.item("clip_r").frames(R25) == 100
    p.redo()
    p.redo()
    assert t.item("clip_r") == c


def test_otio_keeps_the_ramp_and_a_constant_speed(tmp_path: Path) -> None:
    from timeline_lab.interchange.otio import from_otio, to_otio

    media = tmp_path / "a.mp4"
    media.write_bytes(b"")
    ref = A.model_copy(update={"path": str(media)})
    c = ramp(kf(10, 2.0, "hold"), kf(30, 0.5, "ease_in"), kf(50, 1.5)).model_copy(update={"media": ref})
    p = Project(settings=ProjectSettings(frame_rate=25))
    p.add_track(track=Track()).append(c)
    back = from_otio(to_otio(p)).tracks[0].items[0]
    assert isinstance(back, Clip) and back.keyframes == c.keyframes and back.frames(R25) == c.frames(R25)


@pytest.mark.parametrize("delta", [-10, -1, 1, 7])
@pytest.mark.parametrize("rate", [Fraction(25), Fraction(30000, 1001)])
def test_trimming_a_ramps_out_point_moves_it_by_exactly_those_frames(delta: int, rate: Fraction) -> None:
    from timeline_lab.model.edits import move_edge

    c = ramp(kf(10, 0.5), kf(60, 2.0), kf(90, 1.25, "ease_in_out"))
    before = c.frames(rate)
    trimmed = move_edge(c, "out", delta, rate)
    assert trimmed.frames(rate) == before + delta
    shown = [trimmed.source_frame_at(k, rate) for k in range(min(before, before + delta))]
    assert shown == [c.source_frame_at(k, rate) for k in range(len(shown))]  # the in side is untouched


@pytest.mark.parametrize("rate", [Fraction(25), Fraction(30000, 1001)])
def test_frames_showing_a_source_span_follow_the_ramp(rate: Fraction) -> None:
    c = ramp(kf(10, 0.5), kf(60, 3.0), kf(90, 1.0, "ease_out"))
    n = c.frames(rate)
    times = ramp_seconds(c, rate, 0, n + 1)
    for lo, hi in [
        (Fraction(12, 25), Fraction(20, 25)),
        (Fraction(70, 25), Fraction(71, 25)),
        (Fraction(0), 99),
    ]:
        first, end = c.frames_showing(lo, hi, rate)
        inside = [k for k in range(n) if lo <= times[k] < hi]
        assert 0 <= first <= end <= n
        assert set(inside) <= set(range(first, end))  # every frame showing the span is in it
        assert first == 0 or times[first] <= lo < times[first + 1] or first == inside[0]
        assert end == n or times[end] >= hi
    flat = Clip(media=A, source_range=TimeRange.from_frames(10, 100, 25), speed=Fraction(3, 2))
    assert flat.frames_showing(Fraction(20, 25), Fraction(40, 25), rate) == (
        int((Fraction(10, 25) / Fraction(3, 2) * rate).__floor__()),
        int((Fraction(30, 25) / Fraction(3, 2) * rate).__ceil__()),
    )


@pytest.mark.parametrize("frames", [[kf(0, 2.0, "hold")], [kf(0, 0.5, "hold"), kf(10, 1.5)]])
def test_a_ramp_on_a_variable_rate_source_is_refused_as_an_edit(frames: list[Keyframe]) -> None:
    """Every render refused it ("cannot render"); the edit itself is refused now, nothing changed."""
    from timeline_lab.model.keyframe_ops import set_keyframes

    vfr = A.model_copy(update={"variable_rate": True})
    p = Project(settings=ProjectSettings(frame_rate=25))
    t = p.add_track(track=Track(id="trk_v1"))
    t.append(Clip(id="clip_r", media=vfr, source_range=TimeRange.from_frames(10, 100, 25)))
    before = io.dumps(p)
    with pytest.raises(ProjectError, match="speed ramp on a variable-frame-rate source"):
        add_keyframe(t, "clip_r", "speed", 0, 2.0, "hold")
    with pytest.raises(ProjectError, match="speed ramp on a variable-frame-rate source"):
        set_keyframes(t, "clip_r", "speed", frames)
    assert io.dumps(p) == before
    add_keyframe(t, "clip_r", "opacity", 0, 0.5)  # other properties still key
    sound = A.model_copy(update={"variable_rate": True, "has_video": False, "has_audio": True})
    a1 = p.add_track(track=Track(id="trk_a1", kind="audio"))
    a1.append(Clip(id="clip_s", media=sound, source_range=TimeRange.from_frames(0, 50, 25)))
    add_keyframe(a1, "clip_s", "speed", 0, 2.0, "hold")  # (a sound file has no frame rate to vary)
