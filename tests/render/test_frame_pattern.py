"""A PNG-sequence render to a frame pattern (``out/frame_%06d.png``, as ``render --help`` says) writes
exactly the files the pattern names into ``out/``, as the printed ffmpeg command does: beside what
else ``out/`` holds, replacing only an earlier render's frames of that pattern."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from timeline_lab.errors import RenderError
from timeline_lab.media.synth import make_clip, read_frame_index
from timeline_lab.studio import Studio

FRAMES = 6


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> tuple[Studio, Path, Path]:
    base = tmp_path_factory.mktemp("pattern")
    clip = make_clip(base / "c.mp4", width=64, height=48, rate=25, frames=12)
    studio = Studio(workspace=base / "ws")
    project = studio.new_project("pattern", width=64, height=48, frame_rate=25)
    project.tracks[0].append(studio.clip(clip, 3, FRAMES))
    saved = base / "p.tlproj"
    studio.save(project, saved)
    return studio, clip, saved


PATTERNS = ["frame_%06d.png", "f%d.png", "shot-%03d.PNG", "50% done/frame_%04d.png", "img_%02d_x.png"]


def _expected(pattern: str, n: int) -> list[str]:
    return sorted(Path(pattern % i if "%" in Path(pattern).name else pattern).name for i in range(n))


def _check_frames(folder: Path, names: list[str]) -> None:
    for k, name in enumerate(sorted(names, key=lambda n: int("".join(c for c in n if c.isdigit())))):
        with Image.open(folder / name) as im:
            assert read_frame_index(np.asarray(im.convert("RGB")))[0] == 3 + k


@pytest.mark.parametrize("pattern", PATTERNS)
@pytest.mark.parametrize("how", ["python", "cli"])
def test_a_pattern_writes_its_numbered_files_beside_the_folder_s_other_files(
    setup: tuple[Studio, Path, Path], tmp_path: Path, pattern: str, how: str
) -> None:
    studio, _, saved = setup
    target = tmp_path / "out" / pattern
    target.parent.mkdir(parents=True)
    (target.parent / "notes.txt").write_text("mine")
    plan = studio.plan(studio.open(saved), target)
    printed = f"{str(target.parent).replace('%', '%%')}/{target.name}"  # (image2: printf)
    assert plan.to_ffmpeg_args()[-1] == printed  # the printed command writes the same files
    if how == "python":
        out = studio.render(studio.open(saved), target, progress=False, cluster=False)
        assert out == target
    else:
        r = subprocess.run(
            [sys.executable, "-m", "timeline_lab", "render", str(saved), "-o", str(target), "-q"],
            capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
        assert r.returncode == 0, r.stderr
    names = sorted(p.name for p in target.parent.iterdir())
    assert names == sorted([*_expected(target.name, FRAMES), "notes.txt"])
    assert (target.parent / "notes.txt").read_text() == "mine"
    _check_frames(target.parent, _expected(target.name, FRAMES))


@pytest.mark.parametrize("older", [2, FRAMES, 40])
def test_an_earlier_render_s_frames_of_the_pattern_are_replaced(
    setup: tuple[Studio, Path, Path], tmp_path: Path, older: int
) -> None:
    studio, _, saved = setup
    out = tmp_path / "out"
    out.mkdir()
    for i in range(older):
        (out / f"frame_{i:06d}.png").write_bytes(b"an older render")
    (out / "frame_7.png").write_bytes(b"not of this pattern (%06d writes 000007)")
    (out / "other_000001.png").write_bytes(b"another pattern")
    studio.render(studio.open(saved), out / "frame_%06d.png", progress=False, cluster=False)
    frames = sorted(p.name for p in out.glob("frame_0*.png"))
    assert frames == _expected("frame_%06d.png", FRAMES)  # the longer render's extra frames are gone
    _check_frames(out, frames)
    assert (out / "frame_7.png").exists() and (out / "other_000001.png").exists()
    assert not [p for p in out.iterdir() if p.name.endswith(".part")]


@pytest.mark.parametrize("kind", ["link", "folder"])
def test_a_frame_name_taken_by_something_else_is_refused_and_left_alone(
    setup: tuple[Studio, Path, Path], tmp_path: Path, kind: str
) -> None:
    studio, _, saved = setup
    out = tmp_path / "out"
    out.mkdir()
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    taken = out / "frame_000002.png"
    if kind == "link":
        taken.symlink_to(victim)
    else:
        taken.mkdir()
    with pytest.raises(RenderError, match=r"frame_000002\.png"):
        studio.render(studio.open(saved), out / "frame_%06d.png", progress=False, cluster=False)
    assert victim.read_text() == "precious"
    assert sorted(p.name for p in out.iterdir()) == ["frame_000002.png"]


def test_a_source_among_the_pattern_s_frames_is_refused(tmp_path: Path) -> None:
    studio = Studio(workspace=tmp_path / "ws")
    source = tmp_path / "frame_000001.png"
    Image.new("RGB", (64, 48), (200, 10, 10)).save(source)
    project = studio.new_project("s", width=64, height=48, frame_rate=25)
    project.tracks[0].append(studio.clip(source, 0, 1))
    with pytest.raises(RenderError, match="source"):
        studio.render(project, tmp_path / "frame_%06d.png", progress=False, cluster=False)
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_file()) == ["frame_000001.png"]


@pytest.mark.parametrize("name", ["50%.png", "a%d_%d.png", "x%s.png", "100%_%04d.png"])
def test_a_name_with_a_percent_but_not_one_number_is_refused(
    setup: tuple[Studio, Path, Path], tmp_path: Path, name: str
) -> None:
    studio, _, saved = setup
    with pytest.raises(RenderError, match="one %d"):
        studio.plan(studio.open(saved), tmp_path / name, format="png-sequence")


@pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="needs the ffmpeg CLI")
@pytest.mark.parametrize("target", ["50% cut", "100%/f_%03d.png", "a%%b/frame_%06d.png"])
def test_the_printed_command_writes_the_same_files_into_a_folder_named_with_percent(
    setup: tuple[Studio, Path, Path], tmp_path: Path, target: str
) -> None:
    studio, _, saved = setup
    path = tmp_path / target
    folder = path if not path.suffix else path.parent
    folder.mkdir(parents=True)
    args = studio.plan(studio.open(saved), path, format="png-sequence").to_ffmpeg_args()
    subprocess.run(args, check=True, capture_output=True, timeout=60)
    member = "frame_%06d.png" if folder == path else path.name
    assert sorted(p.name for p in folder.iterdir()) == _expected(member, FRAMES)
    _check_frames(folder, _expected(member, FRAMES))
