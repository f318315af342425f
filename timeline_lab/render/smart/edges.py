"""Re-encoding one stretch of a smart render (cut edges, gaps) on a worker thread.

Why: each stretch between two copies is its own libx264 run starting on an IDR, so stretches are
independent: they encode side by side on the pool while the muxer copies GOPs (decoder and encoder
release the GIL). A stretch of a few frames gains nothing from x264's frame threads (it waits for
its look-ahead to fill; measured at 1080p: 15 frames take as long on 1 thread as on 2 or auto),
so short stretches run single-threaded and the cores go to the other stretches and the audio.
"""

from __future__ import annotations

from collections.abc import Iterator
from fractions import Fraction
from typing import TYPE_CHECKING

import av
import numpy as np

from ...errors import RenderError
from ...media.nal import nal_units
from .h264 import HEADER_NALS, encoder
from .plan import Plan
from .walk import Edge, Gap, Stretch

if TYPE_CHECKING:
    from av.video.frame import VideoFrame

SHORT = 60
"""Stretches up to this many frames encode on one x264 thread (unless the export sets threads)."""

Encoded = list[tuple[bytes, int, bool]]
"""A stretch's samples: (length-prefixed NAL units, output frame from the stretch's start, keyframe)."""


def x264_options(plan: Plan, frames: int) -> dict[str, str]:
    """The plan's libx264 options, single-threaded for a short stretch."""
    if "threads" in plan.options or frames > SHORT:
        return plan.options
    return {**plan.options, "threads": "1"}


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

    for part in stretch.parts:
        frames = _background(plan, part.frames) if isinstance(part, Gap) else _decoded(part, plan.rate)
        for frame in frames:
            put(frame)
    put(None)
    if len(out) != stretch.frames:
        raise RenderError(f"libx264 returned {len(out)} frame(s) for a stretch of {stretch.frames}")
    return out


def _sample(annexb: bytes, length_size: int) -> bytes:
    """An MP4 sample of libx264's NAL units: length-prefixed, parameter sets left to the avcC."""
    keep = (n for n in nal_units(annexb, None) if n[0] & 0x1F not in HEADER_NALS)
    return b"".join(len(n).to_bytes(length_size, "big") + n for n in keep)


def _background(plan: Plan, frames: int) -> Iterator[VideoFrame]:
    """``frames`` frames of the background colour (one picture, shown that many times)."""
    bg = np.empty((plan.size[1], plan.size[0], 3), np.uint8)
    bg[...] = plan.background
    frame = av.VideoFrame.from_ndarray(bg, "rgb24").reformat(format="yuv420p")
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
