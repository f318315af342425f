"""Per-clip and per-track sound chains: exact sample lengths, tempo, gain, fades, mixing."""

from __future__ import annotations

import math
from fractions import Fraction
from typing import TYPE_CHECKING

from ...media.channel_layout import unordered
from ...media.sound_clock import HOLE, hole_seconds
from ...model.keyframes import plays_backwards, sample
from ...model.speed_ramp import is_ramped
from ..encoding.encoders import layout_name
from .graph import q

if TYPE_CHECKING:
    from collections.abc import Iterable

    from ...media.probe import AudioStreamInfo
    from ...model.items import Clip
    from ...model.properties import Effect
    from ..plan import MeasuredLoudness
    from .graph import ChainItem, Step

__all__ = [
    "HOLE",
    "atempo_steps",
    "clip_sound_steps",
    "gain_envelope_steps",
    "gain_steps",
    "hole_seconds",
    "layout_name",
    "mix_steps",
    "nearest_sample",
    "project_format_steps",
    "sample_period",
    "samples_at",
    "silence_steps",
    "source_instant",
    "source_span",
]


TEMPO_FLUSH = Fraction(1, 10)
"""Seconds of silence after a speed-changed clip's sound, so atempo gives out all of it."""


def samples_at(frame: int, rate: Fraction, sample_rate: int) -> int:
    """Sample index where timeline ``frame`` begins; segment lengths are differences of these."""
    # round(frame / rate * sample_rate), half to even as Fraction rounds, in integers (three calls
    # per clip: Fraction arithmetic here was a tenth of compiling a long timeline)
    q, r = divmod(frame * sample_rate * rate.denominator, rate.numerator)
    twice = 2 * r
    return q + 1 if twice > rate.numerator or (twice == rate.numerator and q % 2) else q


def source_instant(
    at: Fraction, frame: int, rate: Fraction, sample_rate: int, speed: Fraction = Fraction(1)
) -> Fraction:
    """Source second heard at the first output sample of timeline ``frame``, where ``at`` is the
    source second at the frame's exact instant: that sample lies ``samples_at``'s rounding away from
    it, and the source moves by that times ``speed`` (negative: played backwards). Every piece of a
    split clip therefore starts on the source sample the whole clip plays there."""
    num, den = _instant(at, frame, rate, sample_rate, speed)
    return Fraction(num, den)


def source_span(
    start: Fraction,
    end: Fraction,
    first_frame: int,
    samples: int,
    rate: Fraction,
    sample_rate: int,
    source_rate: int,
    speed: Fraction,
    backwards: bool = False,
) -> tuple[int, int]:
    """Source samples ``[first, last)`` (at ``source_rate``) of a constant-speed clip read over source
    seconds ``[start, end)`` and heard over ``samples`` output samples from timeline ``first_frame``.

    Both ends are ``source_instant`` of the span's timeline sample boundaries, never rounded on
    their own: a split clip's pieces tile the source exactly (one piece's ``last`` is the next's
    ``first``) and each plays the samples the whole clip plays there. ``backwards`` (reverse): the
    source's end is heard at the span's first frame.
    """
    frames = round(Fraction(samples) * rate / sample_rate)  # exact: span sample counts differ by < 1
    a, b = (first_frame + frames, first_frame) if backwards else (first_frame, first_frame + frames)
    v = -speed if backwards else speed
    return _nearest(_instant(start, a, rate, sample_rate, v), source_rate), _nearest(
        _instant(end, b, rate, sample_rate, v), source_rate
    )


def _instant(at: Fraction, frame: int, rate: Fraction, sample_rate: int, speed: Fraction) -> tuple[int, int]:
    """``source_instant`` as (numerator, denominator > 0), in integers (it runs twice per clip)."""
    rn, rd, sn, sd = rate.numerator, rate.denominator, speed.numerator, speed.denominator
    off = samples_at(frame, rate, sample_rate) * rn - frame * rd * sample_rate  # rounding * sr * rn
    den = at.denominator * sample_rate * rn * sd
    return at.numerator * sample_rate * rn * sd + off * sn * at.denominator, den


def nearest_sample(at: Fraction, sample_rate: int) -> int:
    """The sample nearest to second ``at``, a half rounded up, as ``source_span`` rounds its ends
    (the smart render reads the sources where the full engine does)."""
    return _nearest((at.numerator, at.denominator), sample_rate)


def _nearest(instant: tuple[int, int], source_rate: int) -> int:
    """The sample nearest to the (numerator, denominator) instant, a half rounded up: moving an
    instant by whole samples moves its sample by as many (half to even would not, at a tie)."""
    num, den = instant
    return (2 * num * source_rate + den) // (2 * den)


def sample_period(rate: Fraction, sample_rates: Iterable[int]) -> int:
    """Frames after which every one of ``sample_rates`` is back on a whole sample: an excerpt
    starting on a multiple of it moves the sound of every clip by whole samples of each rate."""
    return math.lcm(1, *((Fraction(sr) / rate).denominator for sr in sample_rates))


def atempo_steps(speed: Fraction) -> list[Step]:
    """Tempo change in steps atempo accepts (0.5..100 each), pitch kept."""
    steps: list[Step] = []
    s = speed
    while s > 100:
        steps.append(("atempo", "100"))
        s /= 100
    while s < Fraction(1, 2):
        steps.append(("atempo", "0.5"))
        s *= 2
    if s != 1:
        steps.append(("atempo", f"{float(s):.12g}"))
    return steps


def clip_sound_steps(
    clip: Clip,
    stream: AudioStreamInfo,
    start: Fraction,
    end: Fraction,
    samples: int,
    rate: Fraction,
    sample_rate: int,
    channels: int,
    gain: float,
    own: tuple[int, int] | None = None,
    first_frame: int = 0,
) -> list[ChainItem]:
    """Absolute source seconds [start, end) of the clip's audio, ``samples`` long at the project rate.

    ``own`` is ``(offset, length)`` in output samples of the clip's own span within the handles of
    its transitions; reverse plays the whole of it backwards (as the picture does), the handles
    read mirrored (``[start, end)`` from before the in point by the handle after the clip), so they
    sound the source on past the span's ends.

    Times are given in seconds (not in the input's time base, which differs between PyAV and
    the ffmpeg CLI); an encoder delay the decoder stamps late is taken off first. Sound that
    starts after ``start`` (audio beginning after the video) is preceded by silence, so the
    clip stays in sync.
    """
    active = [fx for fx in clip.effects if fx.enabled]
    tempo: list[ChainItem] = [*atempo_steps(clip.speed)]
    if is_ramped(clip):
        from .ramp import RampSound

        before = round(Fraction(own[0] if own is not None else 0) * rate / sample_rate)  # handle frames
        frames = round(Fraction(samples) * rate / sample_rate)
        tempo = [
            RampSound(clip, stream.sample_rate, rate, sample_rate, channels, first_frame, before, frames)
        ]
    backwards = plays_backwards(clip)  # as the picture: two reverses play forwards
    span = None  # a ramp maps its own pieces (RampSound): its span's ends are the nearest samples
    if not is_ramped(clip):
        sr = stream.sample_rate
        span = source_span(start, end, first_frame, samples, rate, sample_rate, sr, clip.speed, backwards)
    steps = [
        *_tracks_steps(stream, channels),
        *_source_steps(clip, stream, start, end, sample_rate, channels, tempo, span),
    ]
    if backwards:
        steps += _reverse_steps(samples)
    keyed = "volume" in clip.keyframes
    if gain != 1 and not keyed:
        steps.append(("volume", f"{gain:.6g}"))
    # the pad's silence takes its times from the sound before it; when a tempo change left none
    # (a very short clip) they are garbage and a concat after fails: count the samples instead
    steps += [("apad", ""), ("atrim", f"end_sample={samples}"), ("asetpts", "N/SR/TB")]
    if keyed:
        steps += gain_envelope_steps(clip, samples, rate, sample_rate, channels, own)
    return steps + _fade_steps(
        active, own if own is not None else (0, samples), rate, sample_rate, first_frame
    )


def gain_envelope_steps(
    clip: Clip, samples: int, rate: Fraction, sample_rate: int, channels: int, own: tuple[int, int] | None
) -> list[Step]:
    """The keyframed volume as a per-sample gain (``aeval``): linear in amplitude between frames.

    At the first sample of each frame the gain is the model's value at that frame exactly; within
    a frame it runs linearly to the next frame's value (a linear or held segment is one piece).
    """
    from .animate import expression, pieces

    offset = own[0] if own is not None else 0
    before = round(Fraction(offset) * rate / sample_rate)  # handle frames before the clip's first
    total = max(1, round(Fraction(samples) * rate / sample_rate))
    # one value past the last frame: an eased last frame ramps to the next frame's value, as every
    # other frame does, so a split piece's last frame is heard as the whole clip's
    at = [max(0, offset + round(Fraction(k - before) * sample_rate / rate)) for k in range(total + 2)]
    ps = pieces(sample(clip, "volume", rate, -before, total + 1), at)
    gain = expression([p for p in ps if p.x0 < at[total]])
    exprs = "|".join(f"val({ch})*({gain})" for ch in range(channels))
    return [("aeval", f"exprs={exprs}:c=same"), ("aformat", "sample_fmts=fltp")]


def _source_steps(
    clip: Clip,
    stream: AudioStreamInfo,
    start: Fraction,
    end: Fraction,
    sample_rate: int,
    channels: int,
    tempo: list[ChainItem],
    span: tuple[int, int] | None = None,
) -> list[ChainItem]:
    """The source's samples [start, end) from time 0, at the clip's speed, in the project's format:
    ``span`` (``source_span``'s first and last sample) where given, else the nearest samples."""
    sr = stream.sample_rate
    first, last = span or (
        _rounded(start.numerator * sr, start.denominator),
        _rounded(end.numerator * sr, end.denominator),
    )
    delay = f"-{q(stream.delay)}/TB" if stream.delay else ""
    g = math.gcd(first, sr)
    at = str(first // g) if g == sr else f"{first // g}/{sr // g}"  # q(Fraction(first, sr))
    return [
        # round(): the expression is evaluated in doubles, where 7/25/TB at 1/48000 is 13440.000000000002
        # and truncating PTS minus it put the sound a sample early
        *([("asetpts", f"round(PTS{delay})")] if delay else []),
        # first / sr is correctly rounded, as float(Fraction(first, sr)) is
        ("atrim", f"start={first / sr:.9f}:end={last / sr:.9f}"),
        ("asetpts", f"round(PTS-{at}/TB)"),
        # any offset at the start, not only past 1 ms; later, a hole in the stream's times (dropped
        # packets) is silence from ``HOLE``, where the default waited for 0.1 s and every shorter
        # hole (an AAC packet is 21 ms) pulled the rest of the sound early
        ("aresample", f"{sr}:first_pts=0:min_comp=0:min_hard_comp={_hole(stream)}"),
        # atempo holds back its last window at the end of its input: silence after the clip's
        # last sample flushes it (sound from past the out point would leak in), the cut ends it
        *([("apad", f"pad_dur={float(TEMPO_FLUSH)}")] if clip.speed != 1 and not is_ramped(clip) else []),
        *tempo,
        *project_format_steps(sample_rate, channels),
    ]


def _tracks_steps(stream: AudioStreamInfo, channels: int) -> list[Step]:
    """A source of more than two channels that names none (a poly WAV: a recorder's tracks, no
    channel mask) mixed into the project's ``channels``, every track equally at 1/n, so the sum
    cannot clip: FFmpeg would take 6 of them as 5.1 and 10 as it guesses, and a stereo downmix
    dropped the LFE and extra tracks. As many tracks as the project's channels keep their places."""
    n = stream.channels
    if n <= 2 or not unordered(stream.layout):
        return []
    if n == channels:
        outs = [f"c{k}=c{k}" for k in range(n)]
    else:
        mix = "+".join(f"{1 / n:.6g}*c{k}" for k in range(n))
        outs = [f"c{k}={mix}" for k in range(channels)]
    return [("pan", "|".join([layout_name(channels), *outs]))]


def project_format_steps(sample_rate: int, channels: int) -> list[Step]:
    """Sound resampled into the project's rate, float planar samples and layout: a source without a
    channel mask (a 16-bit or mono WAV) has none, which aresample refuses unless aformat names one."""
    return [("aresample", str(sample_rate)), _project_format(sample_rate, channels)]


def _project_format(sample_rate: int, channels: int) -> Step:
    """``aformat`` pinning the project's sample format, rate and layout."""
    return ("aformat", f"sample_fmts=fltp:sample_rates={sample_rate}:channel_layouts={layout_name(channels)}")


def _hole(stream: AudioStreamInfo) -> str:
    """``hole_seconds`` as aresample's ``min_hard_comp``."""
    return f"{float(hole_seconds(stream.time_base)):.6f}"


def _reverse_steps(samples: int) -> list[Step]:
    """The chain's ``samples`` played backwards, handles included (read mirrored around the span)."""
    return [
        ("asetpts", "N/SR/TB"),
        ("atrim", f"end_sample={samples}"),
        ("apad", f"whole_len={samples}"),  # short sound still ends where the clip ends, reversed
        ("areverse", ""),
        ("asetpts", "N/SR/TB"),
    ]


def _fade_steps(
    active: list[Effect], own: tuple[int, int], rate: Fraction, sample_rate: int, first_frame: int
) -> list[Step]:
    """Fade-ins and fade-outs on the frames the picture fades (``effects.fade_steps``): within the
    clip's ``own`` span, not its transition handles, which stay silent past the fade as the
    picture stays black; each edge is a timeline frame's first sample."""
    offset, length = own
    origin = samples_at(first_frame, rate, sample_rate)  # sample 0 of the chain
    before = round(Fraction(offset) * rate / sample_rate)  # handle frames
    frames = round(Fraction(length) * rate / sample_rate)
    steps: list[Step] = []
    for fx in active:
        if fx.kind in ("fade_in", "fade_out"):
            n = min(int(fx.params["frames"]), frames)
            a = before if fx.kind == "fade_in" else before + frames - n
            ss = samples_at(first_frame + a, rate, sample_rate) - origin
            ns = samples_at(first_frame + a + n, rate, sample_rate) - origin - ss
            steps.append(("afade", f"t={'in' if fx.kind == 'fade_in' else 'out'}:ss={ss}:ns={ns}"))
    return steps


def _rounded(num: int, den: int) -> int:
    """``round(Fraction(num, den))`` (half to even) for ``den > 0``, without building the Fraction."""
    q, r = divmod(num, den)
    twice = 2 * r
    return q + 1 if twice > den or (twice == den and q % 2) else q


TRUE_PEAK = -1.5
"""dBTP a normalised mix may reach (EBU R128's delivery ceiling, and loudnorm's default)."""


def gain_steps(gain: float, limited: bool, sample_rate: int) -> list[Step]:
    """``gain`` dB, then (``limited``) a true-peak limiter at ``TRUE_PEAK``, run at 4x the rate as
    true peaks are measured."""
    steps: list[Step] = [("volume", f"{gain:.3f}dB")]
    if limited:
        ceiling = f"limit={10 ** (TRUE_PEAK / 20):.4f}:attack=1:release=100:level=0:latency=1"
        steps += [("aresample", str(4 * sample_rate)), ("alimiter", ceiling), ("aresample", str(sample_rate))]
    return steps


def silence_steps(samples: int, sample_rate: int, channels: int) -> list[Step]:
    """Exactly ``samples`` of silence in the project layout."""
    return [
        ("anullsrc", f"r={sample_rate}:cl={layout_name(channels)}"),
        ("atrim", f"end_sample={samples}"),
    ]


def mix_steps(
    loudnorm: bool, target: float, sample_rate: int, channels: int, measured: MeasuredLoudness | None = None
) -> list[Step]:
    """After amix: a limiter so sums never clip, optional EBU R128 normalisation, project layout.

    Normalisation of a ``measured`` mix is its gain (``gain_steps``); unmeasured, FFmpeg's one-pass
    ``loudnorm``, which adapts as it goes and misses the target by a LU or more.
    """
    steps: list[Step] = [("alimiter", "limit=0.97:attack=5:release=50:level=0:latency=1")]
    if loudnorm and measured is not None:
        steps += gain_steps(measured.gain, measured.limited, sample_rate)
    elif loudnorm:
        steps += [("loudnorm", f"I={target:.3g}:TP={TRUE_PEAK:g}:LRA=11"), ("aresample", str(sample_rate))]
    return [*steps, _project_format(sample_rate, channels)]
