"""The model's oracle: which source frame (and which sound) every output frame should carry.

Derived from the model's documented meaning only, never from render code:

- a clip at timeline frame ``s`` lasting ``n = round(duration / speed * rate)`` frames shows, at its
  own frame ``k``, the source instant ``source_range.start + k * speed / rate`` (exact fractions);
- sample-and-hold: the frame on screen at a source instant is the last frame whose time (from the
  stream's own start) is <= that instant, for constant and variable rates alike; the last frame holds;
- ``reverse`` plays the clip's own frames backwards (own frame ``k`` shows forward frame ``n-1-k``);
  ``freeze`` holds forward frame ``frame`` for the whole clip;
- a transition blends ``[cut - before, cut + after)`` (its handles: ``in_offset`` before the cut, else
  by its alignment; the cut is where ``to_clip`` starts, or ``from_clip`` ends when it fades to the
  empty track); those frames are not checked;
- a nested sequence's clip at ``s`` shows, at its own frame ``k``, what the sequence shows at its
  frame ``source_range.start + k`` (its empty parts are transparent), and sounds as it does;
- a track's trailing gap makes the timeline that much longer (background there);
- tracks stack bottom to top; a clip with the default transform covers the canvas (sources have the
  canvas's aspect); gaps on upper tracks are transparent; where nothing is, the black background
  shows, which reads as ``(0, 0)``;
- every video track's sound is mixed: a burst at source instant ``b`` sounds at timeline second
  ``s / rate + (b - source_range.start) / speed`` while the clip plays.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ._exact_media import Source

if TYPE_CHECKING:
    from timeline_lab.model import Clip, Project, Track, Transition

__all__ = [
    "BACKGROUND",
    "Expected",
    "Mismatch",
    "conform",
    "describe",
    "expect",
    "handles",
    "mismatches",
    "onsets",
    "sound_mismatches",
]

BACKGROUND = (0, 0)
ONSET_LEVEL = 0.1
"""Bursts are 0.5 full scale; the rest is silence (a lossy codec's pre-echo stays below this)."""
STRETCH = 2560
"""Slack (samples) for bursts of clips at another speed: atempo's window is 2048 samples at 48 kHz."""
GHOST = 4096
"""How far before a stretched burst a copy of its onset may sound (WSOLA reuses a window early)."""
MERGE = 1500
"""Expected bursts closer than this (samples) may sound as one onset, so the later is not checked."""
Code = tuple[int, int]


@dataclass(frozen=True)
class Shown:
    """What one output frame must show and why (for failure messages)."""

    code: Code | None
    """``(frame_index, tag)``; None inside a transition (a blend, not checked)."""
    why: str
    item: str = ""
    """The clip (or transition) on screen; empty for the background."""


@dataclass(frozen=True)
class Expected:
    """The oracle's answer for a whole timeline."""

    frames: tuple[Shown, ...]
    bursts: tuple[tuple[Fraction, str, bool], ...]
    """Timeline seconds at which a tone burst starts, where it comes from, and whether it was re-timed."""
    quiet: tuple[tuple[Fraction, Fraction], ...]
    """Timeline spans (seconds) where sound is not checked: crossfades, reversed or frozen clips."""
    heads: tuple[Fraction, ...]
    """Clip in points (seconds): a burst begun before one sounds cut off there, so an onset is allowed."""


@dataclass(frozen=True)
class Mismatch:
    """One output frame that is not what the model says."""

    frame: int
    expected: Shown
    got: Code | None
    """What the path produced; None when it produced no such frame."""

    def __str__(self) -> str:
        got = "no frame" if self.got is None else str(self.got)
        return f"frame {self.frame}: expected {self.expected.code} ({self.expected.why}), got {got}"


def conform(duration: Fraction, speed: Fraction, rate: Fraction) -> int:
    """Timeline frames a source span fills: nearest whole frame (halves up), at least one."""
    exact = duration / speed * rate
    return max(1, int((exact + Fraction(1, 2)) // 1))


def handles(tr: Transition, rate: Fraction) -> tuple[int, int]:
    """(frames after the cut, frames before it) that a transition blends."""
    frames = _nearest(tr.duration.to_seconds() * rate)
    if tr.in_offset is not None:
        before = min(frames, _nearest(tr.in_offset.to_seconds() * rate))
        return frames - before, before
    if tr.alignment == "start":
        return frames, 0
    if tr.alignment == "end":
        return 0, frames
    return frames - frames // 2, frames // 2


def _nearest(x: Fraction) -> int:
    return int((x + Fraction(1, 2)) // 1)


def _cut(tr: Transition, track: Track, rate: Fraction) -> int:
    """The timeline frame of a transition's cut."""
    by_id = {i.id: i for i in track.items}
    if tr.to_clip is not None:
        return _start(by_id[tr.to_clip], rate)
    return _end(by_id[str(tr.from_clip)], rate)


def _end(item: Any, rate: Fraction) -> int:
    return _start(item, rate) + _frames(item, rate)


def _frames(item: Any, rate: Fraction) -> int:
    """Timeline frames of a media clip, text or nested sequence's clip."""
    if hasattr(item, "source_range"):
        return conform(item.source_range.duration.to_seconds(), item.speed, rate)
    return _nearest(item.duration.to_seconds() * rate)


def _start(item: Any, rate: Fraction) -> int:
    s = item.start.to_seconds() * rate
    assert s.denominator == 1, f"clip {item.id} starts off the frame grid ({s})"
    return int(s)


def _own_frame(clip: Clip, k: int, n: int) -> int:
    """The forward frame that own frame ``k`` shows after the clip's timing effects."""
    for fx in clip.effects:
        if not fx.enabled:
            continue
        if fx.kind == "reverse":
            k = n - 1 - k
        elif fx.kind == "freeze":
            k = min(int(fx.params["frame"]), n - 1)
    return k


def _track_layer(
    track: Track, project: Project, total: int, sources: Mapping[Path, Source], name: str
) -> list[Shown | None]:
    """Per timeline frame: what this track shows (None = transparent)."""
    from timeline_lab.model import Clip, SequenceClip

    rate = project.settings.frame_rate
    layer: list[Shown | None] = [None] * total
    for item in track.items:
        if isinstance(item, SequenceClip) and item.enabled:
            inner = _picture(project.sequence(item.sequence), sources, f"{name} {item.id}>")
            s, first = _start(item, rate), _nearest(item.source_range.start.to_seconds() * rate)
            for k in range(_frames(item, rate)):
                layer[s + k] = inner[first + k]
            continue
        if not isinstance(item, Clip) or not item.enabled:
            continue
        src = sources[Path(item.media.path).resolve()]
        s, speed = _start(item, rate), item.speed
        n = conform(item.source_range.duration.to_seconds(), speed, rate)
        t0 = item.source_range.start.to_seconds()
        for k in range(n):
            t = t0 + _own_frame(item, k, n) * speed / rate
            i = src.frame_at(t)
            why = f"{name} {item.id} own frame {k}: {src.name} at {float(t):.4f}s"
            layer[s + k] = Shown((i, src.tag), why, item.id)
    for tr in track.transitions:
        cut = _cut(tr, track, rate)
        after, before = handles(tr, rate)
        for f in range(max(0, cut - before), min(total, cut + after)):
            layer[f] = Shown(None, f"{name} {tr.kind} transition [{cut - before}, {cut + after})", tr.id)
    return layer


def _length(project: Project) -> int:
    """Frames of a project: the end of its last item or trailing gap on an enabled video track."""
    rate = project.settings.frame_rate
    tracks = [t for t in project.tracks if t.kind == "video" and t.enabled]
    ends = [_end(i, rate) for t in tracks for i in t.items]
    tails = [
        max((_end(i, rate) for i in t.items), default=0) + _nearest(t.trailing_gap.to_seconds() * rate)
        for t in tracks
    ]
    return max(ends + tails, default=0)


def _picture(project: Project, sources: Mapping[Path, Source], name: str = "") -> list[Shown | None]:
    """What a project shows at each of its frames, top track first (None: nothing there)."""
    total = _length(project)
    tracks = [t for t in project.tracks if t.kind == "video" and t.enabled and t.items]
    layers = [_track_layer(t, project, total, sources, f"{name}V{n + 1}") for n, t in enumerate(tracks)]
    return [
        next((layer[f] for layer in reversed(layers) if layer[f] is not None), None) for f in range(total)
    ]


def expect(project: Project, sources: Mapping[Path, Source]) -> Expected:
    """What every output frame and every burst onset must be for ``project``."""

    frames = [
        shown or Shown(BACKGROUND, "nothing on any track: background") for shown in _picture(project, sources)
    ]
    bursts, quiet, heads = _sound(project, sources)
    return Expected(tuple(frames), tuple(sorted(bursts)), tuple(sorted(quiet)), tuple(sorted(heads)))


Sound = tuple[list[tuple[Fraction, str, bool]], list[tuple[Fraction, Fraction]], list[Fraction]]


def _sound(project: Project, sources: Mapping[Path, Source]) -> Sound:
    """(bursts with why and whether sped, intervals not specified, clip heads) of a project."""
    from timeline_lab.model import Clip, SequenceClip

    rate = project.settings.frame_rate
    tracks = [t for t in project.tracks if t.kind == "video" and t.enabled and t.items]
    bursts: list[tuple[Fraction, str, bool]] = []
    quiet: list[tuple[Fraction, Fraction]] = []
    heads: list[Fraction] = []
    for n, track in enumerate(t for t in tracks if not t.muted):
        for tr in track.transitions:
            cut = _cut(tr, track, rate)
            after, before = handles(tr, rate)
            quiet.append((Fraction(cut - before) / rate, Fraction(cut + after) / rate))
        for item in track.items:
            if isinstance(item, SequenceClip) and item.enabled:
                _nested_sound(project, item, sources, (bursts, quiet, heads))
                continue
            if not isinstance(item, Clip) or not item.enabled:
                continue
            src = sources[Path(item.media.path).resolve()]
            s, speed = _start(item, rate), item.speed
            n_frames = conform(item.source_range.duration.to_seconds(), speed, rate)
            at, t0 = Fraction(s) / rate, item.source_range.start.to_seconds()
            heads.append(at)
            if any(fx.enabled and fx.kind in ("reverse", "freeze") for fx in item.effects):
                quiet.append((at, at + Fraction(n_frames) / rate))  # their sound is not specified
                continue
            for b in src.bursts:
                tb = src.times[b]
                if t0 <= tb < t0 + n_frames * speed / rate:
                    why = f"V{n + 1} {item.id}: {src.name} burst at its frame {b} ({float(tb):.4f}s)"
                    bursts.append((at + (tb - t0) / speed, why, speed != 1))
    return bursts, quiet, heads


def _nested_sound(project: Project, item: Any, sources: Mapping[Path, Source], into: Sound) -> None:
    """A nested sequence's sound over the span its clip shows, moved to where the clip is."""
    rate = project.settings.frame_rate
    bursts, quiet, heads = _sound(project.sequence(item.sequence), sources)
    lo = item.source_range.start.to_seconds()
    hi, shift = lo + Fraction(_frames(item, rate)) / rate, Fraction(_start(item, rate)) / rate - lo
    into[0].extend((t + shift, f"{item.id}> {why}", sped) for t, why, sped in bursts if lo <= t < hi)
    into[1].extend((max(a, lo) + shift, min(b, hi) + shift) for a, b in quiet if a < hi and b > lo)
    into[2].extend([lo + shift, *(t + shift for t in heads if lo <= t < hi)])


def mismatches(expected: Expected, got: list[Code], frames: list[int] | None = None) -> list[Mismatch]:
    """Frames that differ; ``frames`` names which output frames ``got`` holds (default: all, in order)."""
    out = []
    if frames is None:
        frames = list(range(max(len(got), len(expected.frames))))
        got_at: dict[int, Code] = dict(enumerate(got))
    else:
        got_at = dict(zip(frames, got, strict=True))
    for f in frames:
        if f >= len(expected.frames):
            out.append(Mismatch(f, Shown(None, "past the timeline's end"), got_at.get(f)))
            continue
        want = expected.frames[f]
        if want.code is not None and got_at.get(f) != want.code:
            out.append(Mismatch(f, want, got_at.get(f)))
    return out


def describe(project: Project, sources: Mapping[Path, Source]) -> str:
    """The timeline as text: rate, tracks bottom first, every clip's span, source, range, speed, effects."""
    from timeline_lab.model import Clip

    rate = project.settings.frame_rate
    s = project.settings
    lines = [f"project {project.id} {s.width}x{s.height} @ {rate} fps ({float(rate):.6g})"]
    lines += ["  nested " + describe(q, sources).replace("\n", "\n  ") for q in project.sequences]
    tracks = [t for t in project.tracks if t.kind == "video" and t.enabled and t.items]
    for n, track in enumerate(tracks):
        lines.append(f"  V{n + 1}:")
        for item in sorted(track.items, key=lambda i: i.start):
            if not isinstance(item, Clip):
                span = f"[{_start(item, rate)}, {_end(item, rate)})"
                shows = f" shows {item.sequence} {item.source_range}" if hasattr(item, "sequence") else ""
                lines.append(f"    {span} {item.id}: {type(item).__name__}{shows}")
                continue
            src = sources[Path(item.media.path).resolve()]
            start = _start(item, rate)
            n_frames = conform(item.source_range.duration.to_seconds(), item.speed, rate)
            t0 = item.source_range.start.to_seconds()
            t1 = t0 + item.source_range.duration.to_seconds()
            fx = ", ".join(
                f.kind + (f"({f.params['frame']})" if f.kind == "freeze" else "") for f in item.effects
            )
            frames = f"from frame {src.frame_at(t0)}" + (" to the end" if t1 >= src.duration else "")
            lines.append(
                f"    [{start}, {start + n_frames}) {item.id} <- {src.label()}: source {t0} s .. {t1} s "
                f"({float(t0):.4f}..{float(t1):.4f}, {frames}) speed {item.speed}"
                + (f" fx {fx}" if fx else "")
            )
        for tr in track.transitions:
            after, before = handles(tr, rate)
            lines.append(
                f"    transition {tr.kind} {tr.duration.to_seconds() * rate} frames {tr.alignment} "
                f"in_offset {tr.in_offset}: "
                f"{tr.from_clip} -> {tr.to_clip} (blend {before} before / {after} after the cut)"
            )
    return "\n".join(lines)


def onsets(pcm: np.ndarray[Any, Any], gap: int) -> list[int]:
    """Sample indices where sound starts after at least ``gap`` samples below the threshold."""
    loud = np.flatnonzero(np.abs(pcm) > ONSET_LEVEL)
    if not len(loud):
        return []
    starts = [int(loud[0])]
    starts += [int(b) for a, b in itertools.pairwise(loud) if b - a > gap]
    return starts


def sound_mismatches(expected: Expected, found: list[int], sample_rate: int, tol: int) -> list[str]:
    """Bursts missing or misplaced by more than ``tol`` samples, and onsets the model never placed.

    A clip at another speed is time-stretched with pitch kept (WSOLA, ``atempo``, windows of 2048
    samples at 48 kHz placed by correlation): its bursts get ``STRETCH`` samples either way, and a
    faint copy of an onset up to ``GHOST`` samples before one is not counted as an extra burst.
    Sped up, WSOLA keeps only part of each window, so a 10 ms burst may be skipped whole: a
    stretched burst may be missing, but any onset of it must be where the model puts it.
    """
    sr = sample_rate

    def hushed(x: float) -> bool:
        return any(a * sr - tol <= x <= b * sr + tol for a, b in expected.quiet)

    want = [(float(t * sr), why, STRETCH if stretched else tol) for t, why, stretched in expected.bursts]
    out = []
    found_arr = np.asarray(found, dtype=np.float64)
    for n, (x, why, slack) in enumerate(want):
        if hushed(x) or (n and x - want[n - 1][0] < MERGE + slack):  # too close to tell apart: skip
            continue
        if slack > tol:
            continue  # may be skipped by the stretch; an onset of it elsewhere is caught below
        if not len(found_arr):
            out.append(f"burst expected at sample {x:.0f} ({why}): no sound at all")
            continue
        near = found_arr[np.argmin(np.abs(found_arr - x))]
        if abs(near - x) > slack:
            off = near - x
            out.append(f"burst expected at sample {x:.0f} ({why}): nearest onset {near:.0f} ({off:+.0f})")
    heads = [float(h * sr) for h in expected.heads]

    def placed(y: float) -> bool:
        for x, _, slack in want:
            ghost = GHOST if slack > tol else 0
            if x - slack - ghost <= y <= x + slack:
                return True
        return any(abs(y - h) <= tol for h in heads)

    for y in found:
        if not (hushed(y) or placed(y)):
            out.append(f"onset at sample {y} ({y / sr:.4f}s) where the model places no burst")
    return out
