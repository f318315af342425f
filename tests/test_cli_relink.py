"""`timeline-lab relink` on another tool's timeline: that file is never rewritten; a .tlproj beside it is."""

from __future__ import annotations

import hashlib
import logging
import shutil
from pathlib import Path

import opentimelineio as otio
import pytest

from timeline_lab.cli import main
from timeline_lab.media.synth import make_clip
from timeline_lab.model import io
from timeline_lab.studio import Studio

RT, TR = otio.opentime.RationalTime, otio.opentime.TimeRange
FORMATS = {".otio": "otio_json", ".edl": "cmx_3600", ".xml": "fcp_xml", ".fcpxml": "fcpx_xml"}


@pytest.fixture(scope="module")
def footage(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One small clip, made once: each test copies it to where the timeline does not look."""
    d = tmp_path_factory.mktemp("footage")
    return make_clip(d / "shot.mp4", width=64, height=48, rate=25, frames=20, tag=3, audio=False)


def _foreign(folder: Path, suffix: str, footage: Path) -> tuple[Path, Path]:
    """Another editor's timeline of ``suffix`` naming media that has moved, and the folder it went to."""
    moved = folder / "moved"
    moved.mkdir(parents=True)
    shutil.copy(footage, moved / footage.name)
    tl = otio.schema.Timeline(name="cut", global_start_time=RT(90000, 25))
    track = otio.schema.Track(kind=otio.schema.TrackKind.Video, name="V1")
    tl.tracks.append(track)
    ref = otio.schema.ExternalReference(
        target_url=(folder / "gone" / footage.name).as_uri(), available_range=TR(RT(0, 25), RT(20, 25))
    )
    clip = otio.schema.Clip(name=footage.name, media_reference=ref, source_range=TR(RT(2, 25), RT(8, 25)))
    clip.effects.append(otio.schema.Effect(name="Blur", effect_name="Vendor Blur"))
    track.append(clip)
    path = folder / f"cut{suffix}"
    otio.adapters.write_to_file(tl, str(path), adapter_name=FORMATS[suffix])
    return path, moved


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(autouse=True)
def _quiet(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.ERROR)  # import notes of the vendor effect: not what is tested


@pytest.mark.parametrize("suffix", list(FORMATS))
@pytest.mark.parametrize("explicit", [False, True])
def test_relink_of_a_foreign_timeline_leaves_it_and_writes_a_project(
    tmp_path: Path, footage: Path, suffix: str, explicit: bool, capsys: pytest.CaptureFixture[str]
) -> None:
    source, moved = _foreign(tmp_path, suffix, footage)
    before = _digest(source)
    out = tmp_path / "elsewhere" / "relinked.tlproj" if explicit else tmp_path / "cut.tlproj"
    out.parent.mkdir(exist_ok=True)
    args = ["relink", str(source), str(moved), *(["-o", str(out)] if explicit else [])]
    assert main(args) == 0
    assert _digest(source) == before  # the other tool's file, byte for byte
    said = capsys.readouterr().out
    assert str(out) in said and f"{source}: left as it was" in said
    assert io.is_project_file(out)
    project = Studio(workspace=tmp_path).open(out)
    assert [Path(c.media.path).resolve() for c in project.clips()] == [(moved / footage.name).resolve()]


@pytest.mark.parametrize("suffix", [".otio", ".edl"])
@pytest.mark.parametrize("squatter", [b"my notes\n", b'{"not": "a project"}'])
def test_relink_never_writes_over_a_file_that_is_not_a_project(
    tmp_path: Path, footage: Path, suffix: str, squatter: bytes, capsys: pytest.CaptureFixture[str]
) -> None:
    source, moved = _foreign(tmp_path, suffix, footage)
    before = _digest(source)
    (tmp_path / "cut.tlproj").write_bytes(squatter)
    assert main(["relink", str(source), str(moved)]) == 1
    assert "is not a timeline_lab project" in capsys.readouterr().err
    assert (tmp_path / "cut.tlproj").read_bytes() == squatter and _digest(source) == before


def test_relink_of_a_project_file_saves_it_in_place(
    tmp_path: Path, footage: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source, moved = _foreign(tmp_path, ".otio", footage)
    assert main(["relink", str(source), str(moved)]) == 0  # cut.tlproj, then it moves again
    project_file = tmp_path / "cut.tlproj"
    again = tmp_path / "again"
    shutil.move(moved, again)
    capsys.readouterr()
    assert main(["relink", str(project_file), str(again)]) == 0
    assert "left as it was" not in capsys.readouterr().out
    assert sorted(p.name for p in tmp_path.iterdir()) == ["again", "cut.otio", "cut.tlproj"]
    project = Studio(workspace=tmp_path).open(project_file)
    assert [Path(c.media.path).resolve() for c in project.clips()] == [(again / footage.name).resolve()]
