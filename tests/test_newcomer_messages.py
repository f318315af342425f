"""What a newcomer types wrong gets an answer in their words: which value, and what to do instead."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PIL import Image

from timeline_lab.cli import main
from timeline_lab.demo import run_demo
from timeline_lab.errors import ProjectError, RenderError, TimelineLabError
from timeline_lab.media.synth import make_clip
from timeline_lab.studio import TIMELINE_SUFFIXES, Studio


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("media")
    still = base / "s.png"
    Image.new("RGB", (64, 48), (1, 2, 3)).save(still)
    return {"video": make_clip(base / "c.mp4", width=64, height=48, rate=25, frames=10), "still": still}


@pytest.fixture
def saved(media: dict[str, Path], tmp_path: Path) -> Path:
    studio = Studio(workspace=tmp_path)
    project = studio.new_project("m", width=64, height=48, frame_rate=25)
    project.tracks[0].append(studio.clip(media["video"], 0, 10))
    return studio.save(project, tmp_path / "m.tlproj")


@pytest.mark.parametrize("given", ["100-", "-10", "5- ", " -3", "00:00:00:05-", "-00:00:00:05"])
def test_an_open_ended_range_asks_for_both_ends(
    saved: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], given: str
) -> None:
    rc = main(["render", str(saved), "-o", str(tmp_path / "a.mp4"), f"--range={given}", "-q"])
    err = capsys.readouterr().err
    assert rc == 1 and "give both ends, IN-OUT" in err and "timecode ''" not in err, err
    assert not (tmp_path / "a.mp4").exists()


@pytest.mark.parametrize(("kind", "first", "count"), [("video", 0, 0), ("video", 3, -2), ("still", 0, 0)])
def test_a_clip_of_no_frames_says_count_must_be_positive(
    media: dict[str, Path], tmp_path: Path, kind: str, first: int, count: int
) -> None:
    with pytest.raises(ProjectError, match=rf"count must be > 0 .*got {count}"):
        Studio(workspace=tmp_path).clip(media[kind], first, count)


@pytest.mark.parametrize("name", ["out", "out/", "x.mp4"])
def test_a_folder_as_a_file_output_says_it_is_a_folder(saved: Path, tmp_path: Path, name: str) -> None:
    (tmp_path / name).mkdir(exist_ok=True)
    studio = Studio(workspace=tmp_path)
    project = studio.open(saved)
    with pytest.raises(RenderError, match=r"is a folder; name a file in it"):
        studio.render(project, tmp_path / name, progress=False)
    with pytest.raises(RenderError, match=r"is a folder; name a file in it"):
        studio.render(project, name, progress=False)  # relative: the workspace's folder
    assert studio.plan(project, tmp_path / "out", format="png-sequence")  # frames: a folder is right


@pytest.mark.skipif(os.sep != "/", reason="a Windows path is right on Windows")
@pytest.mark.parametrize("given", [r"C:\out\x.mp4", "C:/out/x.mp4", r"d:\x.gif", r"\\server\share\x.mp4"])
def test_a_windows_path_on_posix_is_refused_naming_it(
    saved: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, given: str
) -> None:
    monkeypatch.chdir(tmp_path)
    before = sorted(tmp_path.iterdir())
    studio = Studio(workspace=tmp_path)
    with pytest.raises(RenderError, match="is a Windows path") as err:
        studio.render(studio.open(saved), given, progress=False)
    assert str(err.value).startswith(given)
    assert sorted(tmp_path.iterdir()) == before  # no file literally named C:\out\x.mp4


@pytest.mark.parametrize(
    ("name", "content"),
    [("demo.tlproj", b"{}"), ("demo.tlproj", b"my notes\n"), ("demo.mp4", b"\x00\x01 mine")],
)
def test_demo_over_someone_s_file_points_at_its_own_option(tmp_path: Path, name: str, content: bytes) -> None:
    (tmp_path / name).write_bytes(content)
    with pytest.raises(TimelineLabError) as err:
        run_demo(tmp_path, progress=False)
    assert "overwrite" not in str(err.value) and "--dir" in str(err.value) and name in str(err.value)
    assert (tmp_path / name).read_bytes() == content


def test_studio_open_names_every_timeline_kind_it_reads() -> None:
    doc = Studio.open.__doc__ or ""
    for suffix in TIMELINE_SUFFIXES:
        assert f"``{suffix}``" in doc, suffix


def test_demo_again_in_its_folder_replaces_its_own_files(tmp_path: Path) -> None:
    first = run_demo(tmp_path, progress=False)
    again = run_demo(tmp_path, progress=False)
    assert again.output == first.output and again.project_file == first.project_file
