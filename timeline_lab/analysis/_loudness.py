"""EBU R128 loudness of decoded audio frames through libavfilter's ``ebur128`` (momentary, short-term)."""

from __future__ import annotations

import math
from fractions import Fraction

import av
from av.audio.frame import AudioFrame

from ..render.compile.sound import HOLE

__all__ = ["MOMENTARY", "SHORT_TERM", "Loudness"]

MOMENTARY = Fraction(2, 5)
"""Seconds of sound in one momentary reading (EBU R128's window)."""
SHORT_TERM = Fraction(3)
"""Seconds of sound in one short-term reading."""


class Loudness:
    """Feeds audio frames to ``abuffer -> aresample -> ebur128 -> abuffersink``; collects (end s, M, S) rows.

    The frames' times are media times; ``aresample`` does to them what the render does to a clip's
    sound: what comes before time 0 is cut, a late start and holes longer than ``hole`` seconds
    are silence, so each measurement is of the sound the render plays up to then.
    """

    def __init__(self, hole: Fraction = HOLE) -> None:
        self._graph: av.filter.Graph | None = None
        self._hole = hole
        self._first: int | None = None  # the first measured sample
        self.rows: list[tuple[float, float | None, float | None]] = []
        """(end s, momentary, short-term); a reading whose window is not yet full of measured
        sound (the first 0.4 s, 3 s) is None: ebur128 counts the rest as digital silence."""

    def _build(self, frame: AudioFrame) -> av.filter.Graph:
        graph = av.filter.Graph()
        src = graph.add_abuffer(
            format=frame.format.name,
            sample_rate=frame.sample_rate,
            layout=frame.layout.name,
            time_base=Fraction(1, frame.sample_rate),
        )
        timed = graph.add(
            "aresample", f"{frame.sample_rate}:first_pts=0:min_comp=0:min_hard_comp={float(self._hole):.6f}"
        )
        meter = graph.add("ebur128", "metadata=1")
        sink = graph.add("abuffersink")
        src.link_to(timed)
        timed.link_to(meter)
        meter.link_to(sink)
        graph.configure()
        return graph

    def push(self, frame: AudioFrame | None) -> None:
        """Measure ``frame`` (None: flush what the filter still holds)."""
        if frame is not None and self._graph is None:
            self._graph = self._build(frame)
        if self._graph is None:
            return
        if frame is not None and frame.pts is not None and frame.time_base is not None:
            frame.pts = round(frame.pts * frame.time_base * frame.sample_rate)
            frame.time_base = Fraction(1, frame.sample_rate)
        self._graph.push(frame)
        while True:
            try:
                out = self._graph.pull()
            except (av.BlockingIOError, av.EOFError):
                return
            assert isinstance(out, AudioFrame)
            meta = out.metadata
            if "lavfi.r128.M" not in meta or out.pts is None:
                continue
            if self._first is None:
                self._first = out.pts
            measured = Fraction(out.pts + out.samples - self._first, out.sample_rate)
            momentary = _lufs(meta["lavfi.r128.M"]) if measured >= MOMENTARY else None
            short_term = _lufs(meta["lavfi.r128.S"]) if measured >= SHORT_TERM else None
            self.rows.append((float((out.pts + out.samples) / out.sample_rate), momentary, short_term))


def _lufs(text: str) -> float:
    """A meter reading; ``nan`` is -inf: ebur128 keeps each window's power as a running sum, which
    rounding takes just below zero once the window holds only digital silence after sound."""
    value = float(text)
    return -math.inf if math.isnan(value) else value
