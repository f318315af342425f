"""Clips with several media references (OTIO 0.15+: a proxy beside the full-resolution file) keep
the others and their active key through import and export; the active one is the clip's media."""

from __future__ import annotations

import json
from pathlib import Path

import opentimelineio as otio
import pytest

from timeline_lab.errors import ProjectError
from timeline_lab.interchange.otio import read_otio, write_otio
from timeline_lab.studio import Studio

from ._otio_parts import MEDIA_FRAMES, ORT, OTR

KEYS = [("high", ["proxy"]), ("DEFAULT_MEDIA", ["proxy", "offline"]), ("ünï key", []), ("a", ["b", "c d"])]


def _ref(url: str) -> otio.schema.ExternalReference:
    return otio.schema.ExternalReference(
        target_url=url, available_range=OTR(ORT(0, 24), ORT(MEDIA_FRAMES, 24))
    )


def _timeline(cam: Path, active: str, others: list[str]) -> otio.schema.Timeline:
    tl = otio.schema.Timeline(name="multi", global_start_time=ORT(0, 24))
    track = otio.schema.Track(kind="Video")
    tl.tracks.append(track)
    clip = otio.schema.Clip(name="m", source_range=OTR(ORT(2, 24), ORT(8, 24)))
    refs = {k: _ref(f"/nowhere/{k}.mov") for k in others}
    refs[active] = _ref(cam.as_uri())
    clip.set_media_references(refs, active)
    track.append(clip)
    return tl


def _refs(path: Path) -> tuple[str, dict[str, object]]:
    clip = otio.adapters.read_from_file(str(path)).find_clips()[0]
    refs = clip.media_references()
    return clip.active_media_reference_key, {str(k): json.loads(r.to_json_string()) for k, r in refs.items()}


@pytest.mark.parametrize(("active", "others"), KEYS)
def test_the_other_references_and_the_active_key_survive(
    cam: Path, tmp_path: Path, active: str, others: list[str]
) -> None:
    src = tmp_path / "in.otio"
    otio.adapters.write_to_file(_timeline(cam, active, others), str(src))
    project = read_otio(src)
    assert Path(project.tracks[0].items[0].media.path) == cam  # the active one is what plays
    out = write_otio(project, tmp_path / "out.otio")
    key, refs = _refs(out)
    assert key == active
    assert sorted(refs) == sorted([active, *others])
    _, given = _refs(src)
    assert all(refs[k] == given[k] for k in others)  # the others whole, as the file gave them
    again = write_otio(read_otio(out), tmp_path / "again.otio")
    assert _refs(again) == (key, refs)


def test_kept_through_a_project_file(cam: Path, tmp_path: Path) -> None:
    src = tmp_path / "in.otio"
    otio.adapters.write_to_file(_timeline(cam, "high", ["proxy"]), str(src))
    studio = Studio(workspace=tmp_path)
    studio.save(studio.open(src), tmp_path / "p.tlproj")
    out = studio.save(studio.open(tmp_path / "p.tlproj"), tmp_path / "out.otio")
    assert _refs(out)[0] == "high"
    assert sorted(_refs(out)[1]) == ["high", "proxy"]


def test_a_single_default_reference_keeps_nothing(cam: Path, tmp_path: Path) -> None:
    src = tmp_path / "in.otio"
    otio.adapters.write_to_file(_timeline(cam, "DEFAULT_MEDIA", []), str(src))
    assert "otio_parts" not in read_otio(src).metadata


@pytest.mark.parametrize(
    "bad",
    [
        {"media_references": "x", "active_media_reference_key": "k"},
        {"media_references": {"p": {"OTIO_SCHEMA": "Clip.2"}}, "active_media_reference_key": "k"},
        {"media_references": {"p": 1}, "active_media_reference_key": "k"},
        {"media_references": {"p": {}}, "active_media_reference_key": "p"},
        {"media_references": {}, "active_media_reference_key": 3},
    ],
)
def test_damaged_kept_references_are_named(cam: Path, tmp_path: Path, bad: object) -> None:
    src = tmp_path / "in.otio"
    otio.adapters.write_to_file(_timeline(cam, "high", ["proxy"]), str(src))
    project = read_otio(src)
    (key,) = project.metadata["otio_parts"]
    project.metadata["otio_parts"][key] = bad
    with pytest.raises(ProjectError, match=rf"metadata\.otio_parts\.{key}\.(media_references|active)"):
        write_otio(project, tmp_path / "o.otio")
