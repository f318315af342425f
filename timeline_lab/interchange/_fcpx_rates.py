"""A fix for otio-fcpx-xml-adapter 1.x: it reads and writes frame rates as whole numbers.

Its reader takes a format's rate as ``int(rate)`` (23.976 fps becomes 23, so every time of an NTSC
file is off by a frame a second) and truncates times to frames; its writer looks frame durations up
in a table keyed by whole and two-decimal rates, so 29.97 (30000/1001), 23.976 or 48 fps get an
empty ``frameDuration`` that no reader, its own included, can parse. This makes both exact: rates
from the format's frame duration as written, times rounded to the nearest frame, any rate written
as its exact frame duration. Applied once, only when the adapter is installed.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

import opentimelineio as otio

from ._otio_common import adapter_module

__all__ = ["exact_fcpx_rates", "fcpx_time", "frame_duration", "seconds"]


def exact_fcpx_rates() -> None:
    """Patch the FCPX XML reader and writer to keep exact frame rates (idempotent)."""
    fcpx: Any = adapter_module("fcpx_xml")
    if fcpx is None:  # the interchange extra is not installed: nothing to fix
        return
    if getattr(fcpx.to_rational_time, "exact_rates", False):
        return
    fcpx.to_rational_time = _to_rational_time
    fcpx.FcpxXml._format_frame_rate = _format_frame_rate
    fcpx.FcpxXml._number_of_frames = _number_of_frames
    fcpx.FcpxOtio._framerate_to_frame_duration = staticmethod(frame_duration)
    fcpx.FcpxOtio._frame_rate_from_element = _writer_rate(fcpx.FcpxOtio._frame_rate_from_element)


def seconds(text: str | None) -> Fraction:
    """An FCPX time attribute (``"1001/24000s"``, ``"2s"``, ``"0s"``) as exact seconds."""
    return Fraction(text.strip().removesuffix("s")) if text else Fraction(0)


def _rate(fps: Any) -> Fraction:
    """A rate the adapter passes around as a float, back to the exact fraction it stands for."""
    return Fraction(fps).limit_denominator(1001)


def _nearest(frames: Fraction) -> int:
    """Halves up, as the model's ``to_frames(rate, "nearest")`` (``round`` would go to even)."""
    return math.floor(frames + Fraction(1, 2))


def _to_rational_time(rational_number: str | None, fps: Any) -> otio.opentime.RationalTime:
    """The nearest frame at the exact rate (was: truncated, at ``int(fps)``)."""
    rate = _rate(fps)
    return otio.opentime.RationalTime(_nearest(seconds(rational_number) * rate), float(rate))


_to_rational_time.exact_rates = True  # type: ignore[attr-defined]


def _format_rate(self: Any, format_id: str) -> Fraction:
    total, per = self._format_frame_duration(format_id)
    return Fraction(per) / Fraction(total)


def _format_frame_rate(self: Any, format_id: str) -> float:
    """A format's exact rate (was ``int``: 23.976 read as 23)."""
    return float(_format_rate(self, format_id))


def _number_of_frames(self: Any, time_value: str | None, format_id: str) -> int:
    """The nearest frame (was truncated: 19.9999 frames became 19)."""
    if not time_value or time_value == "0s":
        return 0
    return _nearest(seconds(time_value) * _format_rate(self, format_id))


def fcpx_time(secs: Fraction) -> str:
    """Exact seconds as an FCPX time attribute (``"1001/24000s"``, ``"2s"``)."""
    return f"{secs.numerator}/{secs.denominator}s" if secs.denominator != 1 else f"{secs.numerator}s"


def frame_duration(framerate: Any) -> str:
    """Any rate's frame duration, exactly (the adapter's table had 8 rates, not 29.97 or 48)."""
    return fcpx_time(1 / _rate(framerate))


def _writer_rate(original: Any) -> Any:
    """The writer's own element rate, from the format's exact frame duration (was ``int``)."""

    def frame_rate_from_element(self: Any, element: Any, default_format_id: str) -> float:
        whole = original(self, element, default_format_id)
        exact = [
            1 / seconds(f.get("frameDuration"))
            for f in self.resource_element.findall("./format")
            if f.get("frameDuration")
        ]
        near = [r for r in exact if int(r) == whole]
        return float(near[0]) if len(set(near)) == 1 else float(whole)

    return frame_rate_from_element
