"""Clip effects computed by Python while the render runs: ``annotate`` and ``frame_function``.

Both sit in the clip's chain where the effect is listed (after crop, timing and grading, before
placement), so what they add follows the clip's trims, speed, reverse/freeze and transform. Chain
frame ``k`` maps to the source frame it shows exactly as ``conform_steps`` picks it: the media
instant ``src0 + k * speed / rate`` (through reverse/freeze), then the last frame at or before it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING

from ...errors import RenderError
from ...model.annotation import AnnotateParams, FrameFunctionParams
from ...model.time import RationalTime
from ..live import LiveSource, LiveTap, Pixels
from .effects import chain_instant
from .graph import Builder

if TYPE_CHECKING:
    from ...media.probe import VideoStreamInfo
    from ...media.timestamps import StreamTimes
    from ...model.items import Clip
    from ...model.properties import Effect
    from .effects import EffectContext
    from .graph import ChainItem

__all__ = ["LIVE_KINDS", "ChainClock", "LiveEffects", "OverlayStep", "TapStep"]

LIVE_KINDS = frozenset({"annotate", "frame_function"})
"""Effect kinds drawn or applied by Python during the render (not expressible as ffmpeg filters)."""


@dataclass(frozen=True)
class ChainClock:
    """Which source frame (index, media time) each chain frame of one clip shows."""

    clip: Clip
    src0: Fraction
    """Media seconds at chain frame 0 (handles included)."""
    own: tuple[int, int]
    rate: Fraction
    vs: VideoStreamInfo
    times: StreamTimes | None

    def instant(self, k: int) -> Fraction:
        """Media instant sampled at chain frame ``k``, through reverse and freeze (as timing_steps)."""
        return chain_instant(self.clip, self.src0, self.own, self.rate, k)

    def frame(self, k: int) -> tuple[int, Fraction]:
        """(source frame index, its media time) shown at chain frame ``k``."""
        if self.clip.media.still or self.times is None:
            return 0, Fraction(0)
        s = self.instant(k)
        fr = self.vs.frame_rate
        if not self.vs.variable_frame_rate and fr:
            j = max(0, math.floor(s * fr))
            return j, Fraction(j) / fr
        origin = self.times.first * self.vs.time_base
        j = self.times.index_at(origin + s)
        return j, self.times.seconds(j) - origin


@dataclass(frozen=True)
class OverlayStep:
    """Overlay the RGBA pictures of a live source (``buffer@label``) on the chain, frame for frame."""

    source: LiveSource

    def build(self, b: Builder, src: str, prefix: str) -> str:
        """A buffer source with the drawn pictures, overlaid at 0:0 (the picture passes on after it ends)."""
        pad = f"{prefix}ov"
        b.add("buffer", self.source.args, (), (pad,), instance=self.source.label)
        return b.join("overlay", "x=0:y=0:eof_action=pass:format=auto", [src, pad], f"{prefix}an")


@dataclass(frozen=True)
class TapStep:
    """Take the chain out at ``buffersink@{label}o`` as RGB and back in at ``buffer@{label}i``."""

    tap: LiveTap

    def build(self, b: Builder, src: str, prefix: str) -> str:
        """format=rgb24 -> sink; a new buffer source carries the function's frames on."""
        rgb = b.chain(src, f"{prefix}rgb", [("format", "pix_fmts=rgb24")])
        b.add("buffersink", "", (rgb,), (), instance=f"{self.tap.label}o")
        out = f"{prefix}ff"
        b.add("buffer", self.tap.args, (), (out,), instance=f"{self.tap.label}i")
        return out


@dataclass
class LiveEffects:
    """Builds one clip's live effects and collects what the runner must feed (``made``)."""

    clock: ChainClock
    anchor: Fraction
    """Timeline second of chain frame 0."""
    frames: int
    made: list[LiveSource | LiveTap]

    def __call__(self, fx: Effect, ctx: EffectContext) -> list[ChainItem]:
        """The chain steps of one live effect (``ctx``: the clip's picture at this point)."""
        label = f"{ctx.tag}{fx.id[-6:]}"
        if fx.kind == "annotate":
            source = self._annotate(fx, ctx, label)
            self.made.append(source)
            return [OverlayStep(source)]
        if fx.kind == "frame_function":
            tap = self._frame_function(fx, ctx, label)
            self.made.append(tap)
            return [TapStep(tap)]
        raise RenderError(f"effect {fx.kind!r} is not a live effect")

    def _annotate(self, fx: Effect, ctx: EffectContext, label: str) -> LiveSource:
        from ..annotators import Annotator, detections_table

        clip = self.clock.clip.label()
        params = AnnotateParams.model_validate(fx.params)
        table = detections_table(params, clip=clip)
        annotator = Annotator(table, params.style, (ctx.width, ctx.height), (ctx.crop_left, ctx.crop_top))
        return LiveSource(
            label, f"clip {clip!r}: annotations", ctx.width, ctx.height, ctx.rate, self.frames, self.anchor,
            _memo(annotator.draw, self.clock.frame),
        )  # fmt: skip

    def _frame_function(self, fx: Effect, ctx: EffectContext, label: str) -> LiveTap:
        from ..frame_function import FRAME_FUNCTIONS

        clip = self.clock.clip
        name = FrameFunctionParams.model_validate(fx.params).name
        ff = FRAME_FUNCTIONS.get(name, clip=clip.label())
        rate = clip.media.rate or ctx.rate
        clock = self.clock

        def apply(picture: Pixels, k: int) -> Pixels:
            _, t = clock.frame(k)
            return ff(picture, RationalTime.from_seconds(t, rate))

        what = f"clip {clip.label()!r}: frame function {name!r}"
        return LiveTap(label, what, ctx.width, ctx.height, ctx.rate, apply)


def _memo(
    draw: Callable[[int], Pixels | None], frame: Callable[[int], tuple[int, Fraction]]
) -> Callable[[int], Pixels | None]:
    """Chain frame -> picture, drawing each source frame once while it stays on screen (slow motion)."""
    last: list[tuple[int, Pixels | None]] = []

    def picture(k: int) -> Pixels | None:
        j, _ = frame(k)
        if last and last[0][0] == j:
            return last[0][1]
        out = draw(j)
        last[:] = [(j, out)]
        return out

    return picture
