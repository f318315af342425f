"""Running the plan's live parts: overlay pictures pushed beside the decoders, frame-function taps.

A :class:`LiveReader` steps like a decoder's ``Reader`` (``feed_in_order`` interleaves them by
timeline time, so at most a few overlay pictures wait in the graph); :class:`Taps` moves every
frame waiting at a tap's sink through its function and back into the graph.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from fractions import Fraction
from typing import TYPE_CHECKING

import av
import numpy as np

from ...errors import RenderError
from ..live import FrameCost, LiveSource, LiveTap, Pixels
from .reader import push

if TYPE_CHECKING:
    from av.filter import FilterContext
    from av.video.frame import VideoFrame

__all__ = ["LiveReader", "Taps", "live_parts"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Opens:
    """What ``feed_in_order`` reads of a read: where on the timeline it starts."""

    opens_at: Fraction


@dataclass
class LiveReader:
    """Pushes one live source's pictures, one per chain frame, into its buffer source."""

    source: LiveSource
    src: FilterContext
    cost: FrameCost
    k: int = 0
    done: bool = False
    _blank: VideoFrame | None = field(default=None, repr=False)

    @property
    def container(self) -> None:
        """No file: the pictures are drawn."""
        return None

    @property
    def read(self) -> _Opens:
        """Its place on the timeline, as a decoder's ``SourceRead`` gives it."""
        return _Opens(self.source.anchor)

    def step(self) -> Fraction | None:
        """Push the next picture; the timeline second it is shown at, None when all are pushed."""
        s = self.source
        if self.done:
            return None
        if self.k >= s.frames:
            push(self.src, None)
            self.done = True
            return None
        k = self.k
        picture = self.cost.timed(lambda: s.draw(k))
        frame = self._frame(picture)
        frame.pts, frame.time_base = k, 1 / s.rate
        self.k += 1
        if not push(self.src, frame):
            self.done = True
            return None
        return s.anchor + Fraction(k) / s.rate

    def _frame(self, picture: np.ndarray | None) -> VideoFrame:
        s = self.source
        if picture is None:
            if self._blank is None:
                blank = np.zeros((s.height, s.width, 4), np.uint8)
                self._blank = av.VideoFrame.from_ndarray(blank, format="rgba")
            return self._blank
        if picture.shape != (s.height, s.width, 4):
            raise RenderError(f"{s.what}: drew {picture.shape}, expected {(s.height, s.width, 4)}")
        return av.VideoFrame.from_ndarray(np.ascontiguousarray(picture), format="rgba")


@dataclass
class _Tap:
    spec: LiveTap
    sink: FilterContext
    back: FilterContext
    cost: FrameCost
    ended: bool = False


class Taps:
    """Every frame-function tap of a graph: frames out of the sink, through the function, back in."""

    def __init__(self, taps: list[_Tap]) -> None:
        self.taps = taps

    def service(self) -> bool:
        """Move whatever waits at the taps; True when any frame (or an end) moved."""
        moved = False
        for tap in self.taps:
            while not tap.ended:
                try:
                    frame = tap.sink.pull()
                except (BlockingIOError, av.BlockingIOError):
                    break
                except (EOFError, av.EOFError):
                    push(tap.back, None)
                    tap.ended = moved = True
                    break
                tap.cost.timed(lambda f=frame, t=tap: self._through(t, f))  # type: ignore[misc]
                moved = True
        return moved

    @staticmethod
    def _through(tap: _Tap, frame: object) -> None:
        assert isinstance(frame, av.VideoFrame) and frame.pts is not None and frame.time_base is not None
        rate = tap.spec.rate
        k = round(frame.pts * Fraction(frame.time_base) * rate)
        picture: Pixels = frame.to_ndarray(format="rgb24")  # type: ignore[assignment]  # rgb24: uint8
        out = tap.spec.apply(picture, k)
        new = av.VideoFrame.from_ndarray(out, format="rgb24")
        new.pts, new.time_base = k, 1 / rate
        push(tap.back, new)


def live_parts(
    parts: tuple[LiveSource | LiveTap, ...], named: dict[str, FilterContext]
) -> tuple[list[LiveReader], Taps, dict[str, FrameCost]]:
    """Readers for the live sources, the taps, and a cost counter per part (by its ``what``)."""
    readers: list[LiveReader] = []
    taps: list[_Tap] = []
    costs: dict[str, FrameCost] = {}
    for part in parts:
        cost = costs.setdefault(part.what, FrameCost())
        if isinstance(part, LiveSource):
            readers.append(LiveReader(part, named[f"buffer@{part.label}"], cost))
        else:
            taps.append(_Tap(part, named[f"buffersink@{part.label}o"], named[f"buffer@{part.label}i"], cost))
    return readers, Taps(taps), costs


def log_costs(costs: dict[str, FrameCost]) -> None:
    """One log line per live part: frames and milliseconds per frame."""
    for what, cost in costs.items():
        log.info(
            "%s: %d frames, %.3fs (%.2f ms/frame)", what, cost.frames, cost.seconds, cost.per_frame * 1e3
        )
