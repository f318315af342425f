"""Our own .otio edited by another OTIO tool: a new target_url, a new speed, reverse or freeze, and
new transition offsets win over our metadata, as the name and trim already did. Before, the
metadata won: the clip kept its old file and speed, the dissolve its old offsets. Oracle: the same
edited file with our metadata stripped (what the file itself says)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import opentimelineio as otio
import pytest

from timeline_lab.interchange.otio import read_otio, write_otio
from timeline_lab.media.synth import make_clip
from timeline_lab.model import Project, RationalTime, Transition
from timeline_lab.model.items import Clip
from timeline_lab.studio import Studio

ORT, OTR = otio.opentime.RationalTime, otio.opentime.TimeRange
Edit = Callable[[otio.schema.Timeline, Path], None]


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    d = tmp_path_factory.mktemp("edited-media")
    return (
        make_clip(d / "a.mp4", width=64, height=48, rate=24, frames=72, tag=1, audio=False),
        make_clip(d / "b.mp4", width=64, height=48, rate=24, frames=72, tag=2, audio=False),
    )


def _ours(studio: Studio, a: Path) -> Project:
    """Three clips (the last at 2x), a 4-frame dissolve between the first two."""
    project = studio.new_project("ed", width=64, height=48, frame_rate=24)
    v = project.tracks[0]
    x = v.append(studio.clip(a, 10, 10))
    y = v.append(studio.clip(a, 30, 10))
    v.append(studio.clip(a, 50, 10, speed=2))
    v.add_transition(Transition(from_clip=x.id, to_clip=y.id, duration=RationalTime(4, 24)))
    project.history.clear()
    return project


def _clips(tl: otio.schema.Timeline) -> list[otio.schema.Clip]:
    return list(tl.find_clips())


def _relink(k: int) -> Edit:
    def edit(tl: otio.schema.Timeline, b: Path) -> None:
        _clips(tl)[k].media_reference.target_url = b.as_uri()

    return edit


def _speed(k: int, scalar: float | None, frames: int) -> Edit:
    """Clip ``k`` retimed to ``scalar`` (None: a freeze, 0: speed 0), ``frames`` timeline frames long."""

    def edit(tl: otio.schema.Timeline, b: Path) -> None:
        clip = _clips(tl)[k]
        clip.effects[:] = []
        if scalar is None:
            clip.effects.append(otio.schema.FreezeFrame())
        elif scalar != 1:
            clip.effects.append(otio.schema.LinearTimeWarp(time_scalar=scalar))
        clip.source_range = OTR(clip.source_range.start_time, ORT(frames, 24))

    return edit


def _offsets(before: int, after: int) -> Edit:
    def edit(tl: otio.schema.Timeline, b: Path) -> None:
        tr = next(i for i in tl.tracks[0] if isinstance(i, otio.schema.Transition))
        tr.in_offset, tr.out_offset = ORT(before, 24), ORT(after, 24)

    return edit


def _stripped(tl: otio.schema.Timeline) -> otio.schema.Timeline:
    plain = tl.deepcopy()
    plain.metadata.pop("timeline_lab", None)
    for obj in [*plain.find_children(), *plain.tracks]:
        obj.metadata.pop("timeline_lab", None)
        for fx in getattr(obj, "effects", []):
            fx.metadata.pop("timeline_lab", None)
    return plain


def _shape(project: Project) -> list[tuple[object, ...]]:
    """What the file says about each clip and transition, as the model holds it."""
    track, r = project.tracks[0], project.settings.frame_rate
    rows: list[tuple[object, ...]] = []
    for i in track.items:
        assert isinstance(i, Clip)
        kinds = sorted(fx.kind for fx in i.effects if fx.kind in ("freeze", "reverse"))
        start = i.source_range.start.to_frames(i.media.rate, "nearest")
        rows.append((Path(i.media.path).name, i.speed, kinds, start, i.start.to_frames(r), i.frames(r)))
    rows += [(t.handles(r), t.duration) for t in track.transitions]
    return rows


@pytest.mark.parametrize(
    "edit",
    [
        _relink(0),
        _relink(1),
        _relink(2),
        _speed(2, 1.0, 5),  # 2x -> 1x, as long on the timeline
        _speed(2, 1.0, 10),  # 2x -> 1x, the whole span
        _speed(2, 0.5, 10),  # slower
        _speed(2, -2.0, 5),  # reversed
        _speed(1, 2.0, 5),  # 1x -> 2x
        _speed(1, None, 6),  # a freeze
        _speed(1, 0.0, 6),  # speed 0: OTIO's other freeze
        _offsets(2, 6),
        _offsets(0, 4),
        _offsets(4, 0),
        _offsets(1, 1),
        _offsets(3, 3),
    ],
)
def test_file_values_win(files: tuple[Path, Path], tmp_path: Path, edit: Edit) -> None:
    a, b = files
    studio = Studio(workspace=tmp_path)
    tl = otio.adapters.read_from_file(str(write_otio(_ours(studio, a), tmp_path / "ours.otio")))
    edit(tl, b)
    otio.adapters.write_to_file(tl, str(tmp_path / "edited.otio"))
    otio.adapters.write_to_file(_stripped(tl), str(tmp_path / "plain.otio"))
    assert _shape(read_otio(tmp_path / "edited.otio")) == _shape(read_otio(tmp_path / "plain.otio"))


def test_unedited_keeps_ours(files: tuple[Path, Path], tmp_path: Path) -> None:
    """Nothing changed: the speed, the dissolve and the media are ours, as written."""
    studio = Studio(workspace=tmp_path)
    project = _ours(studio, files[0])
    again = read_otio(write_otio(project, tmp_path / "ours.otio"))
    assert _shape(again) == _shape(project)
    assert again.tracks[0].transitions == project.tracks[0].transitions
