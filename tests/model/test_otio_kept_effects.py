"""A foreign clip's effects the project cannot play (a blur, a grade) are reported at import and
written back on export, with their names and metadata (issue 13: preserved)."""

from __future__ import annotations

import json
from pathlib import Path

import opentimelineio as otio
import pytest

from timeline_lab.errors import ProjectError
from timeline_lab.interchange.otio import read_otio, write_otio
from timeline_lab.studio import Studio

from ._otio_parts import ORT, otio_clip

EFFECTS = [
    [otio.schema.Effect(name="Blur", effect_name="Resolve Blur", metadata={"radius": 3})],
    [otio.schema.Effect(effect_name="Color", metadata={"cdl": {"slope": [1.1, 1, 0.9]}, "ünï": "é"})],
    [otio.schema.Effect(name="a"), otio.schema.Effect(name="b", metadata={"n": 2})],
    [otio.schema.LinearTimeWarp(time_scalar=2.0), otio.schema.Effect(name="after a warp")],
]


def _timeline(cam: Path, effects: list[otio.schema.Effect]) -> otio.schema.Timeline:
    tl = otio.schema.Timeline(name="fx", global_start_time=ORT(0, 24))
    track = otio.schema.Track(kind="Video")
    tl.tracks.append(track)
    clip = otio_clip(cam.as_uri(), 2, 8)
    for fx in effects:
        clip.effects.append(fx.clone())
    track.append(clip)
    track.append(otio_clip(cam.as_uri(), 0, 4))  # a clip without effects stays without
    return tl


def _kept(effects: list[otio.schema.Effect]) -> list[object]:
    """The effects other than time effects, whole, as OTIO writes them."""
    return [json.loads(fx.to_json_string()) for fx in effects if not isinstance(fx, otio.schema.TimeEffect)]


def _effects(path: Path) -> list[list[otio.schema.Effect]]:
    return [list(c.effects) for c in otio.adapters.read_from_file(str(path)).find_clips()]


@pytest.mark.parametrize("effects", EFFECTS)
def test_unknown_effects_survive_import_and_export(cam: Path, tmp_path: Path, effects: list) -> None:
    src = tmp_path / "in.otio"
    otio.adapters.write_to_file(_timeline(cam, effects), str(src))
    project = read_otio(src)
    assert any("is not rendered" in n for n in project.metadata["import_notes"])
    out = write_otio(project, tmp_path / "out.otio")
    first, second = _effects(out)
    assert _kept(first) == _kept(effects)
    assert second == []
    again = write_otio(read_otio(out), tmp_path / "again.otio")  # our own file: once, not twice
    assert [_kept(e) for e in _effects(again)] == [_kept(effects), []]


def test_kept_through_a_project_file(cam: Path, tmp_path: Path) -> None:
    src = tmp_path / "in.otio"
    otio.adapters.write_to_file(_timeline(cam, EFFECTS[0]), str(src))
    studio = Studio(workspace=tmp_path)
    studio.save(studio.open(src), tmp_path / "p.tlproj")
    out = studio.save(studio.open(tmp_path / "p.tlproj"), tmp_path / "out.otio")
    assert _kept(_effects(out)[0]) == _kept(EFFECTS[0])


@pytest.mark.parametrize(
    "bad", ["x", {"effects": "x"}, {"effects": [{"OTIO_SCHEMA": "Nope.1"}]}, {"effects": [1]}]
)
def test_damaged_kept_effects_are_named(cam: Path, tmp_path: Path, bad: object) -> None:
    src = tmp_path / "in.otio"
    otio.adapters.write_to_file(_timeline(cam, EFFECTS[0]), str(src))
    project = read_otio(src)
    (key,) = project.metadata["otio_parts"]
    project.metadata["otio_parts"][key] = bad
    with pytest.raises(ProjectError, match=rf"metadata\.otio_parts\.{key}"):
        write_otio(project, tmp_path / "o.otio")
