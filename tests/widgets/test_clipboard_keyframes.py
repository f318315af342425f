"""widgets/clipboard.py: pasted clips and attributes carry their keyframes; a nudge carries dissolves."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import pytest

from timeline_lab.model import (
    Clip,
    Effect,
    MediaReference,
    Project,
    ProjectSettings,
    RationalTime,
    TextClip,
    TimeRange,
    Track,
    Transition,
    io,
)
from timeline_lab.model.keyframe_ops import add_keyframe
from timeline_lab.model.keyframes import value_at
from timeline_lab.widgets.clipboard import attribute_ops, copy, nudge_ops, paste_ops

A = MediaReference(path="/media/a.mp4", rate=25, available_range=TimeRange.from_frames(0, 4000, 25))
R = Fraction(25)
KEYS: list[tuple[str, int, float, str]] = [
    ("effects[fx_blur1].sigma", 0, 0.5, "linear"),
    ("effects[fx_blur1].sigma", 20, 10.0, "ease_in_out"),
    ("effects[fx_blur1].sigma", 33, 3.0, "linear"),
    ("effects[1].sigma", 4, 1.0, "hold"),
    ("effects[1].sigma", 30, 6.0, "linear"),
    ("opacity", 0, 0.2, "ease_out"),
    ("opacity", 25, 1.0, "linear"),
    ("transform.x", 10, -300.0, "linear"),
    ("transform.x", 40, 0.0, "linear"),
    ("volume", 5, 0.5, "linear"),  # not an attribute paste attributes carries
]
PROPS = ["effects[fx_blur1].sigma", "effects[1].sigma", "opacity", "transform.x"]


def _project(src_in: int, src_speed: Fraction) -> tuple[Project, Track]:
    p = Project(id="prj", name="f", settings=ProjectSettings(frame_rate=25))
    v = p.add_track(track=Track(id="trk_v1", name="V1"))
    fx = [
        Effect(id="fx_blur1", kind="blur", params={"sigma": 2.0}),
        Effect(id="fx_blur2", kind="blur", params={"sigma": 1.0}),
    ]
    v.append(
        Clip(
            id="clip_a",
            media=A,
            source_range=TimeRange.from_frames(src_in, int(50 * src_speed), 25),
            speed=src_speed,
            effects=fx,
        )
    )
    for path, frame, value, interp in KEYS:
        add_keyframe(v, "clip_a", path, frame, value, interp)  # type: ignore[arg-type]
    return p, v


def _values(clip: Any, path: str, n: int) -> list[float]:
    return [value_at(clip, path, k, R) for k in range(n)]


def _path_on(clip: Clip, path: str, source: Clip) -> str:
    """``path`` with the source's effect id swapped for the pasted clip's (same position)."""
    for n, fx in enumerate(source.effects):
        path = path.replace(f"effects[{fx.id}]", f"effects[{clip.effects[n].id}]")
    return path


@pytest.mark.parametrize("src_in", [0, 100, 333])
@pytest.mark.parametrize("src_speed", [Fraction(1), Fraction(2), Fraction(1, 2)])
@pytest.mark.parametrize("mode", ["overwrite", "insert"])
def test_pasted_and_duplicated_clips_keep_every_keyframe_on_their_new_effects(
    src_in: int, src_speed: Fraction, mode: str
) -> None:
    p, v = _project(src_in, src_speed)
    source = v.item("clip_a")
    assert isinstance(source, Clip)
    n = source.frames(R)
    with p.group("paste"):
        for op in paste_ops(p, copy(p, ["clip_a"]), "trk_v1", 300, mode):  # type: ignore[arg-type]
            p.apply(op)
    new = v.items[-1]
    assert isinstance(new, Clip) and new.id != "clip_a"
    assert {fx.id for fx in new.effects}.isdisjoint({"fx_blur1", "fx_blur2"})
    assert len(new.keyframes) == len(source.keyframes)
    for path in [*PROPS, "volume"]:
        assert _values(new, _path_on(new, path, source), n) == _values(source, path, n), path
    io.loads(io.dumps(p))  # the saved project loads back


def _target(kind: str, v: Track) -> str:
    if kind == "title":
        v.append(TextClip(id="text_t", text="hello", duration=RationalTime(60, 25)))
        add_keyframe(v, "text_t", "opacity", 3, 0.0)
        return "text_t"
    speed = {"clip": Fraction(1), "fast": Fraction(3, 2), "slow": Fraction(1, 3)}.get(kind, Fraction(1))
    fx = [Effect(id="fx_old", kind="blur", params={"sigma": 4.0})]
    v.append(
        Clip(id="clip_b", media=A, source_range=TimeRange.from_frames(1000, 60, 25), speed=speed, effects=fx)
    )
    add_keyframe(v, "clip_b", "effects[fx_old].sigma", 2, 9.0)  # replaced with the effects
    add_keyframe(v, "clip_b", "transform.y", 2, 50.0)  # another transform field: replaced too
    add_keyframe(v, "clip_b", "volume", 2, 0.25)  # not pasted: kept
    if kind == "ramp":
        add_keyframe(v, "clip_b", "speed", 0, 0.6)
        add_keyframe(v, "clip_b", "speed", 30, 1.8)
    return "clip_b"


@pytest.mark.parametrize("src_in", [0, 100])
@pytest.mark.parametrize("src_speed", [Fraction(1), Fraction(2)])
@pytest.mark.parametrize("kind", ["clip", "fast", "slow", "ramp", "title"])
def test_paste_attributes_carries_the_keyframes_at_the_same_clip_frames(
    src_in: int, src_speed: Fraction, kind: str
) -> None:
    p, v = _project(src_in, src_speed)
    source = v.item("clip_a")
    assert isinstance(source, Clip)
    target_id = _target(kind, v)
    data = copy(p, ["clip_a"])
    volume = v.item(target_id).keyframes.get("volume")
    before = io.dumps(p)
    with p.group("paste attributes"):
        for op in attribute_ops(p, data, [target_id]):
            p.apply(op)
    new = v.item(target_id)
    n = min(new.frames(R), source.frames(R))
    if isinstance(new, TextClip):
        assert set(new.keyframes) == {"opacity"}
        assert _values(new, "opacity", n) == _values(source, "opacity", n)
    else:
        assert isinstance(new, Clip)
        assert set(new.keyframes) == {_path_on(new, p_, source) for p_ in PROPS} | {"volume"} | (
            {"speed"} if kind == "ramp" else set()
        )
        assert new.keyframes["volume"] == volume
        for path in PROPS:
            got, want = _values(new, _path_on(new, path, source), n), _values(source, path, n)
            if kind == "ramp":  # keyframes land on the same frames; between them the ramp's clock rules
                keyed = [k for pth, k, _, _ in KEYS if pth == path and k < n]
                assert [got[k] for k in keyed] == [want[k] for k in keyed], path
            else:
                assert got == want, path
    io.loads(io.dumps(p))
    p.undo()
    assert io.dumps(p) == before


def _pair(fades: bool) -> tuple[Project, Track]:
    p = Project(id="prj", name="f", settings=ProjectSettings(frame_rate=25))
    v = p.add_track(track=Track(id="trk_v1", name="V1"))
    v.append(Clip(id="clip_a", media=A, source_range=TimeRange.from_frames(100, 50, 25)))
    v.append(Clip(id="clip_b", media=A, source_range=TimeRange.from_frames(300, 50, 25)))
    v.append(Clip(id="clip_c", media=A, source_range=TimeRange.from_frames(600, 50, 25)))
    v.move("clip_c", 200)
    v.move("clip_b", 70)
    v.move("clip_a", 20)
    v.add_transition(
        Transition(id="tr_ab", from_clip="clip_a", to_clip="clip_b", duration=RationalTime(10, 25))
    )
    if fades:
        v.add_transition(Transition(id="tr_in", to_clip="clip_a", duration=RationalTime(6, 25)))
        v.add_transition(Transition(id="tr_out", from_clip="clip_b", duration=RationalTime(6, 25)))
    return p, v


@pytest.mark.parametrize("frames", [-10, -3, -1, 1, 3, 10])
@pytest.mark.parametrize("fades", [False, True])
@pytest.mark.parametrize("order", [["clip_a", "clip_b"], ["clip_b", "clip_a"]])
def test_nudging_two_clips_keeps_the_dissolve_between_them(
    frames: int, fades: bool, order: list[str]
) -> None:
    p, v = _pair(fades)
    before = io.dumps(p)
    with p.group("nudge"):
        for op in nudge_ops(p, order, frames):
            p.apply(op)
    assert [(i.id, i.start.to_frames(R)) for i in v.items][:2] == [
        ("clip_a", 20 + frames),
        ("clip_b", 70 + frames),
    ]
    want = {"tr_ab", "tr_in", "tr_out"} if fades else {"tr_ab"}
    assert {t.id for t in v.transitions} == want
    p.undo()
    assert io.dumps(p) == before


@pytest.mark.parametrize("frames", [-3, -1, 1, 3])
def test_nudging_one_clip_keeps_its_fades_and_drops_a_dissolve_that_no_longer_meets(frames: int) -> None:
    p, v = _pair(fades=True)
    v.move("clip_b", 75)  # the dissolve goes: nothing meets clip_a's end any more
    with p.group("nudge"):
        for op in nudge_ops(p, ["clip_a"], frames):
            p.apply(op)
    assert {t.id for t in v.transitions} == {"tr_in", "tr_out"}
