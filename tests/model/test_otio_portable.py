""".otio saves travel like .tlproj ones: media under the file's folder are named relative to it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from urllib.parse import quote

import opentimelineio as otio
import pytest

from timeline_lab.media.synth import make_clip
from timeline_lab.studio import Studio

NAMES = ["shot.mp4", "a shot #1.mp4", "späce/clip é.mp4", "100%25 done.mp4", "sub dir/deep/x'q.mp4"]


def _folder(root: Path, name: str) -> tuple[Path, Studio]:
    """root/{t.otio, media/<name>, outside.mp4 beside it}: one clip under the folder, one outside."""
    folder = root / "orig"
    media = folder / "media" / name
    media.parent.mkdir(parents=True)
    make_clip(media, width=64, height=48, rate=25, frames=12, tag=1)
    outside = make_clip(root / "outside.mp4", width=64, height=48, rate=25, frames=12, tag=2)
    studio = Studio(workspace=root)
    project = studio.new_project("t", width=64, height=48, frame_rate=25)
    project.tracks[0].append(studio.clip(media, 0, 5))
    project.tracks[0].append(studio.clip(outside, 0, 5))
    unused = project.add_sequence(studio.new_project("unused", width=64, height=48, frame_rate=25))
    unused.tracks[0].append(studio.clip(media, 1, 4))
    studio.save(project, folder / "t.otio")
    return folder, studio


@pytest.mark.parametrize("name", NAMES)
def test_a_copied_folder_opens_its_own_media(tmp_path: Path, name: str) -> None:
    folder, studio = _folder(tmp_path, name)
    copy = tmp_path / "elsewhere" / "copy"
    shutil.copytree(folder, copy)
    opened = studio.open(copy / "t.otio")
    first, second = opened.tracks[0].items
    assert Path(first.media.path) == copy / "media" / name  # the copy's, not the original's
    assert Path(second.media.path) == tmp_path / "outside.mp4"  # outside the folder: as it was
    nested = next(s for s in opened.sequences if s.name == "unused")
    assert Path(nested.tracks[0].items[0].media.path) == copy / "media" / name


@pytest.mark.parametrize("name", NAMES)
def test_the_url_is_a_percent_encoded_relative_reference(tmp_path: Path, name: str) -> None:
    folder, _ = _folder(tmp_path, name)
    tl = otio.adapters.read_from_file(str(folder / "t.otio"))
    urls = [c.media_reference.target_url for c in tl.find_clips()]
    assert urls == [quote(f"media/{name}"), (tmp_path / "outside.mp4").as_uri()]
    ours = json.loads((folder / "t.otio").read_text("utf-8"))
    assert str(tmp_path / "orig") not in json.dumps(ours)  # no absolute path into the folder anywhere


@pytest.mark.parametrize("name", NAMES)
def test_a_foreign_reader_without_our_metadata_finds_the_copy(tmp_path: Path, name: str) -> None:
    folder, studio = _folder(tmp_path, name)
    tl = otio.adapters.read_from_file(str(folder / "t.otio"))
    for obj in [tl, *tl.find_children()]:
        obj.metadata.pop("timeline_lab", None)
    copy = tmp_path / "copy"
    shutil.copytree(folder, copy)
    otio.adapters.write_to_file(tl, str(copy / "foreign.otio"))
    opened = studio.open(copy / "foreign.otio")
    assert Path(opened.tracks[0].items[0].media.path) == copy / "media" / name
