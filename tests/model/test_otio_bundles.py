"""OpenTimelineIO's bundles: a .otiod (a folder) is read with the media inside it; a .otioz (a zip)
and writing either are refused by name (a save to .otioz wrote .tlproj JSON)."""

from __future__ import annotations

import shutil
from pathlib import Path

import opentimelineio as otio
import pytest

from timeline_lab.errors import ProjectFileError
from timeline_lab.studio import Studio

from ._otio_parts import ORT, OTR

NAMES = ["a.mp4", "a b é.mp4", "100%.mp4"]


def _timeline(media: Path) -> otio.schema.Timeline:
    tl = otio.schema.Timeline(name="bundle", global_start_time=ORT(0, 24))
    track = otio.schema.Track(kind="Video")
    tl.tracks.append(track)
    ref = otio.schema.ExternalReference(target_url=media.as_uri())
    track.append(otio.schema.Clip(name="c", media_reference=ref, source_range=OTR(ORT(3, 24), ORT(10, 24))))
    return tl


@pytest.mark.parametrize("name", NAMES)
def test_an_otiod_opens_with_the_media_inside_it(cam: Path, tmp_path: Path, name: str) -> None:
    media = tmp_path / "src" / name
    media.parent.mkdir()
    shutil.copy(cam, media)
    bundle = tmp_path / "cut.otiod"
    otio.adapters.write_to_file(_timeline(media), str(bundle))
    moved = tmp_path / "elsewhere" / "cut.otiod"
    shutil.copytree(bundle, moved)
    shutil.rmtree(media.parent)  # only the bundle's copy is left
    project = Studio(workspace=tmp_path).open(moved)
    assert Path(project.tracks[0].items[0].media.path) == moved / "media" / name


def test_an_otioz_is_refused_by_name(cam: Path, tmp_path: Path) -> None:
    bundle = tmp_path / "cut.otioz"
    otio.adapters.write_to_file(_timeline(cam), str(bundle))
    with pytest.raises(ProjectFileError, match=r"cut\.otioz: \.otioz bundles are not read here"):
        Studio(workspace=tmp_path).open(bundle)


@pytest.mark.parametrize("suffix", [".otioz", ".otiod", ".OTIOZ"])
def test_saving_a_bundle_is_refused_by_name(cam: Path, tmp_path: Path, suffix: str) -> None:
    studio = Studio(workspace=tmp_path)
    project = studio.new_project("p", width=64, height=48, frame_rate=24)
    project.tracks[0].append(studio.clip(cam, 0, 4))
    target = tmp_path / f"out{suffix}"
    with pytest.raises(ProjectFileError, match=rf"out\{suffix}: {suffix.lower()} bundles are not written"):
        studio.save(project, target)
    assert not target.exists()


def test_an_otiod_that_is_not_a_folder_is_named(tmp_path: Path) -> None:
    fake = tmp_path / "x.otiod"
    fake.write_text("{}")
    with pytest.raises(ProjectFileError, match=r"x\.otiod: a \.otiod bundle is a folder"):
        Studio(workspace=tmp_path).open(fake)
