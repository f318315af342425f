"""MPEG-PS (.mpg, .vob) long-GOP MPEG-2: clips from later GOPs render their own frames and sound.

The PS demuxer lands a seek inside the GOP before the keyframe asked for and stamps the pieces it
finds there with the keyframe's time; the sound there starts mid-frame. A reader must start at the
keyframe itself, and let the cut sound before the clip go.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from timeline_lab.media.synth import _render, read_frame_index
from timeline_lab.media.timestamps import stream_times
from timeline_lab.render.frame import timeline_frame
from timeline_lab.studio import Studio

from ..conftest import decode_audio, decode_video

FFMPEG = shutil.which("ffmpeg")
pytestmark = pytest.mark.skipif(FFMPEG is None, reason="the ffmpeg CLI writes MPEG-PS")
W, H, N = 160, 120, 100
STARTS = (0, 13, 22, 24, 37, 50, 73)  # GOPs of 12: on, just after and before a keyframe; open GOPs
COUNT = 8
SOUND = {"none": [], "mp2": ["-c:a", "mp2"], "ac3": ["-c:a", "ac3"]}
GOPS = {"open": [], "closed": ["-flags", "+cgop", "-sc_threshold", "1000000000"]}


def _ps(path: Path, sound: str, gop: str) -> Path:
    assert FFMPEG is not None
    raw = b"".join(_render(i, 9, W, H).tobytes() for i in range(N))
    cmd = [FFMPEG, "-v", "error", "-y", "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{W}x{H}"]
    cmd += ["-framerate", "25", "-i", "pipe:0"]
    if sound != "none":
        cmd += ["-f", "lavfi", "-i", "sine=f=440:r=48000:d=5"]
    cmd += ["-c:v", "mpeg2video", "-q:v", "2", "-g", "12", "-bf", "2", *GOPS[gop], *SOUND[sound]]
    subprocess.run([*cmd, "-f", "vob" if path.suffix == ".vob" else "mpeg", str(path)], input=raw, check=True)
    return path


@pytest.mark.parametrize(
    ("name", "sound", "gop"),
    [
        ("open.mpg", "none", "open"),
        ("mp2.mpg", "mp2", "open"),
        ("ac3.vob", "ac3", "open"),
        ("closed.mpg", "mp2", "closed"),
    ],
)
def test_clips_from_later_gops_render_their_frames_and_sound(
    studio: Studio, tmp_path: Path, name: str, sound: str, gop: str
) -> None:
    path = _ps(tmp_path / name, sound, gop)
    # FFmpeg reads the times as written (its PS parser misdates a picture whose headers straddle
    # a PES packet's start, which some frame sizes make the muxer write: not this reader's doing)
    assert set(np.diff(stream_times(path, 0).pts).tolist()) == {3600}
    project = studio.new_project(width=W, height=H, frame_rate=25)
    for first in STARTS:
        project.tracks[0].append(studio.clip(path, first, COUNT))
    out = studio.render(project, tmp_path / "out.mp4", progress=False)
    shown = [read_frame_index(f)[0] for f in decode_video(out)]
    want = [first + k for first in STARTS for k in range(COUNT)]
    assert shown == want
    for n in (1, 4):  # previews of a clip's first frame (mid-file) and of its last
        k = n * COUNT + (COUNT - 1) * (n % 2 == 0)
        assert read_frame_index(timeline_frame(project, k, scale=1))[0] == want[k]
    if sound == "none":
        return
    whole = studio.new_project(width=W, height=H, frame_rate=25)
    whole.tracks[0].append(studio.clip(path, 0, N))  # read from the start: no seek
    reference = decode_audio(studio.render(whole, tmp_path / "whole.mp4", progress=False))[0][0]
    got, sr = decode_audio(out)
    per_frame = sr // 25
    for j, first in enumerate(STARTS):  # each clip's sound is the file's at its frames
        inner = slice(per_frame * (j * COUNT + 1), per_frame * (j * COUNT + COUNT - 1))
        source = slice(
            inner.start + per_frame * (first - j * COUNT), inner.stop + per_frame * (first - j * COUNT)
        )
        assert np.abs(got[0][inner] - reference[source]).max() < 0.01, first
