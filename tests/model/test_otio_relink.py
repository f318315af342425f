"""Timelines whose media moved (review 61, item 3): an import finds each file again by name in the
timeline file's folder and the ``search`` folders (ours by size and fingerprint too), as a
``.tlproj`` open does, and what is still missing is one MediaError naming the timeline file and
every missing file (it stopped at the first, naming neither the file nor the others)."""

from __future__ import annotations

import shutil
from pathlib import Path

import opentimelineio as otio
import pytest

from timeline_lab.errors import MediaError
from timeline_lab.interchange.otio import read_otio, write_otio
from timeline_lab.studio import Studio

from ._otio_parts import otio_clip

SPELLINGS = [
    "file:///C:/Users/ed/Media/cam.mp4",  # Resolve or Premiere on Windows
    "file:///C:%5CUsers%5Ced%5CMedia%5Ccam.mp4",
    "C:\\Users\\ed\\Media\\cam.mp4",
    "file:///Volumes/RAID/shoot/cam.mp4",  # a Mac's media drive
    "/gone/cam.mp4",
]


def _timeline(path: Path, *urls: str) -> Path:
    """A foreign .otio cutting 10 frames of each url."""
    tl = otio.schema.Timeline("moved", global_start_time=otio.opentime.RationalTime(0, 24))
    track = otio.schema.Track("V1")
    track.extend(otio_clip(url, 2, 10) for url in urls)
    tl.tracks.append(track)
    otio.adapters.write_to_file(tl, str(path))
    return path


@pytest.fixture
def moved(cam: Path, tmp_path: Path) -> Path:
    """The camera file, now in a folder of its own."""
    folder = tmp_path / "moved" / "day1"
    folder.mkdir(parents=True)
    shutil.copy(cam, folder / "cam.mp4")
    return folder


@pytest.mark.parametrize("url", SPELLINGS)
def test_a_foreign_timelines_media_is_found_in_the_search_folders(
    moved: Path, tmp_path: Path, url: str
) -> None:
    path = _timeline(tmp_path / "cut.otio", url)
    project = Studio(workspace=tmp_path).open(path, search=[moved.parent])
    assert [Path(c.media.path) for c in project.clips()] == [(moved / "cam.mp4").resolve()]


@pytest.mark.parametrize("url", SPELLINGS[:3])
def test_a_foreign_timelines_media_is_found_beside_it(moved: Path, url: str) -> None:
    project = read_otio(_timeline(moved / "cut.otio", url))
    assert [Path(c.media.path) for c in project.clips()] == [(moved / "cam.mp4").resolve()]


def test_an_edls_media_is_found_in_the_search_folders(moved: Path, tmp_path: Path) -> None:
    edl = tmp_path / "cut.edl"
    edl.write_text(
        "TITLE: X\nFCM: NON-DROP FRAME\n\n"
        "001  CAM      V     C        00:00:00:02 00:00:00:12 00:00:00:00 00:00:00:10\n"
        "* FROM CLIP: C:\\Media\\cam.mp4\n"
    )
    project = Studio(workspace=tmp_path).open(edl, search=[moved], rate=24)
    assert [Path(c.media.path) for c in project.clips()] == [(moved / "cam.mp4").resolve()]


def test_our_own_timelines_media_is_found_by_fingerprint(cam: Path, moved: Path, tmp_path: Path) -> None:
    """Our clips record size and fingerprint: a different file of the same name is not taken."""
    shoot = tmp_path / "shoot"
    shoot.mkdir()
    studio = Studio(workspace=tmp_path)
    project = studio.new_project("ours", width=176, height=144, frame_rate=24)
    project.tracks[0].append(studio.clip(shutil.copy(cam, shoot / "cam.mp4"), 0, 10))
    (tmp_path / "exchange").mkdir()
    out = write_otio(project, tmp_path / "exchange" / "ours.otio")
    shutil.rmtree(shoot)
    impostor = tmp_path / "impostor"
    impostor.mkdir()
    (impostor / "cam.mp4").write_bytes(b"not the camera file")
    back = studio.open(out, search=[impostor, moved.parent])
    assert [Path(c.media.path) for c in back.clips()] == [(moved / "cam.mp4").resolve()]


@pytest.mark.parametrize("suffix", [".otio", ".xml", ".edl"])
def test_what_is_still_missing_is_one_error_naming_the_timeline(
    cam: Path, moved: Path, tmp_path: Path, suffix: str
) -> None:
    source = _timeline(tmp_path / "src.otio", "/gone/a.mp4", "/gone/cam.mp4", "file:///C:/b.mov")
    path = tmp_path / f"cut{suffix}"
    if suffix != ".otio":  # the same cut written by OpenTimelineIO's adapter for that format
        tl = otio.adapters.read_from_file(str(source))
        otio.adapters.write_to_file(
            tl, str(path), adapter_name={".xml": "fcp_xml", ".edl": "cmx_3600"}[suffix]
        )
    else:
        shutil.copy(source, path)
    with pytest.raises(MediaError) as caught:
        Studio(workspace=tmp_path).open(path, search=[moved], rate=24)
    text = str(caught.value)
    assert text.startswith(f"{path}: 2 media file(s) missing")
    assert "a.mp4" in text and "b.mov" in text and "cam.mp4" not in text
