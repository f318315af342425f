"""Sound frames as ``(channels, samples)`` arrays and back, never through a planar frame's ``planes``.

Why: PyAV counts a frame's planes by walking its data pointers to the first NULL. FFmpeg keeps 8 in
the frame itself (more elsewhere, with no NULL after them), so a planar frame of 8 channels or more
(7.1 AAC decodes to 8 float planes) has none to stop at: ``to_ndarray()`` reads past the pointers and
kills the process (a notebook's kernel), and ``AudioFrame.from_ndarray`` raises IndexError. A packed
frame has one plane, so such frames are read through a packed copy and built packed; encoders and
filter graphs convert packed sound to their own format exactly (a float copy, no arithmetic).
"""

from __future__ import annotations

import threading
from fractions import Fraction
from typing import Any

import av
import numpy as np
from av.audio.frame import AudioFrame
from av.audio.layout import AudioLayout

__all__ = ["from_planes", "to_planes"]

Planes = np.ndarray[Any, np.dtype[Any]]

POINTERS = 8
"""FFmpeg's data pointers inside a frame (``AV_NUM_DATA_POINTERS``): a planar frame of fewer
channels ends them with NULL, as PyAV's plane count needs."""
_PACKED = {"float32": "flt", "float64": "dbl", "int16": "s16", "int32": "s32", "uint8": "u8"}
_local = threading.local()  # each thread's converters to packed, by (format, layout, rate)


def to_planes(frame: AudioFrame) -> Planes:
    """``frame``'s samples as ``(channels, samples)`` in its format's dtype (float32 for flt/fltp);
    may be a view of a copy, so take it before the next decode."""
    channels = frame.layout.nb_channels
    if frame.format.is_planar:
        if channels < POINTERS:
            return frame.to_ndarray()
        flat = np.concatenate([f.to_ndarray() for f in _packer(frame).resample(frame)], axis=1)
    else:
        flat = frame.to_ndarray()
    return flat.reshape(-1, channels).T


def from_planes(data: Planes, layout: str | AudioLayout, rate: int, pts: int | None = None) -> AudioFrame:
    """A packed frame of ``(channels, samples)`` samples (float32: ``flt``) in ``layout``, at
    ``rate`` with time base ``1/rate`` (``pts`` in samples, if given)."""
    arr = np.asarray(data)
    layout = layout if isinstance(layout, AudioLayout) else AudioLayout(layout)
    fmt = _PACKED.get(arr.dtype.name)
    if fmt is None or arr.ndim != 2 or arr.shape[0] != layout.nb_channels:
        want = f"({layout.nb_channels}, n) samples of {layout.name}"
        msg = f"sound of shape {arr.shape} and dtype {arr.dtype}: not {want}"
        raise ValueError(msg)
    frame = AudioFrame.from_ndarray(np.ascontiguousarray(arr.T).reshape(1, -1), format=fmt, layout=layout)
    frame.sample_rate, frame.time_base = rate, Fraction(1, rate)
    if pts is not None:
        frame.pts = pts
    return frame


def _packer(frame: AudioFrame) -> av.AudioResampler:
    """This thread's converter of frames like ``frame`` to its packed format (no rate change, so
    it holds no samples back)."""
    packers: dict[tuple[str, str, int], av.AudioResampler] = _local.__dict__.setdefault("packers", {})
    key = (frame.format.name, frame.layout.name, frame.sample_rate)
    if key not in packers:
        packers[key] = av.AudioResampler(
            format=frame.format.packed, layout=frame.layout, rate=frame.sample_rate
        )
    return packers[key]
