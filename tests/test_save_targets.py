"""Where a project save or a timeline export may write: never onto the project's own media
(however spelled: another path, ``..``, a symbolic or a hard link), and over an existing file only
when it is a project (or, for an export, a timeline of that kind), unless overwrite=True."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from timeline_lab.errors import ProjectFileError
from timeline_lab.media.synth import make_clip
from timeline_lab.studio import Studio


@pytest.fixture
def studio_and_project(tmp_path: Path) -> tuple[Studio, object, Path]:
    clip = make_clip(tmp_path / "a.mp4", width=64, height=48, rate=25, frames=10, tag=1)
    studio = Studio(workspace=tmp_path)
    project = studio.new_project("p", width=64, height=48, frame_rate=25)
    project.tracks[0].append(studio.clip(clip, 0, 5))
    return studio, project, clip


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("suffix", [".tlproj", ".otio", ".edl", ".xml", ".fcpxml"])
@pytest.mark.parametrize("spelling", ["same", "dotdot", "symlink", "hardlink"])
def test_never_onto_the_projects_media(
    studio_and_project: tuple[Studio, object, Path], suffix: str, spelling: str, tmp_path: Path
) -> None:
    studio, project, clip = studio_and_project
    # the media under a timeline's name (a user who named a clip cut.edl, or a link to it)
    media = tmp_path / f"media{suffix}"
    os.link(clip, media)
    project.tracks[0].append(studio.clip(media, 0, 5))
    before = _digest(clip)
    target = {
        "same": media,
        "dotdot": tmp_path / "sub" / ".." / media.name,
        "symlink": tmp_path / f"link{suffix}",
        "hardlink": tmp_path / f"hard{suffix}",
    }[spelling]
    (tmp_path / "sub").mkdir(exist_ok=True)
    if spelling == "symlink":
        target.symlink_to(media)
    elif spelling == "hardlink":
        os.link(media, target)
    with pytest.raises(ProjectFileError, match=r"is a media file of this project|symbolic link"):
        studio.save(project, target, overwrite=True)
    assert _digest(clip) == before


@pytest.mark.parametrize("suffix", [".tlproj", ".otio", ".edl", ".xml", ".fcpxml"])
def test_a_file_of_another_kind_is_kept_unless_overwrite(
    studio_and_project: tuple[Studio, object, Path], suffix: str, tmp_path: Path
) -> None:
    studio, project, _ = studio_and_project
    target = tmp_path / f"cut{suffix}"
    target.write_text("someone's notes, not a timeline\n")
    with pytest.raises(ProjectFileError, match=r"exists and is not a"):
        studio.save(project, target)
    assert target.read_text() == "someone's notes, not a timeline\n"
    studio.save(project, target, overwrite=True)
    studio.save(project, target)  # an earlier export of ours is replaced freely
    assert target.read_text() != "someone's notes, not a timeline\n"


def test_an_empty_file_is_nothing_to_lose(
    studio_and_project: tuple[Studio, object, Path], tmp_path: Path
) -> None:
    studio, project, _ = studio_and_project
    target = tmp_path / "reserved.tlproj"
    target.touch()
    studio.save(project, target)
    assert studio.open(target).name == "p"
