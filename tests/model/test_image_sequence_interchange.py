"""Image sequences through interchange (review h3, items 2, 3, 4): a sequence counted at its own rate
came back at the project's (FCP 7 XML, FCPX XML, an .otio without our metadata: other frames), an
.otio named it by its folder alone (no OTIO tool can find a frame), and a moved .otio could not find
a sequence's folder (files only were searched)."""

from __future__ import annotations

import shutil
from fractions import Fraction
from pathlib import Path

import opentimelineio as otio
import pytest
from PIL import Image

from timeline_lab.errors import MediaError
from timeline_lab.interchange.otio import read_otio, write_otio
from timeline_lab.interchange.otio_export import to_otio
from timeline_lab.interchange.otio_import import from_otio
from timeline_lab.model import Project
from timeline_lab.studio import Studio

SEQ_RATES = [Fraction(24000, 1001), Fraction(25), Fraction(30000, 1001)]


def _images(folder: Path, first: int, count: int = 30, width: int = 4, shade: int = 0) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for n in range(first, first + count):
        Image.new("RGB", (32, 24), (shade, n % 256, 0)).save(folder / f"img_{n:0{width}d}.png")
    return folder


def _shown(project: Project) -> list[tuple[Fraction, list[int]]]:
    r = project.settings.frame_rate
    return [
        (c.media.rate, [c.source_frame_at(k, r) for k in range(c.frames(r))])
        for t in project.tracks
        for c in t.items
    ]


def _project(tmp_path: Path, seq: Path, seq_rate: Fraction, project_rate: str) -> Project:
    studio = Studio(workspace=tmp_path)
    p = studio.new_project("seq", width=32, height=24, frame_rate=project_rate)
    p.tracks[0].append(studio.clip(seq, 3, 12, rate=seq_rate, name="shots"))
    return p


def _plain(tl: otio.schema.Timeline) -> otio.schema.Timeline:
    """The timeline as another OTIO tool rewrites it: none of our metadata."""
    for o in [tl, tl.tracks, *tl.tracks.find_children()]:
        o.metadata.pop("timeline_lab", None)
    return otio.adapters.read_from_string(otio.adapters.write_to_string(tl, "otio_json"), "otio_json")


@pytest.mark.parametrize("seq_rate", SEQ_RATES)
@pytest.mark.parametrize("project_rate", ["25", "29.97"])
@pytest.mark.parametrize(("first", "width"), [(0, 4), (1, 3), (100, 4), (86400, 6)])
def test_a_sequence_comes_back_at_its_own_rate(
    tmp_path: Path, seq_rate: Fraction, project_rate: str, first: int, width: int
) -> None:
    seq = _images(tmp_path / "shots", first, width=width)
    p = _project(tmp_path, seq, seq_rate, project_rate)
    want = _shown(p)
    assert want[0][0] == seq_rate
    for suffix in (".xml", ".fcpxml", ".otio"):
        assert _shown(read_otio(write_otio(p, tmp_path / f"cut{suffix}"))) == want, suffix
    saved = otio.adapters.read_from_file(str(tmp_path / "cut.otio"))  # what any OTIO tool reads
    assert isinstance(saved.find_clips()[0].media_reference, otio.schema.ImageSequenceReference)
    tl = to_otio(p, image_sequences=True)
    ref = tl.find_clips()[0].media_reference
    assert isinstance(ref, otio.schema.ImageSequenceReference)
    clip = tl.find_clips()[0]
    named = ref.target_url_for_image_number(ref.frame_for_time(clip.source_range.start_time) - first)
    assert named == (seq / f"img_{first + 3:0{width}d}.png").as_uri()  # frame 3 of the clip
    assert ref.number_of_images_in_sequence() == 30
    assert _shown(from_otio(_plain(tl))) == want
    folder_only = _plain(to_otio(p))  # a plain reference to the folder: the rate of its range
    assert isinstance(folder_only.find_clips()[0].media_reference, otio.schema.ExternalReference)
    assert _shown(from_otio(folder_only)) == want


def test_a_sequence_not_numbered_in_a_row_stays_a_folder(tmp_path: Path) -> None:
    seq = tmp_path / "stills"
    seq.mkdir()
    for name in [f"{c}.png" for c in "abcdefghijklmnopq"]:
        Image.new("RGB", (32, 24)).save(seq / name)
    tl = to_otio(_project(tmp_path, seq, Fraction(25), "25"), image_sequences=True)
    assert isinstance(tl.find_clips()[0].media_reference, otio.schema.ExternalReference)


@pytest.mark.parametrize("plain", [False, True], ids=["ours", "stripped"])
@pytest.mark.parametrize("form", ["folder", "pattern"])
def test_a_moved_timelines_sequence_is_found_by_its_folders_name(
    tmp_path: Path, plain: bool, form: str
) -> None:
    home = tmp_path / "proj"
    seq = _images(home / "media" / "shots", 100)
    p = _project(home, seq if form == "folder" else seq / "img_%04d.png", Fraction(25), "29.97")
    want = _shown(p)
    tl = to_otio(p, image_sequences=plain)
    otio.adapters.write_to_file(_plain(tl) if plain else tl, str(home / "cut.otio"))
    moved = tmp_path / "elsewhere" / "moved proj"
    moved.parent.mkdir()
    home.rename(moved)
    back = read_otio(moved / "cut.otio")
    assert _shown(back) == want
    assert Path(back.tracks[0].items[0].media.path).parent.name in ("shots", "media")
    assert str(moved) in back.tracks[0].items[0].media.path


def test_two_different_sequences_of_the_name_are_refused_by_name(tmp_path: Path) -> None:
    home = tmp_path / "proj"
    seq = _images(home / "shots", 1)
    p = _project(home, seq, Fraction(25), "25")
    write_otio(p, tmp_path / "cut.otio")
    shutil.rmtree(home)
    _images(tmp_path / "a" / "shots", 1)
    _images(tmp_path / "b" / "shots", 1, count=31)
    with pytest.raises(MediaError, match=r"shots: 2 different image sequences"):
        read_otio(tmp_path / "cut.otio")


@pytest.mark.parametrize("form", ["folder", "pattern"])
def test_a_saved_projects_sequence_moved_elsewhere_is_found_in_the_search_folders(
    tmp_path: Path, form: str
) -> None:
    """A .tlproj (not only an OTIO file) finds a sequence folder moved out of its own folder."""
    home = tmp_path / "proj"
    seq = _images(home / "media" / "shots", 100)
    p = _project(home, seq if form == "folder" else seq / "img_%04d.png", Fraction(25), "25")
    want = _shown(p)
    studio = Studio(workspace=home)
    studio.save(p, home / "cut.tlproj")
    (tmp_path / "drive").mkdir()
    seq.rename(tmp_path / "drive" / "shots")
    with pytest.raises(MediaError, match="shots"):
        studio.open(home / "cut.tlproj")
    back = studio.open(home / "cut.tlproj", search=[tmp_path / "drive"])
    assert _shown(back) == want
    assert str(tmp_path / "drive" / "shots") in back.tracks[0].items[0].media.path
