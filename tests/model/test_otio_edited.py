"""Our own .otio edited by another OTIO tool (review 61, item 4): where the file says something
else than our metadata would have written (a name, enabled, a trim, a marker), the file wins; the
metadata still brings what OTIO cannot say (opacity, effects, speed). Before, the metadata won:
edits were silently undone, and a trim was an overlap error."""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import opentimelineio as otio
import pytest

from timeline_lab.interchange.otio import read_otio, write_otio
from timeline_lab.model import Marker, Project, RationalTime
from timeline_lab.model.items import Clip, TextClip
from timeline_lab.model.properties import Effect
from timeline_lab.studio import Studio

ORT, OTR = otio.opentime.RationalTime, otio.opentime.TimeRange
Edit = Callable[[otio.schema.Timeline], None]


def _ours(studio: Studio, cam: Path) -> Project:
    """A, B at 2x speed, a title; a marker: each with something only our metadata says."""
    project = studio.new_project("ours", width=176, height=144, frame_rate=24)
    track = project.tracks[0]
    track.append(studio.clip(cam, 0, 20, name="A").model_copy(update={"opacity": 0.5}))
    b = studio.clip(cam, 20, 20, name="B", speed=2)
    track.append(b.model_copy(update={"effects": [Effect(kind="blur")]}))
    track.append(TextClip(name="T", text="The end", duration=RationalTime(12, 24)))
    project.markers.append(Marker(time=RationalTime(5, 24), name="mk", color="#ff0000", note="n"))
    project.history.clear()
    return project


def _round_trip(cam: Path, tmp_path: Path, edit: Edit) -> Project:
    studio = Studio(workspace=tmp_path)
    out = write_otio(_ours(studio, cam), tmp_path / "ours.otio")
    tl = otio.adapters.read_from_file(str(out))
    edit(tl)
    otio.adapters.write_to_file(tl, str(tmp_path / "edited.otio"))
    return read_otio(tmp_path / "edited.otio")


def _items(project: Project) -> list[Clip | TextClip]:
    return [i for i in project.tracks[0].items if isinstance(i, Clip | TextClip)]


def _clip(tl: otio.schema.Timeline, k: int) -> otio.schema.Clip:
    return tl.tracks[0][k]  # type: ignore[no-any-return]


def _set(k: int, **values: object) -> Edit:
    def edit(tl: otio.schema.Timeline) -> None:
        for key, value in values.items():
            setattr(_clip(tl, k), key, value)

    return edit


def _trim(k: int, first: int, n: int) -> Edit:
    return _set(k, source_range=OTR(ORT(first, 24), ORT(n, 24)))


@pytest.mark.parametrize(
    ("edit", "want"),
    [
        (
            _set(0, name="A renamed"),
            [("A renamed", True, 0, 0, 20), ("B", True, 20, 20, 20), ("T", True, 30, 0, 12)],
        ),
        (_set(1, enabled=False), [("A", True, 0, 0, 20), ("B", False, 20, 20, 20), ("T", True, 30, 0, 12)]),
        (_trim(0, 0, 10), [("A", True, 0, 0, 10), ("B", True, 10, 20, 20), ("T", True, 20, 0, 12)]),
        (
            _trim(0, 6, 14),
            [("A", True, 0, 6, 14), ("B", True, 14, 20, 20), ("T", True, 24, 0, 12)],
        ),  # head trim
        (_trim(0, 4, 20), [("A", True, 0, 4, 20), ("B", True, 20, 20, 20), ("T", True, 30, 0, 12)]),  # slip
        (
            _trim(1, 20, 8),
            [("A", True, 0, 0, 20), ("B", True, 20, 20, 16), ("T", True, 28, 0, 12)],
        ),  # 8 at 2x
        (_trim(2, 0, 30), [("A", True, 0, 0, 20), ("B", True, 20, 20, 20), ("T", True, 30, 0, 30)]),  # title
    ],
    ids=["rename", "disable", "tail trim", "head trim", "slip", "trim at 2x", "title length"],
)
def test_the_files_clip_values_win(
    cam: Path, tmp_path: Path, edit: Edit, want: list[tuple[str, bool, int, int, int]]
) -> None:
    """Each item as (name, enabled, start frame, first source frame, source frames or length)."""
    project = _round_trip(cam, tmp_path, edit)
    got = []
    for i in _items(project):
        span = i.source_range if isinstance(i, Clip) else None
        first, n = (
            (span.start.to_frames(24), span.duration.to_frames(24)) if span else (0, i.frames(Fraction(24)))
        )
        got.append((i.name, i.enabled, i.start.to_frames(24), first, n))
    assert got == want
    a, b, _t = _items(project)
    assert isinstance(a, Clip) and a.opacity == 0.5  # what only our metadata says is kept
    assert isinstance(b, Clip) and b.speed == 2 and [e.kind for e in b.effects] == ["blur"]
    project.validate_timeline()


def _marker(**values: object) -> Edit:
    def edit(tl: otio.schema.Timeline) -> None:
        for key, value in values.items():
            setattr(tl.tracks.markers[0], key, value)

    return edit


@pytest.mark.parametrize(
    ("edit", "want"),
    [
        (_marker(marked_range=OTR(ORT(15, 24), ORT(0, 24))), (15, 0, "mk", "#ff0000", "n")),
        (_marker(marked_range=OTR(ORT(5, 24), ORT(6, 24))), (5, 6, "mk", "#ff0000", "n")),
        (_marker(name="moved", comment="new note"), (5, 0, "moved", "#ff0000", "new note")),
        (_marker(color=otio.schema.MarkerColor.GREEN), (5, 0, "mk", "#00ff00", "n")),
    ],
    ids=["moved", "lengthened", "renamed", "recoloured"],
)
def test_the_files_marker_values_win(
    cam: Path, tmp_path: Path, edit: Edit, want: tuple[int, int, str, str, str]
) -> None:
    (m,) = _round_trip(cam, tmp_path, edit).markers
    assert (m.time.to_frames(24), m.duration.to_frames(24), m.name, m.color, m.note) == want


def test_the_files_track_values_win(cam: Path, tmp_path: Path) -> None:
    def edit(tl: otio.schema.Timeline) -> None:
        tl.tracks[0].name, tl.tracks[0].enabled = "Picture", False

    track = _round_trip(cam, tmp_path, edit).tracks[0]
    assert (track.name, track.enabled) == ("Picture", False)


def test_an_unedited_file_comes_back_identical(cam: Path, tmp_path: Path) -> None:
    studio = Studio(workspace=tmp_path)
    project = _ours(studio, cam)
    back = read_otio(write_otio(project, tmp_path / "ours.otio"))
    assert back.model_dump(mode="json") == project.model_dump(mode="json")
