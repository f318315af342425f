"""Projects that travel (issue 13, item 9): relative media paths, fingerprints, relinking."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from timeline_lab.errors import MediaError
from timeline_lab.media.relink import find_media, fingerprint
from timeline_lab.media.synth import make_clip, read_frame_index
from timeline_lab.studio import Studio

from .render.conftest import decode_video

pytestmark = pytest.mark.slow


@pytest.fixture
def project_folder(tmp_path: Path) -> Path:
    """folder/{edit.tlproj, media/a.mp4, media/deep/b.mp4} with a two-clip edit of them."""
    folder = tmp_path / "folder"
    (folder / "media" / "deep").mkdir(parents=True)
    a = make_clip(folder / "media" / "a.mp4", width=160, height=120, rate=25, frames=20, tag=1)
    b = make_clip(folder / "media" / "deep" / "b.mp4", width=160, height=120, rate=25, frames=20, tag=2)
    studio = Studio(workspace=folder)
    project = studio.new_project("edit", width=160, height=120, frame_rate=25)
    project.tracks[0].append(studio.clip(a, 2, 6))
    project.tracks[0].append(studio.clip(b, 5, 6))
    studio.save(project, folder / "edit.tlproj")
    studio.close()
    return folder


def _frames(studio: Studio, project_path: Path, out: Path) -> list[tuple[int, int]]:
    project = studio.open(project_path)
    return [read_frame_index(f) for f in decode_video(studio.render(project, out, progress=False))]


def test_media_under_the_project_folder_is_saved_relative(project_folder: Path) -> None:
    doc = json.loads((project_folder / "edit.tlproj").read_text("utf-8"))
    paths = [item["media"]["path"] for item in doc["tracks"][0]["items"]]
    assert paths == ["media/a.mp4", "media/deep/b.mp4"]
    media = doc["tracks"][0]["items"][0]["media"]
    assert media["size"] == (project_folder / "media" / "a.mp4").stat().st_size
    assert media["fingerprint"].startswith("sha256:")


def test_a_moved_project_folder_opens_and_renders_unchanged(project_folder: Path, tmp_path: Path) -> None:
    studio = Studio(workspace=tmp_path)
    before = _frames(studio, project_folder / "edit.tlproj", tmp_path / "before.mp4")
    moved = tmp_path / "elsewhere" / "copy"
    shutil.copytree(project_folder, moved)
    shutil.rmtree(project_folder)  # nothing left at the old place
    assert _frames(studio, moved / "edit.tlproj", tmp_path / "after.mp4") == before
    assert before == [(2 + i, 1) for i in range(6)] + [(5 + i, 2) for i in range(6)]


def test_every_missing_file_is_named_in_one_error(project_folder: Path, tmp_path: Path) -> None:
    away = tmp_path / "away"
    shutil.move(project_folder / "media", away)
    studio = Studio(workspace=tmp_path)
    with pytest.raises(MediaError, match="2 media file") as info:
        studio.open(project_folder / "edit.tlproj")
    assert "a.mp4" in str(info.value) and "b.mp4" in str(info.value) and "relink" in str(info.value)
    project = studio.open(project_folder / "edit.tlproj", search=[away])  # found by name + fingerprint
    assert {Path(c.media.path).parent.name for c in project.tracks[0].items} == {"away", "deep"}


def test_a_different_file_of_the_same_name_is_not_taken(project_folder: Path, tmp_path: Path) -> None:
    (project_folder / "media" / "a.mp4").unlink()
    decoy = tmp_path / "decoy"
    decoy.mkdir()
    make_clip(decoy / "a.mp4", width=160, height=120, rate=25, frames=20, tag=9)  # same name, other file
    with pytest.raises(MediaError, match=r"1 media file.*a\.mp4"):
        Studio(workspace=tmp_path).open(project_folder / "edit.tlproj", search=[decoy])
    assert find_media("a.mp4", None, fingerprint(decoy / "a.mp4"), [decoy]) == (decoy / "a.mp4").resolve()


def test_relink_an_open_project_is_one_undoable_edit_per_clip(project_folder: Path, tmp_path: Path) -> None:
    studio = Studio(workspace=tmp_path)
    project = studio.open(project_folder / "edit.tlproj")
    shutil.move(project_folder / "media" / "deep" / "b.mp4", tmp_path / "b.mp4")
    assert studio.relink(project, tmp_path / "nowhere") == [str(project_folder / "media" / "deep" / "b.mp4")]
    assert studio.relink(project, tmp_path) == []
    assert project.tracks[0].items[1].media.path == str((tmp_path / "b.mp4").resolve())
    project.undo()
    assert project.tracks[0].items[1].media.path.endswith("deep/b.mp4")


def test_relink_from_the_command_line(project_folder: Path, tmp_path: Path) -> None:
    away = tmp_path / "away"
    shutil.move(project_folder / "media", away)
    cli = [sys.executable, "-m", "timeline_lab", "relink", str(project_folder / "edit.tlproj")]
    missing = subprocess.run([*cli, str(tmp_path / "empty")], capture_output=True, text=True, timeout=120)
    assert missing.returncode == 1 and "2 media file" in missing.stderr and "Traceback" not in missing.stderr
    done = subprocess.run([*cli, str(away)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    Studio(workspace=tmp_path).open(project_folder / "edit.tlproj")  # opens without search now


@pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="the ffmpeg CLI writes the timecode track")
def test_a_clip_given_in_camera_timecode(tmp_path: Path) -> None:
    """A file whose timecode starts at 01:00:00:00: 01:00:00:10 is its frame 10 (issue 13, item 4)."""
    plain = make_clip(tmp_path / "plain.mp4", width=160, height=120, rate=25, frames=30, tag=5)
    cam = tmp_path / "cam.mov"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(plain), "-c", "copy", "-timecode", "01:00:00:00", str(cam)],
        check=True,
        timeout=60,
    )
    studio = Studio(workspace=tmp_path)
    assert studio.probe(cam).primary_video.timecode == "01:00:00:00"
    project = studio.new_project("tc", width=160, height=120, frame_rate=25)
    project.tracks[0].append(studio.clip(cam, "01:00:00:10", 5))
    frames = decode_video(studio.render(project, tmp_path / "tc.mp4", progress=False))
    assert [read_frame_index(f) for f in frames] == [(10 + i, 5) for i in range(5)]
    with pytest.raises(Exception, match="expected HH:MM:SS:FF"):
        studio.clip(cam, "ten seconds in", 5)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    depth=st.integers(0, 4),
    decoys=st.lists(st.tuples(st.integers(0, 4), st.booleans()), max_size=4),
    size=st.sampled_from([0, 10, (1 << 20) + 3, (3 << 20) + 1]),
)
def test_the_moved_file_is_found_among_decoys_of_the_same_name(
    tmp_path_factory: pytest.TempPathFactory, depth: int, decoys: list[tuple[int, bool]], size: int
) -> None:
    """At any depth the search reaches, among same-named files of the same or another size that
    differ only in their first or last bytes, the fingerprint picks the one that moved."""
    root = tmp_path_factory.mktemp("search")
    body = bytearray((i * 7) % 251 for i in range(size))
    original = root / "orig.mp4"
    original.write_bytes(body)
    size_of, print_ = original.stat().st_size, fingerprint(original)
    for n, (level, same_size) in enumerate(decoys):
        other = bytearray(body) if same_size else bytearray(body) + b"x"
        if other:
            other[-1 if n % 2 else 0] ^= 0xFF  # one byte differs, at the start or the end
        folder = root.joinpath(*[f"d{n}"] * level)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "clip.mp4").write_bytes(bytes(other))
    target = root.joinpath(*["t"] * depth)
    target.mkdir(parents=True, exist_ok=True)
    (target / "clip.mp4").write_bytes(body)
    found = find_media("clip.mp4", size_of, print_, [root])
    if size == 0 and decoys:  # an empty file has one fingerprint: any empty namesake is it
        assert found is not None and found.stat().st_size == 0
    else:
        assert found == (target / "clip.mp4").resolve()
