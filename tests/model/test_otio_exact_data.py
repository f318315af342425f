"""Our own ``.otio`` files come back byte-identical as projects: our data rides in OTIO's metadata
as one JSON string, since OTIO's own dictionaries sort keys and round floats a step (a keyframe
0.43126050085335277 came back 0.4312605008533528, effect params reordered). Files written before,
with our data as a plain object in the metadata, still open."""

from __future__ import annotations

import contextlib
import json
import tempfile
from fractions import Fraction
from pathlib import Path
from typing import Any

import opentimelineio as otio
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from timeline_lab.errors import ProjectError, ProjectFileError
from timeline_lab.interchange.otio import read_otio, write_otio
from timeline_lab.media.reference import reference_for
from timeline_lab.model import (
    Clip,
    Marker,
    Project,
    ProjectSettings,
    RationalTime,
    TimeRange,
    Track,
    Transition,
    io,
)

from ._otio_parts import MEDIA_FRAMES

KEY = "timeline_lab"
RATES = (Fraction(24), Fraction(25), Fraction(30000, 1001))
FLOATS = st.floats(0, 1, allow_subnormal=False)
PARAM_KEYS = ("zeta", "alpha", "mid", "b", "Ärger", "10", "2")
PARAM_VALUES = st.one_of(
    st.floats(-1e6, 1e6), st.integers(-(2**40), 2**40), st.text(max_size=4), st.booleans()
)

NAMES = st.characters(blacklist_characters="\x00")
"""Names as people type them: OpenTimelineIO's C++ strings end at a NUL, so "a\x00b" comes back "a"."""


def _clip(draw: st.DrawFn, cam: Path, n: str) -> Clip:
    """A clip of the camera media with effects whose params are in no sorted order."""
    first = draw(st.integers(0, MEDIA_FRAMES - 6))
    length = draw(st.integers(5, min(20, MEDIA_FRAMES - first)))
    effects: list[dict[str, Any]] = []
    if draw(st.booleans()):
        effects.append({"id": f"fx_f{n}", "kind": "fade_in", "params": {"frames": draw(st.integers(1, 4))}})
    params = draw(st.dictionaries(st.sampled_from(PARAM_KEYS), PARAM_VALUES, min_size=2, max_size=6))
    effects.append({"id": f"fx_p{n}", "kind": "lab.grade", "params": params})
    return Clip(
        id=f"clip_{n}",
        name=draw(st.sampled_from(["", "take ✓", "b roll"])),
        media=reference_for(cam),
        source_range=TimeRange.from_frames(first, length, 24),
        opacity=draw(FLOATS),
        effects=effects,
    )


def _keyframes(draw: st.DrawFn, p: Project, track: Track, clip: Clip) -> None:
    """Random curves (opacity, volume) at random frames and exact random values."""
    frames = clip.frames(p.settings.frame_rate)
    for prop in draw(st.lists(st.sampled_from(["opacity", "volume"]), max_size=2, unique=True)):
        for frame in draw(st.lists(st.integers(0, frames - 1), min_size=1, max_size=3, unique=True)):
            value = draw(FLOATS)
            op = {"op": "add_keyframe", "track": track.id, "item_id": clip.id}
            p.apply({**op, "property": prop, "frame": frame, "value": value})


def _fill(draw: st.DrawFn, p: Project, track: Track, cam: Path, prefix: str) -> None:
    """1-3 clips (a gap after some), keyframed, a dissolve between two that meet."""
    rate = p.settings.frame_rate
    clips: list[Clip] = []
    for k in range(draw(st.integers(1, 3))):
        clip = track.append(_clip(draw, cam, f"{prefix}_{k}"))
        clips.append(clip)
        _keyframes(draw, p, track, clip)
        if draw(st.booleans()):
            track.move(clip.id, track.items_end() - clip.frames(rate) + draw(st.integers(1, 5)))
    a = clips[0]
    if len(clips) > 1 and track.items[1].start == a.start + RationalTime.from_frames(a.frames(rate), rate):
        with contextlib.suppress(ProjectError):  # (media without the handles a dissolve needs)
            track.add_transition(
                Transition(from_clip=a.id, to_clip=track.items[1].id, duration=RationalTime(2, rate))
            )


@st.composite
def projects(draw: st.DrawFn, cam: Path) -> Project:
    """A project made by edits: tracks of effected, keyframed clips, markers, a nested sequence,
    float and unsorted metadata."""
    rate = draw(st.sampled_from(RATES))
    p = Project(id="prj_x", name=draw(st.text(NAMES, max_size=5)), settings=ProjectSettings(frame_rate=rate))
    p.metadata.update(draw(st.dictionaries(st.sampled_from(PARAM_KEYS), PARAM_VALUES, max_size=4)))
    for t in range(draw(st.integers(1, 2))):
        track = p.add_track(track=Track(id=f"trk_{t}", volume=draw(st.floats(0, 16))))
        _fill(draw, p, track, cam, f"t{t}")
    if draw(st.booleans()):
        seq = Project(id="prj_seq", name="nested", settings=ProjectSettings(frame_rate=rate))
        _fill(draw, seq, seq.add_track(track=Track(id="trk_s", volume=draw(FLOATS))), cam, "s")
        p.tracks[0].append(p.sequence_clip(seq))
    for k in range(draw(st.integers(0, 3))):
        time = RationalTime(draw(st.integers(0, 40)), rate)
        p.add_marker(Marker(id=f"mk_{k}", time=time, name=draw(st.text(NAMES, max_size=4))))
    p.history.clear()
    return p


@settings(max_examples=40, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_an_otio_written_and_read_back_is_the_same_project(cam: Path, data: st.DataObject) -> None:
    p = data.draw(projects(cam))
    with tempfile.TemporaryDirectory() as tmp:
        back = read_otio(write_otio(p, Path(tmp) / "cut.otio"))
    assert io.dumps(back) == io.dumps(p)


def test_the_reviewers_keyframe_and_fade_come_back_exactly(cam: Path, tmp_path: Path) -> None:
    p = Project(id="prj", settings=ProjectSettings(frame_rate=25))
    v = p.add_track(track=Track(id="trk_v"))
    fade = {"id": "fx_i", "kind": "fade_in", "params": {"frames": 3}}
    v.append(
        Clip(
            id="clip_a",
            media=reference_for(cam),
            source_range=TimeRange.from_frames(0, 40, 24),
            effects=[fade],
        )
    )
    op = {"op": "add_keyframe", "track": "trk_v", "item_id": "clip_a", "property": "opacity", "frame": 2}
    p.apply({**op, "value": 0.43126050085335277})
    back = read_otio(write_otio(p, tmp_path / "cut.otio"))
    assert back.tracks[0].items[0].keyframes["opacity"][0].value == 0.43126050085335277
    assert list(back.tracks[0].items[0].effects[0].params) == list(p.tracks[0].items[0].effects[0].params)
    assert io.dumps(back) == io.dumps(p)


def _old_style(tl: otio.schema.Timeline) -> int:
    """Our data made a plain object in the metadata, as files written before held it."""
    n = 0
    for obj in [tl, *tl.find_children()]:
        kept = obj.metadata.get(KEY)
        if kept is not None and "json" in kept:
            obj.metadata[KEY] = json.loads(kept["json"])
            n += 1
    return n


@pytest.mark.parametrize("nested", [False, True])
def test_an_otio_with_our_data_as_a_plain_object_still_opens(cam: Path, tmp_path: Path, nested: bool) -> None:
    """Older ``.otio`` files: the same project, but for what OTIO's metadata kept of the floats."""
    p = Project(id="prj", name="old", settings=ProjectSettings(frame_rate=24))
    v = p.add_track(track=Track(id="trk_v", volume=0.5))
    for k in range(2):
        v.append(
            Clip(id=f"c{k}", media=reference_for(cam), source_range=TimeRange.from_frames(4 * k, 10, 24))
        )
    v.add_transition(Transition(from_clip="c0", to_clip="c1", duration=RationalTime(2, 24)))
    p.apply(
        {
            "op": "add_keyframe",
            "track": "trk_v",
            "item_id": "c0",
            "property": "opacity",
            "frame": 1,
            "value": 0.5,
        }
    )
    p.add_marker(Marker(id="mk", time=RationalTime(3, 24), name="here"))
    if nested:
        seq = Project(id="prj_n", name="inner", settings=ProjectSettings(frame_rate=24))
        seq.add_track(track=Track(id="trk_n")).append(
            Clip(id="cn", media=reference_for(cam), source_range=TimeRange.from_frames(0, 6, 24))
        )
        v.append(p.sequence_clip(seq))
    p.history.clear()
    path = write_otio(p, tmp_path / "new.otio")
    tl = otio.adapters.read_from_file(str(path))
    assert _old_style(tl) >= 4  # the timeline, the track, the clips, the transition (and the stack)
    otio.adapters.write_to_file(tl, str(tmp_path / "old.otio"))
    assert KEY in json.loads((tmp_path / "old.otio").read_text("utf-8"))["metadata"]
    assert io.dumps(read_otio(tmp_path / "old.otio")) == io.dumps(p)


@pytest.mark.parametrize("text", ["{not json", "[1, 2]", '"a string"', "5"])
def test_our_json_string_damaged_is_named(cam: Path, tmp_path: Path, text: str) -> None:
    p = Project(id="prj", settings=ProjectSettings(frame_rate=24))
    p.add_track(track=Track(id="trk_v")).append(
        Clip(id="c", media=reference_for(cam), source_range=TimeRange.from_frames(0, 10, 24))
    )
    tl = otio.adapters.read_from_file(str(write_otio(p, tmp_path / "ok.otio")))
    tl.tracks[0][0].metadata[KEY] = {"json": text}
    otio.adapters.write_to_file(tl, str(tmp_path / "bad.otio"))
    with pytest.raises(ProjectFileError, match=r"bad\.otio.*metadata\.timeline_lab\.json"):
        read_otio(tmp_path / "bad.otio")


def test_tlproj_round_trip_of_the_same_projects_is_unchanged(cam: Path, tmp_path: Path) -> None:
    """The project file keeps what the ``.otio`` does: the reviewer's float and params order."""
    p = Project(id="prj", settings=ProjectSettings(frame_rate=25))
    fx = {"id": "fx", "kind": "lab.grade", "params": {"zeta": 0.43126050085335277, "alpha": 1}}
    p.add_track(track=Track(id="trk_v")).append(
        Clip(id="c", media=reference_for(cam), source_range=TimeRange.from_frames(0, 10, 24), effects=[fx])
    )
    back = io.load(io.save(p, tmp_path / "p.tlproj"))
    assert io.dumps(back) == io.dumps(p)
    assert back.tracks[0].items[0].effects[0].params == fx["params"]
    assert list(back.tracks[0].items[0].effects[0].params) == ["zeta", "alpha"]
