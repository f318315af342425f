"""What compiling a project's tracks shares: the graph builder, canvas, formats, probes and inputs,
and the Piece (a stretch of one track) that clips, gaps and nested sequences become."""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import TYPE_CHECKING, Protocol

from ..live import LiveSource, LiveTap
from ..plan import InputStream, SourceRead
from .layers import Canvas
from .sound import samples_at

if TYPE_CHECKING:
    from pathlib import Path

    from ...media.probe import AudioStreamInfo, MediaInfo, VideoStreamInfo
    from ...media.timestamps import StreamTimes
    from ...model.items import SequenceClip
    from ...model.project import Project
    from ...model.transition import Transition
    from .graph import Builder

__all__ = ["Context", "MediaFacts", "NestedBuilder", "Piece", "gap_piece", "span_samples"]


class NestedBuilder(Protocol):
    """Builds the piece a nested sequence's clip shows (so tracks.py need not import stacking)."""

    def __call__(
        self, ctx: Context, clip: SequenceClip, start: int, *, video: bool, audio: bool, alpha: bool
    ) -> Piece: ...


@dataclass(frozen=True)
class MediaFacts:
    """What every clip of one media reference shares (looked up once per compile, not per clip)."""

    path: Path
    vs: VideoStreamInfo | None
    aus: AudioStreamInfo | None
    times: StreamTimes | None
    origin: Fraction  # absolute time of media time 0
    open_rate: Fraction | None  # an image sequence's rate
    fr: Fraction  # the video's frame rate (25 without one): where reads start, in frames


MediaKey = tuple[str, Fraction | None, int | None, int | None, bool]
"""(path, open rate, video stream, audio stream, has audio): what ``MediaFacts`` depend on."""


@dataclass
class Context:
    """What every track shares while compiling: the builder, canvas, formats, probes, inputs."""

    b: Builder
    canvas: Canvas
    sample_rate: int
    channels: int
    probe: dict[str, MediaInfo]
    inputs: list[InputStream] = field(default_factory=list)
    reads: list[SourceRead] = field(default_factory=list)
    live: list[LiveSource | LiveTap] = field(default_factory=list)  # Python-drawn or -applied parts
    tags: int = 0
    sequences: dict[str, Project] = field(default_factory=dict)  # the nested sequences in scope
    nest: NestedBuilder | None = None  # builds a SequenceClip's piece (compile/nested.py)
    depth: int = 0  # how deep in nested sequences the compile is
    stream_times: dict[tuple[str, int, Fraction | None], StreamTimes] = field(default_factory=dict)
    media: dict[MediaKey, MediaFacts] = field(default_factory=dict)

    @property
    def rate(self) -> Fraction:
        """Project frame rate."""
        return self.canvas.rate

    def tag(self) -> str:
        """A fresh pad-name prefix."""
        self.tags += 1
        return f"t{self.tags}"

    def info(self, path: str, rate: Fraction | None = None) -> MediaInfo:
        """Probe each file once per compile (``rate``: an image sequence's)."""
        key = path if rate is None else f"{path}@{rate}"
        if key not in self.probe:
            from ...media.probe import probe

            self.probe[key] = probe(path, rate=rate)
        return self.probe[key]

    def times(self, path: str, index: int, rate: Fraction | None = None) -> StreamTimes:
        """A video stream's frame times, looked up once per compile (each lookup stats the file)."""
        key = (path, index, rate)
        if key not in self.stream_times:
            from ...media.timestamps import stream_times

            self.stream_times[key] = stream_times(path, index, rate=rate)
        return self.stream_times[key]


@dataclass
class Piece:
    """A stretch of one track: its pads and its timeline frames [start - before, end + after)."""

    video: str | None
    audio: str | None
    start: int
    frames: int
    before: int = 0
    after: int = 0
    item_id: str | None = None
    joins: Transition | None = None  # the transition from the piece before into this one

    @property
    def span(self) -> int:
        """Frames its pads carry, overlaps included."""
        return self.before + self.frames + self.after


def span_samples(ctx: Context, a: int, b: int) -> int:
    """Samples of timeline frames [a, b) (each frame edge rounded once, so spans add up)."""
    return samples_at(b, ctx.rate, ctx.sample_rate) - samples_at(a, ctx.rate, ctx.sample_rate)


def gap_piece(start: int, frames: int) -> Piece:
    """An empty stretch; its pads are made once its fade overlaps are known (``_fill_gap``)."""
    return Piece(None, None, start, frames)
