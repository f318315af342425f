"""HEVC in MP4/MOV is tagged ``hvc1``, which QuickTime, Safari and iOS play (FFmpeg's default ``hev1``
they refuse), on every path that writes it: the full engine, cluster segments joined by stream copy,
and the printed ffmpeg command (smart render
writes only H.264)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import av
import pytest

from timeline_lab.media.synth import make_clip
from timeline_lab.studio import Studio


def _tag(path: Path) -> str:
    with av.open(str(path)) as c:
        return c.streams.video[0].codec_tag


@pytest.fixture(scope="module")
def studio(tmp_path_factory: pytest.TempPathFactory) -> Studio:
    return Studio(workspace=tmp_path_factory.mktemp("ws"))


def _project(studio: Studio, clip: Path) -> object:
    project = studio.new_project("hevc", width=64, height=48, frame_rate=25)
    project.tracks[0].append(studio.clip(clip, 0, 20))
    return project


CASES = [
    ("o.mp4", {"format": "mp4-hevc"}, "hvc1"),
    ("o.mp4", {"video_codec": "libx265"}, "hvc1"),
    ("o.mov", {"video_codec": "libx265"}, "hvc1"),
    ("o.mp4", {}, "avc1"),
    ("o.mov", {}, "avc1"),
]


@pytest.mark.parametrize(("name", "settings", "want"), CASES)
@pytest.mark.parametrize("where", [False, "threads"], ids=["here", "cluster"])
def test_hevc_in_mp4_and_mov_is_tagged_hvc1(
    studio: Studio, tmp_path: Path, name: str, settings: dict[str, str], want: str, where: object
) -> None:
    clip = make_clip(tmp_path / "c.mp4", width=64, height=48, rate=25, frames=20)
    out = studio.render(_project(studio, clip), tmp_path / name, progress=False, cluster=where, **settings)
    assert _tag(out) == want


@pytest.mark.parametrize(("name", "settings", "want"), CASES)
def test_the_printed_command_tags_it_too(
    studio: Studio, tmp_path: Path, name: str, settings: dict[str, str], want: str
) -> None:
    clip = make_clip(tmp_path / "c.mp4", width=64, height=48, rate=25, frames=20)
    args = studio.plan(_project(studio, clip), tmp_path / name, **settings).to_ffmpeg_args()
    tags = [args[i + 1] for i, a in enumerate(args) if a == "-tag:v"]
    assert tags == (["hvc1"] if want == "hvc1" else [])
    if want == "hvc1" and shutil.which("ffmpeg"):
        subprocess.run(args, check=True, capture_output=True, timeout=60)
        assert _tag(tmp_path / name) == "hvc1"
