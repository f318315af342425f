"""``media.keyframes()`` counts from the stream's first shown frame, as clip source ranges, the
frame reader and filmstrips do, at one rate: it gave absolute stream times (a WebRTC segment whose
clock starts at 1.5 s named keyframes past the file's end), the first at another rate than the rest."""

from __future__ import annotations

from pathlib import Path

import pytest

from timeline_lab.media._decoder import FrameReader
from timeline_lab.media.probe import keyframes, probe

from .browser_media import write


@pytest.mark.parametrize("vcodec", ["libvpx", "libvpx-vp9"])
@pytest.mark.parametrize("start", [0, 300, 1500])
@pytest.mark.parametrize("steady", [True, False], ids=["constant", "variable"])
def test_keyframes_are_media_times_of_real_keyframes(
    tmp_path: Path, vcodec: str, start: int, steady: bool
) -> None:
    jitter = [0, 4, -3, 2, -4, 3] if not steady else [0]
    frames = [(start + round(k * 1000 / 30) + jitter[k % len(jitter)] * (k > 0), k) for k in range(45)]
    frames = [f for f in frames if steady or f[1] != 20]  # a dropped frame: variable rate
    path = write(tmp_path / "rec.webm", frames, vcodec=vcodec, audio=(start, start + 1500))
    video = probe(path).primary_video
    assert video is not None and video.variable_frame_rate is not steady and video.duration is not None
    keys = keyframes(path)
    assert len(keys) >= 3 and keys[0].value == 0 and len({k.rate for k in keys}) == 1
    assert all(k.to_seconds() < video.duration.to_seconds() for k in keys)
    with FrameReader(path) as reader:
        for k in keys:
            frame = reader.read(k)
            assert frame.time.to_seconds() == k.to_seconds()  # the frame shown there starts there
