"""Image sequences play in number order whatever their naming (unpadded, padded, padding outgrown, a
glob or a folder), from a folder whose name holds ``%``, with suffixes in either case; names FFmpeg
cannot be made to read in number order, and images that differ only in case, are refused by name."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image

from timeline_lab.errors import MediaError
from timeline_lab.media import sequence
from timeline_lab.media.probe import probe
from timeline_lab.studio import Studio

FFMPEG = shutil.which("ffmpeg")


def _make(folder: Path, names: list[str]) -> Path:
    """Image ``k`` of ``names`` painted grey level ``10 * (k + 1)``."""
    folder.mkdir(parents=True, exist_ok=True)
    for k, name in enumerate(names):
        Image.fromarray(np.full((8, 8, 3), 10 * (k + 1), np.uint8)).save(folder / name)
    return folder


def _read(args: sequence.OpenArgs) -> list[int]:
    """The image number (1-based) of every frame the opened sequence gives."""
    with av.open(**args) as c:
        return [round(int(f.to_ndarray(format="rgb24")[4, 4, 0]) / 10) for f in c.decode(video=0)]


SCHEMES = {
    "unpadded": ([f"frame_{k}.png" for k in range(1, 13)], "frame_%d.png"),
    "padded": ([f"frame_{k:03d}.png" for k in range(1, 13)], "frame_%03d.png"),
    "from zero": ([f"f{k}.png" for k in range(0, 11)], "f%d.png"),
    "outgrown padding": ([f"s_{k:02d}.png" for k in range(95, 103)], "s_%02d.png"),
    "digits in the prefix": ([f"take2_{k}.png" for k in range(8, 12)], "take2_%d.png"),
    "mixed suffix case": ([f"f_{k:03d}.{'png' if k < 3 else 'PNG'}" for k in range(6)], None),
}


@pytest.mark.parametrize("folder_name", ["plain", "100% done", "a%d%%"])
@pytest.mark.parametrize("scheme", sorted(SCHEMES))
def test_a_sequence_plays_in_number_order(tmp_path: Path, scheme: str, folder_name: str) -> None:
    names, pattern = SCHEMES[scheme]
    if scheme == "mixed suffix case" and folder_name == "a%d%%":
        pytest.skip("image2's glob cannot probe in a folder named like a printf pattern (left alone)")
    folder = _make(tmp_path / folder_name, names)
    want = list(range(1, len(names) + 1))
    paths = [folder] + ([] if pattern is None else [folder / pattern])
    if pattern is not None:
        paths.append(folder / ("*" + Path(names[0]).suffix))
    for path in paths:
        assert [f.name for f in sequence.files(path)] == names
        assert _read(sequence.open_args(path, None)) == want, path
    assert probe(folder).video[0].frame_count == len(names)


@pytest.mark.skipif(FFMPEG is None, reason="the ffmpeg CLI reads the printed command")
def test_render_and_command_read_number_order(tmp_path: Path) -> None:
    studio = Studio(workspace=tmp_path)
    folder = _make(tmp_path / "50% off", [f"frame_{k}.png" for k in range(1, 13)])
    project = studio.new_project(width=8, height=8, frame_rate=25)
    project.tracks[0].append(studio.clip(folder, rate=25))
    out = studio.render(project, tmp_path / "out.mkv", progress=False, video_codec="ffv1")
    with av.open(str(out)) as c:
        got = [round(int(f.to_ndarray(format="rgb24")[4, 4, 0]) / 10) for f in c.decode(video=0)]
    assert got == list(range(1, 13))
    cli = tmp_path / "cli.mkv"
    args = [FFMPEG, "-v", "error", *sequence.cli_args(folder, None), "-c:v", "ffv1", str(cli)]
    subprocess.run(args, check=True)
    with av.open(str(cli)) as c:
        assert [round(int(f.to_ndarray(format="rgb24")[4, 4, 0]) / 10) for f in c.decode(video=0)] == got


@pytest.mark.parametrize(
    ("names", "said"),
    [
        (["x2.png", "x10.png", "y1.png"], r"FFmpeg reads x10\.png before x2\.png"),
        (["a_1.png", "a_02.png", "a_10.png"], r"FFmpeg reads a_02\.png before a_1\.png"),
        (["f_001.png", "f_001.PNG", "f_002.png"], r"images f_001\.PNG and f_001\.png differ only in case"),
    ],
)
def test_names_that_cannot_play_in_order_are_refused(tmp_path: Path, names: list[str], said: str) -> None:
    folder = _make(tmp_path / "seq", names)
    with pytest.raises(MediaError, match=said):
        sequence.open_args(folder, None)
