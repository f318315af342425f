"""Sources whose pictures change size midway (a call dropping its resolution under load, a
browser's screen recording, joined broadcast segments): analysis and recognition read them as the
render shows them, scaled to the stream's first size, instead of failing on arrays of two shapes."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from timeline_lab.analysis import shot_boundaries, shots, signals
from timeline_lab.media.synth import _render, read_frame_index
from timeline_lab.recognition.frames import FrameSampler

FFMPEG = shutil.which("ffmpeg")
pytestmark = pytest.mark.skipif(FFMPEG is None, reason="the ffmpeg CLI makes the joined file")

N, HALF, TAG = 40, 20, 9


@pytest.fixture(scope="module", params=[(".ts", "-c:v libx264 -g 10 -f mpegts", (320, 240)),
                                        (".webm", "-c:v libvpx -deadline realtime -b:v 1M -g 10", (80, 60))],
                ids=["ts-larger", "webm-smaller"])  # fmt: skip
def joined(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """160x120 for 20 frames, then the second size, in one stream (the container says the first)."""
    ext, codec, second = request.param
    d = tmp_path_factory.mktemp("joined")
    parts = []
    for k, ((w, h), frames) in enumerate((((160, 120), range(HALF)), (second, range(HALF, N)))):
        part = d / f"part{k}{ext}"
        raw = f"-f rawvideo -pix_fmt rgb24 -s {w}x{h} -framerate 25 -i pipe:0 {codec}"
        pixels = b"".join(_render(i, TAG, w, h).tobytes() for i in frames)
        subprocess.run([FFMPEG, "-v", "error", "-y", *raw.split(), str(part)], input=pixels, check=True)
        parts.append(part)
    listing = d / "parts.txt"
    listing.write_text("".join(f"file '{p}'\n" for p in parts))
    out = d / f"joined{ext}"
    join = [
        FFMPEG,
        "-v",
        "error",
        "-y",
        "-f",
        "concat",
        "-safe",
        "0",
        "-i",
        str(listing),
        "-c",
        "copy",
        str(out),
    ]
    subprocess.run(join, check=True)
    return out


def test_signals_and_shots_read_every_frame(joined: Path) -> None:
    table = signals(joined)
    assert table.height == N and table["frame"].to_list() == list(range(N))
    assert table["luma_mean"].null_count() == 0 and not table["black"].any()
    assert shots(joined).height >= 1
    assert shot_boundaries(joined).height <= 1  # the same picture, another size: at most one boundary


def test_recognition_frames_are_whole_pictures_of_the_first_size(joined: Path) -> None:
    batches = list(FrameSampler(joined, batch=8))
    images = [im for b in batches for im in b.images]
    assert [b.frames.tolist() for b in batches] == [list(range(k, min(k + 8, N))) for k in range(0, N, 8)]
    assert all(im.shape == (120, 160, 3) for im in images)
    assert [read_frame_index(im) for im in images] == [(i, TAG) for i in range(N)]
    letterboxed = [im for b in FrameSampler(joined, size=(96, 96)) for im in b.images]
    assert len(letterboxed) == N and all(np.asarray(im).shape == (96, 96, 3) for im in letterboxed)
