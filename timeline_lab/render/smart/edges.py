"""Re-encoding one stretch of a smart render (cut edges, gaps) on a worker thread.

Why: each stretch between two copies is its own libx264 run starting on an IDR, so stretches are
independent: they encode side by side on the pool while the muxer copies GOPs (decoder and encoder
release the GIL). A stretch of a few frames gains little from x264's frame threads (it waits for
its look-ahead to fill), so a short stretch is cut into two slices encoded at once instead
(sliced threads: no added latency, output the same whatever the scheduling), and its source GOP is
decoded on a thread of its own ahead of the encoder. Measured at 1080p on 2 cores, an 11-frame edge
(the first cut of a trim, which the whole smart render waits for): 130 ms serial on one thread,
95-108 ms so.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from fractions import Fraction
from typing import TYPE_CHECKING

import av
import numpy as np

from ...errors import RenderError
from ...media.colour import range_code, sws_colorspace
from ...media.nal import nal_units
from .feed import Feed
from .h264 import HEADER_NALS, encoder
from .plan import Plan
from .walk import Edge, Gap, Stretch

if TYPE_CHECKING:
    from av.video.frame import VideoFrame

SHORT = 60
"""Stretches up to this many frames encode in two x264 slices (unless the export sets threads)."""
AHEAD = 4
"""Decoded frames a stretch's decoder may hold ahead of its encoder."""

Encoded = list[tuple[bytes, int, bool]]
"""A stretch's samples: (length-prefixed NAL units, output frame from the stretch's start, keyframe)."""


def x264_options(plan: Plan, frames: int) -> dict[str, str]:
    """The plan's libx264 options, in two slices on two threads for a short stretch."""
    if "threads" in plan.options or frames > SHORT:
        return plan.options
    x264 = plan.options.get("x264-params")
    sliced = f"{x264}:sliced-threads=1" if x264 else "sliced-threads=1"  # x264's own option, not FFmpeg's
    return {**plan.options, "threads": "2", "x264-params": sliced}


def encode_stretch(stretch: Stretch, plan: Plan) -> Encoded:
    """Decode the stretch's source frames from their keyframes and encode them (and its gap
    frames) as one libx264 run; raises RenderError unless exactly ``stretch.frames`` come out."""
    enc = encoder(x264_options(plan, stretch.frames), plan.rate, *plan.size)
    out: Encoded = []
    sent = 0

    def put(frame: VideoFrame | None) -> None:
        nonlocal sent
        if frame is not None:
            frame.pts, frame.time_base = sent, Fraction(1) / plan.rate
            frame.pict_type = av.video.frame.PictureType.NONE  # let x264 place its own keyframes
            sent += 1
        for p in enc.encode(frame):
            assert p.pts is not None  # libx264 stamps every packet
            out.append((_sample(bytes(p), plan.length_size), p.pts, p.is_keyframe))

    feed = Feed(_frames(stretch, plan), lambda _: 1, budget=AHEAD)
    try:
        while True:
            ready, frame = feed.get(timeout=1.0)
            if ready and frame is None:
                break
            if ready:
                put(frame)
    finally:
        feed.stop()
    put(None)
    if len(out) != stretch.frames:
        raise RenderError(f"libx264 returned {len(out)} frame(s) for a stretch of {stretch.frames}")
    return out


def _sample(annexb: bytes, length_size: int) -> bytes:
    """An MP4 sample of libx264's NAL units: length-prefixed, parameter sets left to the avcC."""
    keep = (n for n in nal_units(annexb, None) if n[0] & 0x1F not in HEADER_NALS)
    return b"".join(len(n).to_bytes(length_size, "big") + n for n in keep)


def _frames(stretch: Stretch, plan: Plan) -> Generator[VideoFrame, None, None]:
    """The stretch's frames in order: its gaps' background, its edges' source frames."""
    for part in stretch.parts:
        yield from _background(plan, part.frames) if isinstance(part, Gap) else _decoded(part, plan.rate)


def _background(plan: Plan, frames: int) -> Iterator[VideoFrame]:
    """``frames`` frames of the background colour (one picture, shown that many times)."""
    bg = np.empty((plan.size[1], plan.size[0], 3), np.uint8)
    bg[...] = plan.background
    matrix, rng = plan.colours  # the copies' own: a gap's colour shows as it would among them
    frame = av.VideoFrame.from_ndarray(bg, "rgb24").reformat(
        format="yuv420p", dst_colorspace=sws_colorspace(matrix), dst_color_range=range_code(rng)
    )
    for _ in range(frames):
        yield frame


def _decoded(edge: Edge, rate: Fraction) -> Iterator[VideoFrame]:
    """Source frames ``edge.lo..edge.hi-1``, decoded from the GOP's keyframe."""
    dec = av.CodecContext.create("h264", "r")
    dec.extradata = edge.extradata
    dec.thread_count = 1  # a few frames: the pool runs stretches side by side instead
    got = 0
    for pk in [*edge.packets, None]:
        for f in dec.decode(pk):
            assert f.pts is not None  # the decoder passes the packets' pts through
            if edge.lo <= round(f.pts * edge.time_base * rate) < edge.hi:
                got += 1
                yield f
    if got != edge.frames:
        msg = f"GOP at source frame {edge.first}: decoded {got} of frames {edge.lo}..{edge.hi - 1}"
        raise RenderError(msg)
