"""Markers through OpenTimelineIO (review 61): a foreign clip's, track's and nested stack's markers
come in where they fall on the timeline, with their colour and comment; ours go out with the
nearest OTIO colour and the note as comment, a nested sequence's on its Stack."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import opentimelineio as otio
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from timeline_lab.interchange._otio_markers import COLORS, nearest_color
from timeline_lab.interchange.otio import from_otio, read_otio, to_otio, write_otio
from timeline_lab.model import Marker, RationalTime
from timeline_lab.studio import Studio

from ._otio_parts import MEDIA_FRAMES, ORT, OTR, otio_clip, otio_gap

MarkerColor = otio.schema.MarkerColor


def _marker(
    name: str, at: int, length: int = 0, color: str = MarkerColor.RED, comment: str = ""
) -> otio.schema.Marker:
    return otio.schema.Marker(name, OTR(ORT(at, 24), ORT(length, 24)), color=color, comment=comment)


def _timeline(*tracks: otio.schema.Track) -> otio.schema.Timeline:
    tl = otio.schema.Timeline(name="markers", global_start_time=ORT(0, 24))
    tl.tracks.extend(tracks)
    return tl


def _track(*children: otio.core.Composable) -> otio.schema.Track:
    track = otio.schema.Track(name="V1")
    track.extend(children)
    return track


def _seen(markers: list[Marker]) -> list[tuple[str, int, int, str, str]]:
    return [(m.name, m.time.to_frames(24), m.duration.to_frames(24), m.color, m.note) for m in markers]


def test_clip_track_and_timeline_markers_come_in_with_colour_and_comment(cam: Path, tmp_path: Path) -> None:
    """The reviewer's file: a clip's marker at source 5, a track's at 30, the timeline's at 10."""
    first = otio_clip(cam.as_uri(), 0, 24)
    first.markers.append(_marker("clipmark", 5, color=MarkerColor.GREEN, comment="clip note"))
    track = _track(first, otio_clip(cam.as_uri(), 24, 24))
    track.markers.append(_marker("trackmark", 30, 2, color=MarkerColor.BLUE))
    tl = _timeline(track)
    tl.tracks.markers.append(_marker("stackmark", 10, color=MarkerColor.PURPLE, comment="stack note"))
    path = tmp_path / "m.otio"
    otio.adapters.write_to_file(tl, str(path))
    project = read_otio(path)
    assert _seen(project.markers) == [
        ("clipmark", 5, 0, "#00ff00", "clip note"),
        ("stackmark", 10, 0, "#8000ff", "stack note"),
        ("trackmark", 30, 2, "#0000ff", ""),
    ]
    assert "import_notes" not in project.metadata


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    lead=st.integers(0, 10),
    first=st.integers(0, 30),
    n=st.integers(1, 17),
    at=st.integers(0, MEDIA_FRAMES - 1),
    speed=st.sampled_from([1.0, 2.0, 0.5]),
)
def test_a_clips_marker_lands_where_its_source_frame_is_shown(
    cam: Path, lead: int, first: int, n: int, at: int, speed: float
) -> None:
    """Source frame ``at`` of a clip from ``first`` after a gap: at ``lead + (at - first) / speed``."""
    clip = otio_clip(cam.as_uri(), first, n)
    if speed != 1:
        clip.effects.append(otio.schema.LinearTimeWarp(time_scalar=speed))
    clip.markers.append(_marker("m", at))
    tl = _timeline(_track(otio_gap(lead), clip) if lead else _track(clip))
    if speed * n + first > MEDIA_FRAMES:
        return  # past the media: another test's refusal
    project = from_otio(tl)
    offset = Fraction(at - first) / Fraction(speed)
    if 0 <= offset <= n:
        assert [m.time for m in project.markers] == [RationalTime(lead + offset, 24).snapped(24)]
        assert "import_notes" not in project.metadata
    else:
        assert project.markers == []
        assert project.metadata["import_notes"] == [
            f'tracks[0][{1 if lead else 0}]: marker "m" is outside the part shown and is left out'
        ]


def test_a_nested_stacks_markers_are_its_sequences(cam: Path) -> None:
    stack = otio.schema.Stack(name="compound", source_range=OTR(ORT(4, 24), ORT(16, 24)))
    inner = otio.schema.Track(name="inner V")
    inner.extend([otio_clip(cam.as_uri(), 0, 12), otio_clip(cam.as_uri(), 30, 12)])
    inner.markers.append(_marker("on the inner track", 14, color=MarkerColor.CYAN))
    stack.append(inner)
    stack.markers.append(_marker("inside", 6, color=MarkerColor.BLUE, comment="look"))
    project = from_otio(_timeline(_track(otio_clip(cam.as_uri(), 0, 10), stack)))
    assert project.markers == []
    (seq,) = project.sequences
    assert _seen(seq.markers) == [
        ("inside", 6, 0, "#0000ff", "look"),
        ("on the inner track", 14, 0, "#00ffff", ""),
    ]


@pytest.mark.parametrize("name", list(COLORS))
def test_every_otio_colour_comes_in_and_goes_out_as_itself(name: str) -> None:
    tl = _timeline(_track(otio_gap(48)))
    tl.tracks.markers.append(_marker("m", 3, color=name))
    project = from_otio(tl)
    assert project.markers[0].color == COLORS[name]
    tl = to_otio(project)
    (back,) = tl.tracks.markers
    assert back.color == name


@pytest.mark.parametrize(
    ("hex_colour", "name"),
    [("#00ff00", "GREEN"), ("#0000ff", "BLUE"), ("#fe0101", "RED"), ("#ffcc00", "YELLOW"),
     ("#1a1a1a", "BLACK"), ("#ff8800", "ORANGE"), ("#f0f", "MAGENTA"), ("not a colour", "YELLOW")],
)  # fmt: skip
def test_our_colours_go_out_as_the_nearest_otio_colour(hex_colour: str, name: str) -> None:
    assert nearest_color(hex_colour) == name


@pytest.mark.parametrize("suffix", [".otio", ".xml"])
def test_a_note_goes_out_as_the_comment(cam: Path, tmp_path: Path, suffix: str) -> None:
    studio = Studio(workspace=tmp_path)
    project = studio.new_project("mk", width=176, height=144, frame_rate=24)
    project.tracks[0].append(studio.clip(cam, 0, 24))
    project.add_marker(
        Marker(time=RationalTime(3, 24), name="green one", color="#00ff00", note="check focus")
    )
    path = write_otio(project, tmp_path / f"cut{suffix}")
    if suffix == ".otio":
        (written,) = otio.adapters.read_from_file(str(path)).tracks.markers
        assert (written.color, written.comment) == ("GREEN", "check focus")
    (back,) = read_otio(path).markers
    assert (back.name, back.time, back.note) == ("green one", RationalTime(3, 24), "check focus")


def test_a_nested_sequences_markers_go_out_on_its_stack_and_come_back(cam: Path, tmp_path: Path) -> None:
    studio = Studio(workspace=tmp_path)
    project = studio.new_project("shared", width=176, height=144, frame_rate=24)
    seq = studio.new_project("inner", width=176, height=144, frame_rate=24)
    seq.tracks[0].append(studio.clip(cam, 0, 12))
    seq.add_marker(Marker(time=RationalTime(3, 24), name="in the sequence", color="#0000ff", note="n"))
    project.tracks[0].append(project.sequence_clip(seq))
    tl = to_otio(project)  # held: OTIO frees children with their timeline
    (stack,) = [c for c in tl.tracks[0] if isinstance(c, otio.schema.Stack)]
    assert [(m.name, m.color, m.comment) for m in stack.markers] == [("in the sequence", "BLUE", "n")]
    back = read_otio(write_otio(project, tmp_path / "cut.otio"))
    assert [s.markers for s in back.sequences] == [project.sequences[0].markers]
