"""Automatic ducking: music turned down under dialogue, written as volume keyframes one can edit.

Where the dialogue speaks comes from its EBU R128 momentary loudness (``signals(path,
["loudness"])``, a 400 ms window): a span starts where the loudness first rises above the
threshold and ends 400 ms before it falls back (the window still holds the last words until then);
pauses shorter than the window stay ducked. The music clips' ``volume`` keyframes become an
envelope linear in amplitude: from the clip's volume down to ``volume * 10**(amount_db/20)`` over
``attack`` frames ending where the dialogue starts, back up over ``release`` frames from where it
ends. The whole duck is one undoable group; it replaces the music clips' volume curves.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from fractions import Fraction
from typing import TYPE_CHECKING

from ..errors import ProjectError
from ..model.items import Clip
from ..model.keyframe_ops import set_keyframes
from ..model.keyframes import Keyframe, keyframe_time, plays_backwards
from ._loudness import MOMENTARY
from .signals import signals

if TYPE_CHECKING:
    import polars as pl

    from ..model.project import Project
    from ..model.track import Track

__all__ = ["MOMENTARY_WINDOW", "duck", "speech_spans"]

MOMENTARY_WINDOW = MOMENTARY
"""Seconds of sound in one EBU R128 momentary loudness value."""
ABSOLUTE_GATE = -70.0
"""LUFS below which nothing counts as speech (EBU R128's absolute gate): a silent or hissing
dialogue track ducks nothing, however far below its own peak the threshold falls."""


def _track(project: Project, key: str) -> Track:
    for t in project.tracks:
        if key in (t.id, t.name):
            return t
    raise ProjectError(f"duck: no track with id or name {key!r}")


def _loud_spans(table: pl.DataFrame, threshold: float) -> list[tuple[float, float]]:
    """Media-second spans the sound is above ``threshold`` LUFS, each as wide as the speech may be:
    from the last quiet measurement before it (the window that first holds speech ends after its
    start) to a window before the first quiet one after it (that window holds none of it)."""
    spans: list[tuple[float, float]] = []
    start: float | None = None
    before: float | None = None  # the time of the row before this one
    window = float(MOMENTARY_WINDOW)
    for t, m in table.select("t", "momentary").iter_rows():
        loud = m is not None and m > threshold
        if loud and start is None:  # (a row within the first window measured too little to say)
            start = before if before is not None and before >= window else max(0.0, t - window)
        if not loud and start is not None:
            spans.append((start, max(start, t - window)))
            start = None
        before = t
    if start is not None and before is not None:
        spans.append((start, before))
    return spans


def speech_spans(
    project: Project, under: Sequence[str], threshold_lufs: float | None = None, below_peak_db: float = 20
) -> list[tuple[int, int]]:
    """Timeline frame spans ``[start, end)`` where the clips on the ``under`` tracks are loud.

    ``threshold_lufs`` None: ``below_peak_db`` under the loudest momentary value of the dialogue, and
    never below ``ABSOLUTE_GATE``. Each clip is measured in the audio stream it plays.
    """
    rate = project.settings.frame_rate
    clips = [i for key in under for i in _track(project, key).items if isinstance(i, Clip) and i.enabled]
    heard = [c for c in clips if c.media.has_audio]
    tables = {
        _sound(c): signals(c.media.path, ["loudness"], audio_stream=c.media.audio_stream) for c in heard
    }
    if threshold_lufs is None:
        values = [v for tb in tables.values() for v in tb["momentary"].to_list() if v is not None]
        finite = [float(v) for v in values if math.isfinite(v)]
        threshold_lufs = max(max(finite) - below_peak_db if finite else ABSOLUTE_GATE, ABSOLUTE_GATE)
    out: list[tuple[int, int]] = []
    for c in heard:
        first = c.timeline_range(rate).start.to_frames(rate)
        for a, b in _loud_spans(tables[_sound(c)], threshold_lufs):
            fa, fb = c.frames_showing(Fraction(a), Fraction(b), rate)  # at its speed (or ramp)
            if plays_backwards(c):  # as its sound plays (a freeze holds the picture only)
                n = c.frames(rate)
                fa, fb = n - fb, n - fa
            if fb > fa:
                out.append((first + fa, first + fb))
    return _merged(sorted(out), 0)


def _sound(clip: Clip) -> tuple[str, int | None]:
    """The file and audio stream a clip plays."""
    return clip.media.path, clip.media.audio_stream


def _merged(spans: list[tuple[int, int]], gap: int) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for a, b in spans:
        if out and a - out[-1][1] <= gap:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def _envelope(spans: list[tuple[int, int]], attack: int, release: int, low: float) -> list[tuple[int, float]]:
    """(timeline frame, gain) corners: 1 before each ramp down, ``low`` under the speech."""
    points: list[tuple[int, float]] = []
    for a, b in _merged(spans, attack + release):
        points += [(a - attack, 1.0), (a, low), (b, low), (b + release, 1.0)]
    return points


def _gain(points: list[tuple[int, float]], frame: int) -> float:
    """The envelope (linear between corners, 1 outside) at a timeline frame."""
    for (fa, va), (fb, vb) in itertools.pairwise(points):
        if fa <= frame <= fb:
            return va if fb == fa else va + (vb - va) * (frame - fa) / (fb - fa)
    return 1.0


def duck(
    project: Project,
    music_track: str,
    under: Sequence[str],
    *,
    amount_db: float = -12.0,
    attack: int = 6,
    release: int = 12,
    threshold_lufs: float | None = None,
) -> list[Clip]:
    """Duck the music on ``music_track`` by ``amount_db`` wherever the ``under`` tracks speak.

    Tracks are named by id or name. ``attack``/``release`` are frames of ramp before the speech
    starts and after it ends. Returns the music clips as they are after the (one, undoable) edit.
    """
    if amount_db > 0:
        raise ProjectError(f"duck: amount_db must be <= 0 (got {amount_db})")
    if attack < 1 or release < 1:
        raise ProjectError(f"duck: attack and release are at least one frame (got {attack}, {release})")
    rate = project.settings.frame_rate
    track = _track(project, music_track)
    low = 10 ** (amount_db / 20)
    points = _envelope(speech_spans(project, under, threshold_lufs), attack, release, low)
    music = [i for i in track.items if isinstance(i, Clip) and i.media.has_audio]
    with project.group(f"duck {track.name or track.id}"):
        for clip in music:
            first, n = clip.timeline_range(rate).start.to_frames(rate), clip.frames(rate)
            frames = sorted({0, n - 1, *(f - first for f, _ in points if 0 <= f - first < n)})
            kfs = [
                Keyframe(
                    time=keyframe_time(clip, f, rate), value=min(16.0, clip.volume * _gain(points, first + f))
                )
                for f in frames
            ]
            if all(k.value == clip.volume for k in kfs):
                kfs = []  # nothing under this clip: no curve
            set_keyframes(track, clip.id, "volume", kfs)
    return [i for i in track.items if isinstance(i, Clip) and i.id in {c.id for c in music}]
