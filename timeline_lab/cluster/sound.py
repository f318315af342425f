"""A segment's sound, encoded on its worker: its share of the timeline's samples on the global AAC
grid (not the picture's cut), rendered as a range early enough for the encoder's pre-roll (a range
render gives the whole timeline's samples of its frames: see ``excerpt.on_sample_grid``)."""

from __future__ import annotations

import math
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any

import av
import numpy as np

from ..media.sound_arrays import to_planes
from ..render.compile.sound import samples_at
from ..render.encoding.aac_splice import AacPackets, AudioCodec, encode_span, grid_floor, pcm_window

if TYPE_CHECKING:
    from ..model.project import Project
    from ..render.plan import RenderPlan

__all__ = ["SoundPiece", "encode_piece", "sound_pieces"]


@dataclass(frozen=True)
class SoundPiece:
    """Samples [start, end) of a ``total``-sample timeline, encoded with ``codec`` into ``output``."""

    start: int
    end: int
    total: int
    codec: AudioCodec
    output: str
    frames: int  # the timeline's frames


def sound_pieces(
    plan: RenderPlan, cuts: list[int], codec: AudioCodec, outputs: list[str]
) -> list[SoundPiece]:
    """One piece per segment: each picture cut moved back to the start of the AAC frame it falls in."""
    total = samples_at(plan.total_frames, plan.frame_rate, plan.sample_rate)
    starts = [0, *(grid_floor(samples_at(k, plan.frame_rate, plan.sample_rate)) for k in cuts)]
    ends = [*starts[1:], total]
    return [
        SoundPiece(a, b, total, codec, out, plan.total_frames)
        for a, b, out in zip(starts, ends, outputs, strict=True)
    ]


def encode_piece(project: Project, piece: SoundPiece, job: Any = None) -> str:
    """Render the sound ``piece`` needs (with pre-roll) and keep the packets of its range; on a worker."""
    from ..render.compile.compiler import compile_plan
    from ..render.execute.runner import execute
    from ..render.plan import ExportSettings

    rate = project.settings.frame_rate
    a, b = pcm_window(piece.start, piece.end, piece.total)
    first = math.floor(Fraction(a, piece.codec.sample_rate) * rate)
    end = min(piece.frames, math.ceil(Fraction(b, piece.codec.sample_rate) * rate) + 1)
    with tempfile.TemporaryDirectory(prefix="tl-sound-", dir=Path(piece.output).parent) as tmp:
        wav = Path(tmp) / "pcm.wav"
        settings = ExportSettings(path=wav, format="audio-wav-float")
        execute(compile_plan(project, settings, frames=(first, end)), job=job)
        at = samples_at(first, rate, piece.codec.sample_rate)
        packets = encode_span(_planar(wav), piece.codec, at=at, start=piece.start,
                              end=piece.end, total=piece.total)  # fmt: skip
    return str(packets.save(piece.output))


def _planar(wav: Path) -> Iterator[np.ndarray[Any, np.dtype[np.float32]]]:
    """A float WAV's samples as planar (channels, n) arrays."""
    with av.open(str(wav)) as c:
        for frame in c.decode(audio=0):
            yield np.asarray(to_planes(frame), np.float32)


def load_pieces(paths: list[str]) -> AacPackets:
    """The workers' pieces, in order, as one run of packets."""
    return AacPackets.merge(AacPackets.load(p) for p in paths)
