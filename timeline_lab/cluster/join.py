"""Segments joined by stream copy: each segment's video packets moved to where it starts on the
timeline, the whole timeline's sound beside them, interleaved by time; nothing is re-encoded."""

from __future__ import annotations

import heapq
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path
from typing import Any

import av

from ..errors import RenderError

__all__ = ["join_segments"]


def join_segments(
    parts: list[tuple[Path, int]],
    sound: Path | None,
    write_to: Path,
    *,
    rate: Fraction,
    container: str,
    options: dict[str, str] | None = None,
) -> None:
    """Write ``parts`` (a video file and the timeline frame it starts at, in order) and ``sound``
    into ``write_to`` as one ``container`` file."""
    if not parts:
        raise RenderError(f"{write_to}: no segments to join")
    opened = [av.open(str(p)) for p, _ in parts]
    audio_in = av.open(str(sound)) if sound is not None else None
    try:
        out = av.open(str(write_to), "w", format=container, options=options or {})
        try:
            vout = out.add_stream_from_template(opened[0].streams.video[0])
            streams: list[Iterator[tuple[Fraction, int, Any]]] = [
                _shifted(c, start, rate, vout) for c, (_, start) in zip(opened, parts, strict=True)
            ]
            if audio_in is not None:
                aout = out.add_stream_from_template(audio_in.streams.audio[0])
                streams.append(_shifted(audio_in, 0, rate, aout, audio=True))
            for _, _, packet in heapq.merge(*streams, key=lambda x: (x[0], x[1])):
                out.mux(packet)
        finally:
            out.close()
    finally:
        for c in [*opened, *([audio_in] if audio_in else [])]:
            c.close()


def _shifted(
    container: Any, start: int, rate: Fraction, into: Any, *, audio: bool = False
) -> Iterator[tuple[Fraction, int, Any]]:
    """The packets of one input's first video (or audio) stream, ``start`` frames later, as
    (time in seconds, order key, packet) in decoding order."""
    stream = container.streams.audio[0] if audio else container.streams.video[0]
    tb = stream.time_base
    offset = Fraction(start) / rate / tb
    if offset.denominator != 1:
        raise RenderError(f"{container.name}: frame {start} is not on its time base {tb}")
    for packet in container.demux(stream):
        if packet.dts is None and packet.pts is None:
            continue  # the demuxer's flush packet
        packet.pts = None if packet.pts is None else packet.pts + int(offset)
        packet.dts = None if packet.dts is None else packet.dts + int(offset)
        packet.stream = into
        yield Fraction(packet.dts if packet.dts is not None else packet.pts) * tb, (1 if audio else 0), packet
