"""Two-pass loudness normalisation: the first pass renders the timeline's mix and measures it.

FFmpeg's ``loudnorm`` in one pass cannot know the whole programme's loudness: it adapts as it
goes and lands a LU or more off the target (louder than asked on speech already on target; 6 LU
short on quiet speech with loud plosives, where its dynamic mode compresses). Measured first, the
mix gets one gain to the target. Where that gain would take a true peak above -1.5 dBTP, a
limiter follows it, and the gain is found again on the measured mix through that limiter (a few
passes over the sound alone), since limiting takes some loudness back. The measurement is of the
whole timeline, so a range render is an excerpt of the whole render, and the printed ffmpeg
command carries the same gain.
"""

from __future__ import annotations

import itertools
import logging
import math
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from fractions import Fraction
from pathlib import Path

import av
from av.audio.frame import AudioFrame

from ..errors import RenderError
from .compile.graph import Step
from .compile.sound import TRUE_PEAK, gain_steps
from .execute.runner import execute
from .plan import ExportSettings, MeasuredLoudness, RenderPlan

__all__ = ["measure_file", "with_measured_loudness"]

log = logging.getLogger(__name__)

_TRIES = 5
"""Gain searches through the limiter (each one pass over the mix's sound)."""

_MAX_EXTRA = 12.0
"""dB of gain beyond the plain difference the search may try (more only crushes the sound)."""

_NOTE = 0.5
"""LU off the target past which the render says so."""

_CLOSE = 0.05
"""LU from the target at which the search stops."""

Compile = Callable[[ExportSettings], RenderPlan]
"""Compiles the whole timeline with these export settings (the caller's project and effects)."""


def with_measured_loudness(export: ExportSettings, compile_whole: Compile) -> ExportSettings:
    """``export`` with the mix measured, where it normalises loudness and has not been measured yet.

    A silent mix is left to loudnorm's own pass (no gain can bring silence to a loudness).
    """
    if not export.loudnorm or export.loudness_measured is not None:
        return export
    with tempfile.TemporaryDirectory(prefix="tl-loudness-") as tmp:
        mix = ExportSettings(path=Path(tmp) / "mix.wav", format="audio-wav-float", chapters="none")
        plan = compile_whole(mix)
        if plan.audio_out is None:
            return export
        mix_file = execute(plan)
        level = measure_file(mix_file)
        if level is None:
            return export
        measured = _gain_for(mix_file, level, export.loudness_target)
    return replace(export, loudness_measured=measured)


def _gain_for(mix: Path, level: _Level, target: float) -> MeasuredLoudness:
    """The gain that lands ``mix`` on ``target``: the difference, or searched through the limiter.

    Through the limiter, loudness grows with the gain but less than it: a secant search from the
    plain difference, keeping the gain that came closest (a note says where it stays short).
    """
    gain = target - level.integrated
    limited = level.true_peak + gain > TRUE_PEAK
    if not limited:
        return MeasuredLoudness(level.integrated, level.true_peak, level.lra, round(gain, 3), False)
    tried: list[tuple[float, float]] = []  # (gain, loudness reached)
    for _ in range(_TRIES):
        reached = measure_file(mix, gain_steps(gain, True, level.rate))
        if reached is None:
            break
        tried.append((gain, reached.integrated))
        if abs(target - reached.integrated) <= _CLOSE:
            break
        step = target - reached.integrated
        if len(tried) > 1 and tried[-1][1] != tried[-2][1]:
            slope = (tried[-1][1] - tried[-2][1]) / (tried[-1][0] - tried[-2][0])
            step /= max(slope, 0.1)
        gain = min(gain + step, target - level.integrated + _MAX_EXTRA)
    best = min(tried, key=lambda t: abs(target - t[1]), default=(gain, target))
    if abs(target - best[1]) > _NOTE:
        log.warning(
            "loudness: the mix (%.1f LUFS, true peak %.1f dBTP) reaches %.1f LUFS, not %.1f: the limiter "
            "that keeps its peaks under %.1f dBTP takes back the rest of the gain",
            level.integrated, level.true_peak, best[1], target, TRUE_PEAK,
        )  # fmt: skip
    return MeasuredLoudness(level.integrated, level.true_peak, level.lra, round(best[0], 3), True)


@dataclass(frozen=True)
class _Level:
    """A sound file's EBU R128 readings."""

    integrated: float
    true_peak: float
    lra: float
    rate: int


def measure_file(path: Path, steps: Sequence[Step] = ()) -> _Level | None:
    """EBU R128 loudness (integrated, true peak, range) of a sound file after ``steps`` (None: silent)."""
    try:
        with av.open(str(path)) as container:
            stream = container.streams.audio[0]
            meter = _Meter(stream.rate, stream.layout.name, stream.format.name, steps)
            for frame in container.decode(stream):
                meter.push(frame)
            meter.push(None)
    except (av.FFmpegError, IndexError) as exc:
        raise RenderError(f"{path}: cannot measure its loudness ({exc})") from None
    return meter.result(stream.rate)


class _Meter:
    """``abuffer -> steps -> ebur128 (true peak) -> abuffersink``; its last frame's tags are the whole's."""

    def __init__(self, rate: int, layout: str, fmt: str, steps: Sequence[Step]) -> None:
        self.graph = av.filter.Graph()
        tb = Fraction(1, rate)
        chain = [self.graph.add_abuffer(format=fmt, sample_rate=rate, layout=layout, time_base=tb)]
        chain += [self.graph.add(name, args) for name, args in steps]
        chain += [self.graph.add("ebur128", "peak=true:metadata=1"), self.graph.add("abuffersink")]
        for a, b in itertools.pairwise(chain):
            a.link_to(b)
        self.graph.configure()
        self.tags: dict[str, str] = {}

    def push(self, frame: AudioFrame | None) -> None:
        self.graph.push(frame)
        while True:
            try:
                out = self.graph.pull()
            except (av.BlockingIOError, av.EOFError):
                return
            if isinstance(out, AudioFrame) and "lavfi.r128.I" in out.metadata:
                self.tags = dict(out.metadata)

    def result(self, rate: int) -> _Level | None:
        try:
            integrated = float(self.tags["lavfi.r128.I"])
            peak = float(self.tags["lavfi.r128.true_peak"])
            lra = float(self.tags["lavfi.r128.LRA"])
        except (KeyError, ValueError):
            return None
        if not math.isfinite(integrated) or integrated <= -70 or peak <= 0:
            return None  # below the absolute gate: silence
        return _Level(integrated, 20 * math.log10(peak), lra if math.isfinite(lra) else 0.0, rate)
