"""The printed ffmpeg command writes the markers' chapters the render writes (an FFMETADATA input,
exact in 1/rate, with the same untitled opening chapter), and never a source's own chapters."""

from __future__ import annotations

import json
import shutil
import subprocess
from fractions import Fraction
from pathlib import Path

import av
import pytest

from timeline_lab.media.synth import make_clip
from timeline_lab.model import Marker, RationalTime
from timeline_lab.studio import Studio

pytestmark = pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg CLI not installed")


def _chapters(path: Path) -> list[tuple[str, str, str]]:
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-show_chapters", "-of", "json", str(path)],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    found = json.loads(out)["chapters"]
    return [(c["start_time"], c["end_time"], c.get("tags", {}).get("title")) for c in found]


@pytest.fixture(scope="module")
def src(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A source with chapters of its own (the CLI's default copies them into its output)."""
    folder = tmp_path_factory.mktemp("chap")
    clip = make_clip(folder / "plain.mp4", width=64, height=48, rate=25, frames=100, tag=1)
    out = folder / "with_chapters.mp4"
    with av.open(str(clip)) as i, av.open(str(out), "w") as o:
        streams = {s.index: o.add_stream_from_template(s) for s in i.streams}
        o.set_chapters(
            [{"id": 1, "start": 0, "end": 4, "time_base": Fraction(1), "metadata": {"title": "SRC"}}]
        )
        for p in i.demux():
            if p.dts is not None:
                p.stream = streams[p.stream.index]
                o.mux(p)
    return out


CASES = [
    ("29.97", "mp4", [(0, "Intro"), (45, "Middle")], "auto"),
    ("29.97", "mp4", [(17, "Late start"), (61, "a=b; #1 \\ two")], "auto"),
    ("25", "mkv", [(13, "One"), (40, "Two"), (41, "Three")], "auto"),
    ("23.976", "mov", [(1, "x"), (70, "y")], "auto"),
    ("24", "mkv", [(0, "Only")], "auto"),
    ("25", "mp4", [(10, "Off")], "none"),
    ("25", "mp4", [], "auto"),
]


@pytest.mark.parametrize(("rate", "fmt", "markers", "select"), CASES)
def test_the_command_writes_the_renders_chapters(
    tmp_path: Path, src: Path, rate: str, fmt: str, markers: list[tuple[int, str]], select: str
) -> None:
    studio = Studio(workspace=tmp_path)
    project = studio.new_project(width=64, height=64, frame_rate=rate)  # AV1 (MKV) needs 64
    r = project.settings.frame_rate
    project.tracks[0].append(studio.clip(src, 0, 80))
    for frame, name in markers:
        project.add_marker(Marker(time=RationalTime(frame, r), name=name))
    ours = studio.render(project, tmp_path / f"ours.{fmt}", progress=False, chapters=select)
    plan = studio.plan(project, tmp_path / f"cli.{fmt}", chapters=select)
    done = subprocess.run(plan.to_ffmpeg_args(), capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    want = _chapters(ours)
    assert _chapters(tmp_path / f"cli.{fmt}") == want
    assert bool(want) == (bool(markers) and select != "none")
