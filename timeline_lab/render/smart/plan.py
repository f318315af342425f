"""What a smart render works from: the refusal it raises and the plan it checks and gathers."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from ...errors import RenderError
from ..chapters import Chapter
from ..plan import ExportSettings


class Refused(RenderError):
    """Smart render cannot express this edit (the message says why); the full engine can."""


@dataclass(frozen=True)
class Piece:
    """One timeline item: source frames ``first..first+frames-1`` of ``path``; no path is a gap."""

    path: Path | None
    first: int
    frames: int
    samples: int
    video: int = 0
    audio: int | None = None
    audio_from: Fraction = Fraction(0)
    """The source second (stream time, its codec delay added) heard at the piece's first sample."""
    volume: float = 1.0
    name: str = ""
    """The clip's label, for messages that must say which clip."""
    slot: int = 0
    """Frame slot of the file's first shown frame: source frame n of the model is slot ``n + slot``."""


@dataclass(frozen=True)
class Plan:
    export: ExportSettings
    pieces: tuple[Piece, ...]
    total: int
    rate: Fraction
    size: tuple[int, int]
    sample_rate: int
    channels: int
    background: tuple[int, ...]
    avcc: bytes
    length_size: int
    delay: int
    """Frames the sources decode ahead of display (B-frames): every output dts is this early."""
    options: dict[str, str]
    project_id: str = ""
    project_name: str = ""
    """Tagged into the output, so a later render of the project may replace it."""
    chapters: tuple[Chapter, ...] = ()
    """The markers' chapters, written into the MP4 as the full engine writes them."""
    colours: tuple[str, str] = ("bt709", "tv")
    """(YUV matrix, range) of the sources, which the copies keep: gaps are drawn in them."""
    master: tuple[tuple[str, str], ...] = ()
    """The full engine's steps after its mix (``mix_steps``: the limiter) where it runs the sound
    through them (a gain above 1: ``compiler.boosted``); empty where it passes the sound as is."""

    @property
    def layout(self) -> str:
        return {1: "mono", 2: "stereo"}.get(self.channels, f"{self.channels}c")
