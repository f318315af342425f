"""The smart render's sound as samples: any span of the timeline, by the full engine's rules.

Why: the cut windows re-encode only a second or so around each cut, so the timeline's samples must be
reachable at any position, exactly as a whole-track pass gives them: each item trimmed by pts, scaled
by its volume, gaps silent, every item exactly its share long.
"""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Generator, Iterator
from fractions import Fraction
from typing import TYPE_CHECKING, Any, cast

import av
import numpy as np

from ...media.channel_layout import standard_layout
from ...media.sound_arrays import from_planes, to_planes
from ...media.sound_shape import SoundShape
from ..compile.sound import hole_seconds, layout_name, nearest_sample
from ._demux import only
from .plan import Piece, Plan

if TYPE_CHECKING:
    from av.audio.frame import AudioFrame
    from av.audio.stream import AudioStream
    from av.container import InputContainer

_Samples = np.ndarray[Any, np.dtype[np.float32]]
LIMITER_SETTLE = Fraction(1)
"""Seconds of sound run through the limiter before a window: many times its attack and release,
so its gain is where a run from the timeline's start leaves it."""
LIMITER_AHEAD = Fraction(1, 10)
"""Seconds of sound after a window given to the limiter: more than it looks ahead (its attack)."""
SETTLE = Fraction(2, 5)
"""Seconds decoded before a span's first sample: AAC needs the frame before (its overlap), Opus
about 0.4 s until its output is the same, to 1e-6, as a decode from the file's start."""


def total_samples(plan: Plan) -> int:
    """The output's sample count: the items' shares add up to the timeline's length."""
    return sum(p.samples for p in plan.pieces)


def offsets(plan: Plan) -> list[int]:
    """The output sample at which each piece starts."""
    out, pos = [], 0
    for piece in plan.pieces:
        out.append(pos)
        pos += piece.samples
    return out


def audio_chunks(plan: Plan) -> Generator[_Samples, None, None]:
    """Planar float samples of the whole timeline, item by item, each exactly its share long."""
    yield from pcm_range(plan, 0, total_samples(plan))


def sound_range(plan: Plan, a: int, b: int) -> Generator[_Samples, None, None]:
    """Samples [a, b) of the output's sound: the timeline's, through the full engine's limiter
    where its mix runs them through it (``plan.master``)."""
    if not plan.master:
        yield from pcm_range(plan, a, b)
        return
    sr, total = plan.sample_rate, total_samples(plan)
    # the limiter's state settles on the sound before the window as a run from 0 leaves it (exactly,
    # once its gain has recovered), and it looks ahead past the window's end
    lo, hi = max(0, a - round(LIMITER_SETTLE * sr)), min(total, b + round(LIMITER_AHEAD * sr))
    skip, left = a - lo, b - a
    for arr in _through(plan, pcm_range(plan, lo, hi)):
        if skip >= arr.shape[1]:
            skip -= arr.shape[1]
            continue
        part = arr[:, skip : skip + left]
        skip, left = 0, left - part.shape[1]
        yield part
        if left <= 0:
            return


def _through(plan: Plan, chunks: Iterator[_Samples]) -> Generator[_Samples, None, None]:
    """Planar float chunks through ``plan.master`` in one libavfilter graph, sample for sample."""
    sr, layout = plan.sample_rate, layout_name(plan.channels)
    g = av.filter.Graph()
    last = src = g.add_abuffer(
        format="flt", sample_rate=sr, layout=layout, time_base=Fraction(1, sr)
    )  # from_planes'
    for name, args in plan.master:
        node = g.add(name, args)
        last.link_to(node)
        last = node
    sink = g.add("abuffersink")
    last.link_to(sink)
    g.configure()
    pos = 0
    for arr in itertools.chain(chunks, [None]):
        if arr is None:
            src.push(None)
        else:
            src.push(from_planes(arr, layout, sr, pos))
            pos += arr.shape[1]
        while True:
            try:
                out = sink.pull()
            except (av.BlockingIOError, av.EOFError):
                break
            yield _planes(cast("AudioFrame", out))


def pcm_range(plan: Plan, a: int, b: int) -> Generator[_Samples, None, None]:
    """Planar float samples [a, b) of the timeline, exactly ``b - a`` of them, in chunks."""
    for piece, o0 in zip(plan.pieces, offsets(plan), strict=True):
        lo, hi = max(a, o0), min(b, o0 + piece.samples)
        if lo >= hi:
            continue
        left = hi - lo
        if piece.audio is not None:
            with contextlib.closing(_clip_audio(piece, plan, lo - o0)) as source:
                for arr in source:
                    part = np.ascontiguousarray(arr[:, :left] * np.float32(piece.volume), np.float32)
                    left -= part.shape[1]
                    yield part
                    if left <= 0:
                        break
        while left > 0:
            n = min(left, 48000)
            left -= n
            yield np.zeros((plan.channels, n), np.float32)


def _clip_audio(piece: Piece, plan: Plan, skip: int = 0) -> Generator[_Samples, None, None]:
    """The clip's source samples from ``skip`` (output samples into it) to its end, in the project
    layout and rate (placed by pts as ``_trimmed`` says)."""
    assert piece.path is not None and piece.audio is not None
    with av.open(str(piece.path), metadata_errors="replace") as c:
        st = cast("AudioStream", c.streams[piece.audio])  # the plan found an audio stream there
        only(c, st)
        standard_layout(st, piece.path)
        sr, tb = st.codec_context.sample_rate, st.time_base
        assert tb is not None  # every demuxed stream has one
        start = nearest_sample(piece.audio_from, sr)
        a0 = start + round(Fraction(skip * sr, plan.sample_rate))
        a1 = nearest_sample(piece.audio_from + Fraction(piece.samples, plan.sample_rate), sr)
        # where the clip's sound starts, for a window inside it to run on from there (read on its
        # own: a decoder that has run on ahead does not restart clean after a seek back)
        anchor = _anchor(piece, start) if skip else None
        _seek(c, st, a0, sr)
        yield from _trimmed(c.decode(st), tb, sr, a0, a1, plan, anchor)


def _anchor(piece: Piece, start: int) -> int | None:
    """Where the frame that holds the clip's first source sample ``start`` ends (by its pts)."""
    assert piece.path is not None and piece.audio is not None
    with av.open(str(piece.path), metadata_errors="replace") as c:
        st = cast("AudioStream", c.streams[piece.audio])
        only(c, st)
        standard_layout(st, piece.path)
        sr, tb = st.codec_context.sample_rate, st.time_base
        assert tb is not None  # every demuxed stream has one
        _seek(c, st, start, sr)
        for frame in c.decode(st):
            assert frame.pts is not None  # decoded sound keeps its packet's time
            end = round(frame.pts * tb * sr) + frame.samples
            if end > start:
                return end
    return None


def _seek(c: InputContainer, st: AudioStream, at: int, sr: int) -> None:
    """To ``SETTLE`` before source sample ``at``, so its frames decode as a run from the start does
    (nearer the start, not at all: a seek to 0 passes over the priming packet stamped before it)."""
    assert st.time_base is not None  # every demuxed stream has one
    if Fraction(at, sr) > SETTLE:
        c.seek(round((Fraction(at, sr) - SETTLE) / st.time_base), stream=st, backward=True)


def _trimmed(
    frames: Iterator[AudioFrame],
    tb: Fraction,
    sr: int,
    a0: int,
    a1: int,
    plan: Plan,
    anchor: int | None = None,
) -> Generator[_Samples, None, None]:
    """Source samples [a0, a1) of decoded frames, placed by pts from the first on, then run on as
    the full engine's aresample runs them: a frame within ``hole_seconds`` of the samples before it
    follows them (a phone's jittered audio clock), a wider hole is silence, a wider overlap is
    dropped.

    ``anchor``: where the clip's first frame ends, when [a0, a1) starts inside the clip: frames are
    then put where running on from it puts them (whole frames later, within ``hole_seconds``), so a
    window joins the sound before it as the full engine's single run does.
    """
    layout = SoundShape("fltp", plan.layout, sr)
    rerate = av.AudioResampler(format="fltp", layout=plan.layout, rate=plan.sample_rate)
    pos = a0  # the next sample the clip needs
    hard, placed = round(hole_seconds(tb) * sr), False  # the full engine's aresample min_hard_comp
    for frame in frames:
        assert frame.pts is not None  # decoded sound keeps its packet's time
        s = round(frame.pts * tb * sr)
        if not placed and anchor is not None:
            grid = anchor + round(Fraction(s - anchor, frame.samples)) * frame.samples  # sizes stay
            s = grid if abs(grid - s) <= hard else s
        if not placed and s + frame.samples <= a0:
            continue
        if placed and abs(s - pos) <= hard:
            s = pos
        placed = True
        if s >= a1:
            break
        arr = np.concatenate([to_planes(f) for f in layout.resample(frame)], axis=1)
        if s > pos:
            arr = np.concatenate([np.zeros((arr.shape[0], s - pos), np.float32), arr], axis=1)
            s = pos
        arr = arr[:, max(0, a0 - s, pos - s) : a1 - s]
        pos += arr.shape[1]
        if sr == plan.sample_rate:
            yield arr
            continue
        yield from (_planes(f) for f in rerate.resample(from_planes(arr, plan.layout, sr)))
    if sr != plan.sample_rate:
        yield from (_planes(f) for f in rerate.resample(None))


def _planes(frame: AudioFrame) -> _Samples:
    """A resampled frame's samples (fltp: float32 planes, which the stub's union does not say)."""
    return cast("_Samples", to_planes(frame))
