"""Frames stamped alike (a capture pipeline with a coarse clock gives two frames one millisecond):
each keeps its own index, ranked in decode order as the timestamp index ranks them, and the one a
player shows at that time is the last of them. The frame reader gave both one index (read(9) gave
frame 8, read(10) frame 9 labelled 10, frame 10 never), and a proxy failed with a bare errno 22."""

from __future__ import annotations

import random
from pathlib import Path

import av
import pytest

from timeline_lab.media._decoder import FrameReader
from timeline_lab.media.probe import probe
from timeline_lab.media.proxy import make_proxy
from timeline_lab.model.time import RationalTime

from .browser_media import frame_number, write

N = 21


@pytest.mark.parametrize("vcodec", ["libvpx", "libvpx-vp9"])
@pytest.mark.parametrize("start", [0, 1500])
@pytest.mark.parametrize("alike", [(9, 10), (5, 6, 7), (19, 20)], ids=["pair", "three", "last"])
def test_frames_stamped_alike_are_each_read(
    tmp_path: Path, vcodec: str, start: int, alike: tuple[int, ...]
) -> None:
    times = [start + round(k * 1000 / 30) for k in range(N)]
    for k in alike[1:]:
        times[k] = times[alike[0]]
    path = write(tmp_path / "dup.webm", list(zip(times, range(N), strict=True)), vcodec=vcodec,
                 audio=(start, start + 800))  # fmt: skip
    video = probe(path).primary_video
    assert video is not None and video.frame_count == N
    order = list(range(N))
    random.Random(len(alike) + start).shuffle(order)
    with FrameReader(path) as reader:
        for k in [*range(N), *order]:  # scrubbing forward, then random access (seeks)
            frame = reader.read(k)
            assert (frame_number(frame.rgb), frame.index) == (k, k)
        shown = alike[-1]  # of frames stamped alike, a player shows the last
        at = RationalTime(times[shown] - start + 10, 1000)
        assert frame_number(reader.read(at).rgb) == shown
    proxy = make_proxy(path, tmp_path / "proxy.mp4", height=48)
    with av.open(str(proxy)) as c:
        pictures = [frame_number(f.to_ndarray(format="rgb24")) for f in c.decode(video=0)]
    assert pictures == [k for k in range(N) if k not in alike[:-1]]
