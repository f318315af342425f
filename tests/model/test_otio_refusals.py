"""Foreign OTIO files that cannot be imported, and projects a format cannot hold (review 61): a
ProjectFileError naming the file and the field, never a raw OpenTimelineIO traceback; and what looks
bad but has a meaning (a negative time scalar: a reversed clip) imported as that meaning."""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import opentimelineio as otio
import pytest

from timeline_lab.errors import ProjectFileError
from timeline_lab.interchange.otio import read_otio, to_otio, write_otio
from timeline_lab.media.synth import read_frame_index
from timeline_lab.model import Clip, RationalTime, TimeRange
from timeline_lab.studio import Studio

from ..render.conftest import decode_video
from ._otio_parts import ORT, OTR, otio_clip, otio_gap


def _file(tmp_path: Path, *children: otio.core.Composable) -> Path:
    tl = otio.schema.Timeline(name="bad", global_start_time=ORT(0, 24))
    track = otio.schema.Track(name="V1")
    track.extend(children)
    tl.tracks.append(track)
    path = tmp_path / "edit.otio"
    otio.adapters.write_to_file(tl, str(path))
    return path


def _negative_clip(url: str) -> otio.schema.Clip:
    clip = otio_clip(url, 10, 4)
    clip.source_range = OTR(ORT(10, 24), ORT(-4, 24))
    return clip


def _no_ranges(url: str) -> otio.schema.Clip:
    return otio.schema.Clip(name="whole", media_reference=otio.schema.ExternalReference(target_url=url))


def _early(url: str) -> otio.schema.Clip:
    clip = otio_clip(url, 0, 5)
    clip.media_reference.available_range = OTR(ORT(100, 24), ORT(48, 24))
    clip.source_range = OTR(ORT(90, 24), ORT(5, 24))
    return clip


def _early_unbounded(url: str) -> otio.schema.Clip:
    clip = otio_clip(url, 0, 5)
    clip.media_reference.available_range = None
    clip.source_range = OTR(ORT(-3, 24), ORT(5, 24))
    return clip


def _negative_available(url: str) -> otio.schema.Clip:
    clip = otio_clip(url, 0, 5)
    clip.media_reference.available_range = OTR(ORT(0, 24), ORT(-48, 24))
    return clip


def _dissolve(before: int, after: int) -> otio.schema.Transition:
    return otio.schema.Transition(in_offset=ORT(before, 24), out_offset=ORT(after, 24))


_CASES: dict[str, tuple[Callable[[str], list[otio.core.Composable]], str]] = {
    "negative gap": (
        lambda u: [otio_clip(u, 0, 10), otio_gap(-5), otio_clip(u, 10, 10)],
        "tracks[0][1] gap source_range.duration.value: must not be negative, got -5",
    ),
    "negative clip duration": (
        lambda u: [_negative_clip(u)],
        'tracks[0][0] clip "c10" source_range.duration.value: must not be negative, got -4',
    ),
    "negative in_offset": (
        lambda u: [otio_clip(u, 0, 10), _dissolve(-2, 4), otio_clip(u, 10, 10)],
        "tracks[0][1] transition in_offset.value: must not be negative, got -2",
    ),
    "negative out_offset": (
        lambda u: [otio_clip(u, 0, 10), _dissolve(2, -4), otio_clip(u, 10, 10)],
        "tracks[0][1] transition out_offset.value: must not be negative, got -4",
    ),
    "negative available_range": (
        lambda u: [_negative_available(u)],
        'tracks[0][0] clip "c0" media_reference.available_range.duration.value: '
        "must not be negative, got -48",
    ),
    "neither range": (
        lambda u: [_no_ranges(u)],
        'tracks[0][0] clip "whole": '
        "has neither source_range nor media_reference.available_range, so no length",
    ),
    "source before media start": (
        lambda u: [_early(u)],
        "tracks[0][0]: source_range.start_time 90@24 "
        "is before media_reference.available_range.start_time 100@24",
    ),
    "source before 0, no available_range": (
        lambda u: [_early_unbounded(u)],
        "tracks[0][0]: source_range.start_time -3@24 "
        "is before media_reference.available_range.start_time 0@24",
    ),
}


@pytest.mark.parametrize("case", list(_CASES))
def test_malformed_values_name_the_file_and_the_field(cam: Path, tmp_path: Path, case: str) -> None:
    build, message = _CASES[case]
    path = _file(tmp_path, *build(cam.as_uri()))
    with pytest.raises(ProjectFileError) as caught:
        read_otio(path)
    assert str(caught.value) == f"{path}: {message}"


@pytest.mark.parametrize("scalar", [-1.0, -2.0, -0.5])
def test_a_negative_time_scalar_is_a_reversed_clip(cam: Path, tmp_path: Path, scalar: float) -> None:
    clip = otio_clip(cam.as_uri(), 20, 12)
    clip.effects.append(otio.schema.LinearTimeWarp(name="reverse", time_scalar=scalar))
    project = read_otio(_file(tmp_path, clip))
    (item,) = project.tracks[0].items
    assert isinstance(item, Clip)
    assert item.speed == Fraction(abs(scalar))
    assert [fx.kind for fx in item.effects] == ["reverse"]
    assert item.source_range == TimeRange(RationalTime(20, 24), RationalTime(12 * Fraction(abs(scalar)), 24))
    assert item.frames(Fraction(24)) == 12
    # and out again as other editors write it
    tl = to_otio(project)  # held: OTIO frees children with their timeline
    (warp,) = tl.tracks[0][0].effects
    assert isinstance(warp, otio.schema.LinearTimeWarp) and warp.time_scalar == scalar


@pytest.mark.slow
def test_a_reversed_clip_renders_backwards(cam: Path, tmp_path: Path) -> None:
    clip = otio_clip(cam.as_uri(), 20, 12)
    clip.effects.append(otio.schema.LinearTimeWarp(name="reverse", time_scalar=-1.0))
    studio = Studio(workspace=tmp_path)
    out = studio.render(read_otio(_file(tmp_path, clip)), tmp_path / "rev.mp4", progress=False)
    assert [read_frame_index(f)[0] for f in decode_video(out)] == list(range(31, 19, -1))


def test_two_video_tracks_to_an_edl_is_a_project_file_error(cam: Path, tmp_path: Path) -> None:
    studio = Studio(workspace=tmp_path)
    project = studio.new_project("two", width=176, height=144, frame_rate=24)
    project.tracks[0].append(studio.clip(cam, 0, 24))
    overlay = project.add_track("video")
    overlay.append(studio.clip(cam, 0, 10))
    path = tmp_path / "cut.edl"
    with pytest.raises(ProjectFileError, match=r"cut\.edl: an EDL holds one video track; this project has 2"):
        write_otio(project, path)
    assert not path.exists()
    overlay.enabled = False  # the adapter leaves disabled tracks out: that one fits
    assert "001 " in write_otio(project, path).read_text("utf-8")


def test_an_edl_of_sound_only_holds_its_sound(cam: Path, tmp_path: Path) -> None:
    """A sound editor's EDL (no enabled picture track) is its sound events (was refused by the
    adapter, which wrote the first track only)."""
    studio = Studio(workspace=tmp_path)
    project = studio.new_project("snd", width=176, height=144, frame_rate=24)
    project.tracks[0].enabled = False
    project.add_track("audio").append(studio.clip(cam, 0, 24))
    events = [line.split() for line in write_otio(project, tmp_path / "cut.edl").read_text().splitlines()]
    assert [e[2] for e in events if e and e[0] == "001"] == ["A"]


def test_a_foreign_timeline_the_model_refuses_names_the_file(cam: Path, tmp_path: Path) -> None:
    """The timeline's own checks (here: a trim past the media's end) name the place; the file too."""
    clip = otio_clip(cam.as_uri(), 40, 20)  # frames 40..59 of 48
    path = _file(tmp_path, clip)
    with pytest.raises(ProjectFileError) as caught:
        read_otio(path)
    assert str(caught.value).startswith(f"{path}: tracks[0] (V1).items[0] 'c40': trim end ")
