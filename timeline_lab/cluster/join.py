"""Segments joined into one file by stream copy: each segment's video packets moved to where it
starts on the timeline, and its AAC packets (encoded on its worker on the global 1024-sample grid,
see ``render.encoding.aac_splice``) copied after the last segment's; or, for other audio codecs
(and as the exact reference), the segments' float PCM cut to exactly their share and encoded once."""

from __future__ import annotations

import heapq
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import numpy as np

from ..errors import RenderError
from ..media.sound_arrays import from_planes, to_planes
from ..render.chapters import Chapter, container_chapters
from ..render.compile.sound import layout_name, samples_at
from ..render.encoding.aac_splice import AudioCodec
from .sound import load_pieces

__all__ = ["Sound", "Spliced", "join_segments"]


@dataclass(frozen=True)
class Sound:
    """How the joined file's sound is encoded (the plan's), and each segment's PCM and frames."""

    encoder: str
    sample_rate: int
    channels: int
    options: dict[str, str]
    sample_fmt: str | None
    parts: list[tuple[Path, int, int]]  # (float WAV, first frame, end frame)


@dataclass(frozen=True)
class Spliced:
    """Sound the workers encoded: the stream's codec and each segment's packets (in order)."""

    codec: AudioCodec
    pieces: list[str]


def join_segments(
    parts: list[tuple[Path, int]],
    sound: Sound | Spliced | None,
    write_to: Path,
    *,
    rate: Fraction,
    container: str,
    options: dict[str, str] | None = None,
    chapters: tuple[Chapter, ...] = (),
) -> None:
    """Write ``parts`` (a video file and the timeline frame it starts at, in order) and ``sound``
    into ``write_to`` as one ``container`` file (with the plan's ``chapters``)."""
    if not parts:
        raise RenderError(f"{write_to}: no segments to join")
    opened = [av.open(str(p)) for p, _ in parts]
    try:
        out = av.open(str(write_to), "w", format=container, options=options or {})
        try:
            if chapters:
                out.set_chapters(container_chapters(chapters, rate))
            vout = out.add_stream_from_template(opened[0].streams.video[0])
            if opened[0].streams.video[0].codec_tag == "hvc1":  # the template drops it: hev1 would be written
                vout.codec_context.codec_tag = "hvc1"  # (render.command.video_tag: Apple's players need it)
            streams: list[Iterator[tuple[Fraction, int, Any]]] = [
                _shifted(c, start, rate, vout) for c, (_, start) in zip(opened, parts, strict=True)
            ]
            if isinstance(sound, Spliced):
                streams.append(_copied(sound, out))
            elif sound is not None:
                streams.append(_encoded(sound, rate, out))
            for _, _, packet in heapq.merge(*streams, key=lambda x: (x[0], x[1])):
                out.mux(packet)
        finally:
            out.close()
    finally:
        for c in opened:
            c.close()


def _shifted(container: Any, start: int, rate: Fraction, into: Any) -> Iterator[tuple[Fraction, int, Any]]:
    """The packets of one segment's video, ``start`` frames later, as (seconds, 0, packet) in
    decoding order."""
    stream = container.streams.video[0]
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
        yield Fraction(packet.dts if packet.dts is not None else packet.pts) * tb, 0, packet


def _copied(sound: Spliced, out: Any) -> Iterator[tuple[Fraction, int, Any]]:
    """The workers' AAC packets, checked to tile the timeline, as (seconds, 1, packet)."""
    stream = sound.codec.add_to(out)
    tb = Fraction(1, sound.codec.sample_rate)
    for packet in load_pieces(sound.pieces).packets(stream):
        assert packet.pts is not None  # every spliced packet has its place on the grid
        yield Fraction(packet.pts) * tb, 1, packet


def _encoded(sound: Sound, rate: Fraction, out: Any) -> Iterator[tuple[Fraction, int, Any]]:
    """The segments' samples, each exactly its share, encoded as one stream: (seconds, 1, packet)."""
    stream = out.add_stream(sound.encoder, rate=sound.sample_rate, layout=layout_name(sound.channels),
                            options=sound.options)  # fmt: skip
    if sound.sample_fmt:
        stream.format = sound.sample_fmt

    def packets(frame: Any) -> Iterator[tuple[Fraction, int, Any]]:
        for packet in stream.encode(frame):
            yield Fraction(packet.dts if packet.dts is not None else packet.pts) * packet.time_base, 1, packet

    done = 0
    for wav, first, end in sound.parts:
        want = samples_at(end, rate, sound.sample_rate) - samples_at(first, rate, sound.sample_rate)
        for chunk in _exactly(wav, want, sound.channels):
            frame = from_planes(chunk, layout_name(sound.channels), sound.sample_rate, done)
            done += chunk.shape[1]
            yield from packets(frame)
    yield from packets(None)


def _exactly(wav: Path, want: int, channels: int) -> Iterator[np.ndarray[Any, np.dtype[np.float32]]]:
    """A segment's planar float samples, cut or padded with silence to exactly ``want``."""
    left = want
    with av.open(str(wav)) as c:
        for frame in c.decode(audio=0):
            if left <= 0:
                break
            part = np.asarray(to_planes(frame)[:, :left], dtype=np.float32)
            left -= part.shape[1]
            yield part
    if left > 0:
        yield np.zeros((channels, left), np.float32)
