"""EBU R128 loudness of decoded audio frames through libavfilter's ``ebur128`` (momentary, short-term)."""

from __future__ import annotations

from fractions import Fraction

import av
from av.audio.frame import AudioFrame

__all__ = ["Loudness"]


class Loudness:
    """Feeds audio frames to ``abuffer -> ebur128 -> abuffersink``; collects (end s, M, S) rows."""

    def __init__(self) -> None:
        self._graph: av.filter.Graph | None = None
        self.rows: list[tuple[float, float, float]] = []

    def _build(self, frame: AudioFrame) -> av.filter.Graph:
        graph = av.filter.Graph()
        src = graph.add_abuffer(
            format=frame.format.name,
            sample_rate=frame.sample_rate,
            layout=frame.layout.name,
            time_base=Fraction(1, frame.sample_rate),
        )
        meter = graph.add("ebur128", "metadata=1")
        sink = graph.add("abuffersink")
        src.link_to(meter)
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
            end = float((out.pts + out.samples) / out.sample_rate)
            self.rows.append((end, float(meta["lavfi.r128.M"]), float(meta["lavfi.r128.S"])))
