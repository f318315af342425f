"""Splits and trims of clips with timing effects (reverse, freeze) and of faded titles (model/edits.py).

A split must change no frame on screen; a trim removes exactly the frames at the trimmed end. The
oracle walks a clip's enabled effects as the renderer does (render/compile/live.py ChainClock), and
reads each frame's keyframed opacity (model/keyframes.py), which no split or trim may change either.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from timeline_lab.errors import ProjectError
from timeline_lab.model import (
    Clip,
    MediaReference,
    Project,
    ProjectSettings,
    RationalTime,
    TextClip,
    TimeRange,
    Track,
)
from timeline_lab.model.edits import start_frame
from timeline_lab.model.keyframes import Keyframe, value_at
from timeline_lab.model.properties import Effect

RATE = Fraction(25)


def shown(track: Track) -> dict[int, tuple[int, float]]:
    """Timeline frame -> (source frame on screen, through each clip's enabled reverse/freeze, and
    the keyframed opacity there)."""
    out: dict[int, tuple[int, float]] = {}
    for item in track.items:
        assert isinstance(item, Clip)
        s, n = start_frame(item, RATE), item.frames(RATE)
        for k in range(n):
            idx = k
            for fx in reversed([f for f in item.effects if f.enabled]):
                if fx.kind == "reverse":
                    idx = n - 1 - idx
                elif fx.kind == "freeze":
                    idx = min(int(fx.params["frame"]), n - 1)
            out[s + k] = (item.source_frame_at(idx, RATE), value_at(item, "opacity", k, RATE))
    return out


TIMING = st.lists(
    st.one_of(
        st.builds(Effect, kind=st.just("reverse"), enabled=st.booleans()),
        st.builds(
            Effect,
            kind=st.just("freeze"),
            params=st.fixed_dictionaries({"frame": st.integers(0, 40)}),
            enabled=st.booleans(),
        ),
        st.builds(
            Effect, kind=st.just("fade_in"), params=st.fixed_dictionaries({"frames": st.integers(1, 5)})
        ),
    ),
    max_size=3,
)


@st.composite
def opacity_keys(draw: st.DrawFn, rate: Fraction) -> dict[str, list[Keyframe]]:
    """No keyframes, or an opacity curve of 1-4 keys anywhere in the media (hidden ones included)."""
    frames = sorted(draw(st.sets(st.integers(0, 400), max_size=4)))
    interps = st.sampled_from(["linear", "hold", "ease_in_out"])
    value = st.floats(0, 1)
    keys = [Keyframe(time=RationalTime(f, rate), value=draw(value), interp=draw(interps)) for f in frames]
    return {"opacity": keys} if keys else {}


@st.composite
def tracks(draw: st.DrawFn) -> tuple[Project, Track]:
    """One to three clips with random speeds, media rates, source spans and timing effects."""
    p = Project(settings=ProjectSettings(frame_rate=RATE))
    track = p.add_track(track=Track(name="V1"))
    for i in range(draw(st.integers(1, 3))):
        mrate = draw(st.sampled_from([Fraction(25), Fraction(30), Fraction(24000, 1001)]))
        ref = MediaReference(
            path=f"/media/m{i}.mp4", rate=mrate, available_range=TimeRange.from_frames(0, 600, mrate)
        )
        dur = draw(st.integers(2, 40))
        clip = Clip(
            id=f"clip_{i}",
            media=ref,
            source_range=TimeRange.from_frames(draw(st.integers(30, 300)), dur, mrate),
            speed=draw(st.sampled_from([Fraction(1), Fraction(2), Fraction(1, 2), Fraction(3, 2)])),
            effects=draw(TIMING),
            keyframes=draw(opacity_keys(mrate)),
        )
        track.append(clip)
    return p, track


EDIT = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@EDIT
@given(tracks(), st.data())
def test_split_changes_no_frame(pt: tuple[Project, Track], data: st.DataObject) -> None:
    """Every timeline frame shows the same source frame after a split, whatever the effects."""
    _, track = pt
    item = data.draw(st.sampled_from(list(track.items)))
    s, n = start_frame(item, RATE), item.frames(RATE)
    if n < 2:
        return
    before = shown(track)
    track.split(data.draw(st.integers(s + 1, s + n - 1)))
    after = shown(track)
    # the same source frames; the same values to a float's last bits (a curve cut where a freeze
    # pulls the span keeps its value there as a float keyframe)
    assert {k: f for k, (f, _) in after.items()} == {k: f for k, (f, _) in before.items()}
    assert [v for _, v in after.values()] == pytest.approx([v for _, v in before.values()], abs=1e-9)


@EDIT
@given(tracks(), st.data(), st.sampled_from(["in", "out"]))
def test_trim_removes_only_the_trimmed_frames(
    pt: tuple[Project, Track], data: st.DataObject, edge: str
) -> None:
    """A trim by d takes exactly the d frames at that end; the frames kept are unchanged."""
    _, track = pt
    item = data.draw(st.sampled_from(list(track.items)))
    s, n = start_frame(item, RATE), item.frames(RATE)
    if n < 2:
        return
    d = data.draw(st.integers(1, n - 1))
    before = shown(track)
    if edge == "in":
        track.trim_in(item.id, d)
        gone = set(range(s, s + d))
    else:
        track.trim_out(item.id, -d)
        gone = set(range(s + n - d, s + n))
    after = shown(track)
    assert set(after) == set(before) - gone
    assert after == {f: v for f, v in before.items() if f not in gone}


@EDIT
@given(tracks(), st.data(), st.sampled_from(["in", "out"]))
def test_extension_keeps_the_frames_shown(pt: tuple[Project, Track], data: st.DataObject, edge: str) -> None:
    """Extending an edge (into the gap it opens) leaves the frames already shown as they were."""
    _, track = pt
    item = track.items[-1]
    n = item.frames(RATE)
    if n < 2:
        return
    d = data.draw(st.integers(1, min(6, n - 1)))
    track.trim_in(item.id, d)  # room before it, and frames the source has on both sides
    before = shown(track)
    try:
        if edge == "in":
            track.trim_in(item.id, -d)
        else:
            track.trim_out(item.id, d)
    except ProjectError:  # past the media's end: refused, nothing to compare
        return
    after = shown(track)
    assert {f: after[f] for f in before} == before
    assert len(after) == len(before) + d


@pytest.mark.parametrize(
    ("effects", "edit", "expected"),
    [
        ([Effect(kind="reverse")], ("split", 5), list(range(21, 9, -1))),
        ([Effect(kind="reverse")], ("in", 3), list(range(18, 9, -1))),
        ([Effect(kind="reverse")], ("out", 3), list(range(21, 12, -1))),
        ([Effect(kind="freeze", params={"frame": 2})], ("split", 5), [12] * 12),
        ([Effect(kind="freeze", params={"frame": 2})], ("in", 3), [12] * 9),
        ([Effect(kind="freeze", params={"frame": 2})], ("out", 3), [12] * 9),
        ([Effect(kind="reverse"), Effect(kind="freeze", params={"frame": 1})], ("split", 4), [20] * 12),
    ],
)
def test_timing_effects_render_the_same_frames(
    tmp_path: Path, effects: list[Effect], edit: tuple[str, int], expected: list[int]
) -> None:
    """The rendered frames (source frames 10..21) after the edit are the ones the model promises."""
    from timeline_lab import Studio
    from timeline_lab.media.synth import make_clip, read_frame_indices

    src = make_clip(tmp_path / "m.mp4", width=64, height=48, rate=25, frames=40, tag=1, audio=False)
    studio = Studio(tmp_path / "ws")
    p = studio.new_project("t", width=64, height=48, frame_rate="25")
    v = p.add_track("video")
    c = v.append(studio.clip(src, 10, 12))
    v.update(c.id, effects=effects)
    kind, k = edit
    if kind == "split":
        v.split(k)
    elif kind == "in":
        v.trim_in(c.id, k, ripple=True)
    else:
        v.trim_out(c.id, -k)
    out = studio.render(p, tmp_path / "out.mp4", progress=False)
    assert [i for i, _ in read_frame_indices(out)] == expected


def test_split_title_fades_only_at_its_outer_edges() -> None:
    """A split title keeps its fade in on the left half and its fade out on the right, so no dip."""
    p = Project(settings=ProjectSettings(frame_rate=RATE))
    track = p.add_track(track=Track(name="T"))
    for n in (3, 10, 17):
        t = track.append(
            TextClip(text=f"t{n}", duration=RationalTime(20, 25), fade_in_frames=4, fade_out_frames=4)
        )
        right = track.split(start_frame(t, RATE) + n)
        halves: list[Any] = [track.item(t.id), right]
        assert [(h.fade_in_frames, h.fade_out_frames) for h in halves] == [(4, 0), (0, 4)]
