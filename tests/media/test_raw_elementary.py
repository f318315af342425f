"""A raw H.264 elementary stream (raspivid, CCTV and drone exports) has no timestamps, so no frame
has a time: it is refused with the command that puts it in a container at its rate (a stream copy
where it has no B-frames, else a re-encode), and that command's file reads every frame in order."""

from __future__ import annotations

import shlex
import shutil
import subprocess
from fractions import Fraction
from pathlib import Path

import av
import pytest

from timeline_lab.errors import MediaError
from timeline_lab.media.probe import probe
from timeline_lab.media.synth import make_clip, read_frame_indices

FFMPEG = shutil.which("ffmpeg")
FRAMES = 24


@pytest.fixture(autouse=True)
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TIMELINE_LAB_CACHE", str(tmp_path / "cache"))


def _raw(tmp_path: Path, rate: Fraction, b_frames: int) -> Path:
    """An Annex B H.264 stream of frames that show their numbers, with no container around it."""
    src = make_clip(tmp_path / "src.mp4", width=96, height=64, rate=rate, frames=FRAMES, audio=False)
    raw = tmp_path / "cam.h264"
    with av.open(str(src)) as inp, av.open(str(raw), "w", format="h264") as out:
        video = out.add_stream("libx264", rate=rate, options={"bf": str(b_frames), "g": "12"})
        video.width, video.height, video.pix_fmt = 96, 64, "yuv420p"
        for frame in inp.decode(video=0):
            frame.pict_type = av.video.frame.PictureType.NONE
            out.mux(video.encode(frame))
        out.mux(video.encode(None))
    return raw


@pytest.mark.parametrize("b_frames", [0, 2], ids=["no-b", "b-frames"])
@pytest.mark.parametrize("rate", [Fraction(25), Fraction(30)], ids=str)
def test_a_raw_h264_stream_is_refused_with_a_command_that_works(
    tmp_path: Path, rate: Fraction, b_frames: int
) -> None:
    raw = _raw(tmp_path, rate, b_frames)
    with pytest.raises(MediaError, match=r"cam\.h264: stream 0 has \d+ frames but no timestamps") as err:
        probe(raw)
    said = str(err.value)
    command = said[said.index("ffmpeg -framerate") :]
    assert f"-framerate {rate}" in command
    assert ("-c copy" in command) == (b_frames == 0)
    if FFMPEG is None:
        pytest.skip("needs the ffmpeg CLI to run the command it gives")
    subprocess.run([FFMPEG, "-v", "error", "-y", *shlex.split(command)[1:]], cwd=tmp_path, check=True)
    fixed = tmp_path / "cam.mp4"
    v = probe(fixed).primary_video
    assert v is not None and v.frame_count == FRAMES and v.frame_rate == rate
    assert [n for n, _ in read_frame_indices(fixed)] == list(range(FRAMES))
