"""A speed-ramped clip's picture: each source frame stamped with the first timeline frame showing it.

The model says timeline frame ``k`` shows the source frame on screen at ``p(k)``
(``model.speed_ramp``). A constant-rate source frame in slot ``m`` is therefore first shown at
``T(m) = min {k : p(k) >= m / fps}``; stamping every frame with ``T`` and letting ``fps`` fill the
grid (it keeps the last of frames stamped alike, and holds a frame until the next) shows exactly
the model's frames. ``T`` is written per run of constant per-frame speed as
``J + ceil((m / fps - p(J)) * rate / v)``, all in integers so the expression's doubles are exact.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING

from ...errors import RenderError
from ...model.speed_ramp import ramp_seconds, speed_values
from .graph import q
from .layers import deinterlace_steps

if TYPE_CHECKING:
    from ...media.probe import VideoStreamInfo
    from ...media.timestamps import StreamTimes
    from ...model.items import Clip
    from .graph import Builder, Step

__all__ = ["RampSound", "ramp_conform_steps", "ramp_span"]

_HALF = Fraction(1, 2)
_EXACT = 2**50  # integers below this are exact in an expression's doubles


def ramp_span(clip: Clip, rate: Fraction, before: int, total: int) -> tuple[Fraction, Fraction]:
    """Source seconds (clip media time) of chain frame 0 and just past the last (handles included)."""
    secs = ramp_seconds(clip, rate, -before, total + 1)
    return secs[0], secs[-1]


def _runs(clip: Clip, rate: Fraction, before: int, total: int) -> list[tuple[int, int, Fraction, Fraction]]:
    """(first chain frame, end chain frame, its position, its speed) of each constant-speed run."""
    secs = ramp_seconds(clip, rate, -before, total + 1)
    speeds = speed_values(clip, rate, -before, total + 1)
    runs: list[tuple[int, int, Fraction, Fraction]] = []
    for j in range(total + 1):
        if runs and runs[-1][3] == speeds[j]:
            a, _, p, v = runs[-1]
            runs[-1] = (a, j + 1, p, v)
        else:
            runs.append((j, j + 1, secs[j], speeds[j]))
    return runs


def ramp_conform_steps(
    clip: Clip,
    vs: VideoStreamInfo,
    times: StreamTimes,
    before: int,
    total: int,
    rate: Fraction,
) -> list[Step]:
    """The chain of ``total`` frames (``before`` of them handles) that shows the ramp's frames."""
    if vs.variable_frame_rate or not vs.frame_rate:
        raise RenderError(
            f"clip {clip.label()!r}: a speed ramp on a variable-frame-rate source cannot render"
        )
    tb, fr = vs.time_base, vs.frame_rate
    origin = times.first * tb
    runs = _runs(clip, rate, before, total)
    start = runs[0][2]
    slot0 = math.floor(start * fr)
    d = math.lcm(tb.denominator, rate.numerator)
    per_frame = Fraction(d) / rate  # ticks of 1/d per timeline frame (a whole number)
    shift = f"-({q(origin * fr)})" if origin else ""
    terms = []
    lo = slot0 + 1  # slot0 itself is shown at chain frame 0: it adds no term
    for j, end, p, v in runs:
        hi = math.floor((p + (end - j) * v / rate) * fr)  # the last slot first shown in this run
        if hi < lo:
            continue
        # T(m) = j + ceil((m / fr - p) * rate / v) = j + floor((m*a - b + c - 1) / c)
        x = rate / v
        a_, b_ = x / fr, p * x
        c = math.lcm(a_.denominator, b_.denominator)
        a, b = int(a_ * c), int(b_ * c)
        if (hi + 1) * a + c >= _EXACT:
            raise RenderError(f"clip {clip.label()!r}: speed ramp too long to stamp exactly")
        terms.append(f"between(ld(0),{lo},{hi})*({j}+floor((ld(0)*{a}{c - 1 - b:+d})/{c}))")
        lo = hi + 1
    terms.append(f"gte(ld(0),{lo})*{total + 1}")
    timing = f"st(0,round(PTS*{fr.numerator}/{fr.denominator * d}{shift}));({'+'.join(terms)})*{per_frame}"
    return [
        *deinterlace_steps(vs),  # a frame a picture: the ramp's stamps count frames
        ("tpad", "stop=1:stop_mode=clone"),
        ("trim", f"start_pts={math.floor((origin + (slot0 - _HALF) / fr) / tb)}"),
        ("settb", f"1/{d}"),
        ("setpts", timing),
        ("fps", f"fps={q(rate)}:round=up:start_time=0"),
        ("tpad", f"stop={total}:stop_mode=clone"),
        ("trim", f"end_frame={total}"),
    ]


_TOLERANCE = Fraction(21, 20)  # frames whose speeds differ by under 5% share one tempo piece


def _sound_pieces(clip: Clip, rate: Fraction, before: int, total: int) -> list[tuple[int, int]]:
    """Chain frame spans [a, b) of nearly constant speed, each stretched by one ``atempo``."""
    speeds = speed_values(clip, rate, -before, total)
    out: list[tuple[int, int]] = []
    lo = hi = speeds[0]
    for j, v in enumerate(speeds):
        lo, hi = min(lo, v), max(hi, v)
        if not out or hi > lo * _TOLERANCE:
            out.append((j, j + 1))
            lo = hi = v
        else:
            out[-1] = (out[-1][0], j + 1)
    return out


@dataclass(frozen=True)
class RampSound:
    """A ramp's sound: the source span split per tempo piece, each stretched to its frames, mixed.

    Each piece covers the difference of the timeline's own sample edges (``samples_at``), so the
    pieces add up to the clip's samples exactly and stay in sync with the picture; ``atempo``
    keeps the pitch. A piece is stretched from real sound before and after it (a pre-roll, and
    past its end instead of silence), and neighbours cross over ``_OVERLAP`` either side of their
    join: each restarted stretch lays its windows its own way, and butted pieces clicked and
    dipped at every join.
    """

    clip: Clip
    source_rate: int
    rate: Fraction
    sample_rate: int
    channels: int
    first_frame: int  # timeline frame of chain frame 0
    before: int
    total: int

    def build(self, b: Builder, src: str, prefix: str) -> str:
        """Add the split, the stretched pieces and their crossfaded mix reading pad ``src``."""
        from .sound import samples_at

        sr, out_sr = self.source_rate, self.sample_rate
        pieces = _sound_pieces(self.clip, self.rate, self.before, self.total)
        secs = ramp_seconds(self.clip, self.rate, -self.before, self.total + 1)
        origin = samples_at(self.first_frame, self.rate, out_sr)
        edge = [samples_at(self.first_frame + j, self.rate, out_sr) - origin for j in range(self.total + 1)]
        at = [round((secs[j] - secs[0]) * sr) for j in range(self.total + 1)]  # source samples
        shortest = min(edge[j1] - edge[j0] for j0, j1 in pieces)
        x = min(_OVERLAP * out_sr // 1000, shortest // 2)  # fades of neighbouring joins never meet
        split = b.split(src, len(pieces), f"{prefix}s", "asplit")
        outs = []
        for i, (j0, j1) in enumerate(pieces):
            cross_in, cross_out = (x if i else 0), (x if i < len(pieces) - 1 else 0)
            steps = self._piece(at[j0], at[j1], at[-1], edge[j0], edge[j1] - edge[j0], cross_in, cross_out)
            outs.append(b.chain(split[i], f"{prefix}p{i}_", steps))
        mixed = outs[0]
        if len(outs) > 1:
            mixed = b.join("amix", f"inputs={len(outs)}:duration=longest:normalize=0", outs, f"{prefix}mix")
        return b.chain(
            mixed, f"{prefix}cat", [("apad", ""), ("atrim", f"end_sample={edge[-1]}"), ("asetpts", "N/SR/TB")]
        )

    def _piece(
        self, s0: int, s1: int, end: int, start: int, length: int, cross_in: int, cross_out: int
    ) -> list[Step]:
        """Source samples [s0, s1) stretched to ``length`` output samples placed at ``start``,
        fading in over ``cross_in`` either side of its first sample and out over ``cross_out``
        either side of its end."""
        from .sound import TEMPO_FLUSH, atempo_steps, project_format_steps

        sr, out_sr = self.source_rate, self.sample_rate
        tempo = Fraction(max(s1 - s0, 1), sr) / Fraction(length, out_sr)
        per_out = tempo * sr / out_sr  # source samples per output sample
        pre = min(_PREROLL * out_sr // 1000, start) if cross_in else 0
        a0 = max(0, s0 - round(pre * per_out))
        head = round((s0 - a0) / per_out)  # output samples before the piece's own first
        a1 = min(end, s1 + round(2 * cross_out * per_out)) if cross_out else max(s1, s0 + 1)
        lead = min(cross_in, head)
        steps: list[Step] = [
            ("atrim", f"start_sample={a0}:end_sample={a1}"),
            ("asetpts", "N/SR/TB"),
            ("apad", f"pad_dur={float(TEMPO_FLUSH)}"),  # flushes atempo's last window
            *atempo_steps(tempo),
            # in the project's layout: amix passes on a source's unknown one (a WAV without a
            # channel mask), which the resampler after it refuses
            *project_format_steps(out_sr, self.channels),
            ("atrim", f"start_sample={head - lead}:end_sample={head + length + cross_out}"),
            ("asetpts", "N/SR/TB"),
            ("apad", f"whole_len={lead + length + cross_out}"),
        ]
        if lead:  # half-sine fades sum to 1 where the pieces agree
            steps.append(("afade", f"t=in:ss=0:ns={2 * lead}:curve=hsin"))
        if cross_out:
            steps.append(("afade", f"t=out:ss={lead + length - cross_out}:ns={2 * cross_out}:curve=hsin"))
        if start - lead:
            steps.append(("adelay", f"delays={start - lead}S:all=1"))
        return steps


_OVERLAP = 8
"""Milliseconds either side of a join that two tempo pieces cross over."""
_PREROLL = 50
"""Milliseconds of sound a piece is stretched from before its own first sample, so the stretch has
settled (atempo fades in its first window) where the piece is heard."""
