"""Shot boundaries from small sampled frames: pure numpy, no I/O, no fixed difference threshold.

Every decision is relative to the video itself: a cut is a frame difference several times the
rolling upper quartile around it (film with motion has a high median, a screen recording a near-zero
one), a dissolve is a long-range change that the frames between explain as a linear blend of its
two ends, and a fade is a monotone luma ramp into or out of black (or white) frames.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

__all__ = ["Boundary", "Features", "find_boundaries", "tightened"]

F32 = np.ndarray[Any, np.dtype[np.float32]]
U8 = np.ndarray[Any, np.dtype[np.uint8]]

WINDOW = 8  # frames each side of the rolling median
CUT_RATIO = 3.0  # a cut's difference over the rolling median
NOISE = 0.5  # levels: the smallest median a ratio is taken against (static screens)
MIN_JUMP = 3.0  # levels: smaller changes are edits of a screen, not new shots
FLASH_LOOKAHEAD = 4  # frames after a jump in which a return to the old picture makes it a flash
HALF_WINDOWS = (4, 8, 12, 16)  # half-lengths of the windows a dissolve is looked for in
MIN_GRADUAL = 6.0  # levels of change across a dissolve
SHOT_RATIO = 2.0  # a dissolve's change over that of the same window inside the shots beside it
LINEAR_RESIDUAL = 0.3  # largest residual of the blend fit, relative to the change it explains
BLACK_LEVEL = 32  # luma at or below which a sample is black (limited or full range)
BLACK_SHARE = 0.98  # share of black samples that makes a frame black
WHITE_LEVEL = 219  # luma at or above which a sample is white (as far below 235 as black is above 16)
RAMP_STEP = 0.3  # levels per frame a fade's mean luma must move by
GROW, GROW_TIMES = 4, 6  # frames a dissolve's window grows by on a side where it still blends, times
GROW_PACE = 0.75  # ... where t's last step there is this share of its typical step in the middle
CHUNK = 256  # frames converted to float32 at once (a whole film's copy would be gigabytes)


@dataclass(frozen=True)
class Features:
    """Per-frame analysis inputs: block images (motion-tolerant), fine images, luma, black, white.

    ``fine`` is each frame's samples (Y, then U, then V) as decoded, uint8: the blend fits read a
    window of it at a time, as float32 (a float copy of every frame was four times its size)."""

    blocks: F32
    fine: U8
    luma: F32
    black: np.ndarray[Any, np.dtype[np.bool_]]
    white: np.ndarray[Any, np.dtype[np.bool_]]

    @classmethod
    def from_planes(
        cls, y: np.ndarray[Any, Any], u: np.ndarray[Any, Any], v: np.ndarray[Any, Any]
    ) -> Features:
        """Features of frames stacked as (n, h, w) uint8 planes."""
        n = y.shape[0]
        rows = np.concatenate([p.reshape(n, -1) for p in (y, u, v)], axis=1).astype(np.uint8, copy=False)
        return cls.from_rows(rows, [p.shape[1:] for p in (y, u, v)])

    @classmethod
    def from_rows(cls, rows: U8, shapes: Sequence[tuple[int, ...]]) -> Features:
        """Features of frames given as rows of their Y, U and V samples (of ``shapes``), uint8."""
        n, sizes = len(rows), [int(np.prod(s)) for s in shapes]
        edges = np.cumsum([0, *sizes])
        blocks = np.empty((0, 0), np.float32)
        luma = np.empty(n, np.float32)
        black, white = np.empty(n, bool), np.empty(n, bool)
        for c in range(0, max(n, 1), CHUNK):  # a chunk at a time (float copies of a film are gigabytes)
            part = rows[c : c + CHUNK].astype(np.float32)
            cuts = zip(edges[:-1], edges[1:], shapes, strict=True)
            planes = [part[:, a:b].reshape(-1, *s) for a, b, s in cuts]
            piece = np.concatenate([_blocks(p, k) for p, k in zip(planes, (4, 2, 2), strict=True)], axis=1)
            if c == 0:
                blocks = np.empty((n, piece.shape[1]), np.float32)
            blocks[c : c + CHUNK] = piece
            y = rows[c : c + CHUNK, : sizes[0]]
            luma[c : c + CHUNK] = part[:, : sizes[0]].mean(axis=1, dtype=np.float32)
            black[c : c + CHUNK] = (y <= BLACK_LEVEL).mean(axis=1) >= BLACK_SHARE
            white[c : c + CHUNK] = (y >= WHITE_LEVEL).mean(axis=1) >= BLACK_SHARE
            del part, planes, piece  # (before the next chunk's are made)
        return cls(blocks, rows, luma, black, white)

    def blank(self, k: int) -> bool:
        """Whether frames ``k - 1`` and ``k`` are both black or both white (inside a dip)."""
        return bool((self.black[k] and self.black[k - 1]) or (self.white[k] and self.white[k - 1]))


def _pool(k: int, s: int) -> F32:
    """(k - k % s, k // s) matrix averaging runs of ``s`` (the ragged end dropped)."""
    m = np.zeros((k - k % s, k // s), np.float32)
    m[np.arange(k - k % s), np.arange(k - k % s) // s] = 1.0 / s
    return m


def _blocks(planes: F32, size: int) -> F32:
    """Means of ``size`` x ``size`` blocks, flattened per frame (crops the ragged edge).

    Two small matrix products (BLAS) instead of a reduction over strided axes, three times faster.
    """
    n, h, w = planes.shape
    s = max(1, min(size, h, w))
    cropped = planes[:, : h - h % s, : w - w % s]
    out = (_pool(h, s).T @ cropped @ _pool(w, s)).reshape(n, -1)
    return out.astype(np.float32, copy=False)


@dataclass(frozen=True)
class Boundary:
    """Frames ``start .. end`` (exclusive) change from one shot to the next; a cut has end == start."""

    start: int
    end: int
    kind: str
    score: float


def _diff(a: F32, b: F32) -> F32:
    """Mean absolute difference along the last axis, a chunk of rows at a time (no full-size temporaries)."""
    if a.shape != b.shape or len(a) <= CHUNK:
        out: F32 = np.abs(a - b).mean(axis=-1, dtype=np.float32)
        return out
    return np.concatenate([_diff(a[c : c + CHUNK], b[c : c + CHUNK]) for c in range(0, len(a), CHUNK)])


def frame_differences(f: Features) -> F32:
    """Mean absolute change of the block image from the previous frame (0 for the first)."""
    d = np.zeros(len(f.blocks), np.float32)
    if len(d) > 1:
        d[1:] = _diff(f.blocks[1:], f.blocks[:-1])
    return d


def rolling_median(d: F32, window: int = WINDOW) -> F32:
    """Upper quartile of ``d`` over ``window`` frames each side (near the ends, of the frames
    there are: repeating the last one made a cut on it its own baseline): the median of the
    moving frames when every other frame repeats (stutter, animation on twos)."""
    n, span = len(d), 2 * window + 1
    out = np.empty(n, np.float32)
    if n >= span:
        out[window : n - window] = np.percentile(sliding_window_view(d, span), 75, axis=1)
    for k in (k for k in range(n) if k < window or k >= n - window):
        out[k] = np.percentile(d[max(0, k - window) : k + window + 1], 75)
    return out


def find_cuts(f: Features, d: F32) -> list[Boundary]:
    """Isolated jumps well above the rolling median that do not come back (flashes do).

    Two adjacent jumps that together stand out from the frames around them are both candidates
    (a one-frame shot between two): each hid the other from the isolation test. A one-frame flash
    is such a pair too, and the flash test below drops it, since its picture returns."""
    local = np.maximum(rolling_median(d), NOISE)
    before = np.concatenate([[0.0], d[:-1]]).astype(np.float32)
    after = np.concatenate([d[1:], [0.0]]).astype(np.float32)
    big = (d >= MIN_JUMP) & (d >= CUT_RATIO * local)
    hits = big & (d >= 1.5 * np.maximum(before, after))
    pair = big[:-1] & big[1:] & (d[:-1] >= 1.5 * before[:-1]) & (d[1:] >= 1.5 * after[1:])
    hits[:-1] |= pair
    hits[1:] |= pair
    out = []
    for k in np.flatnonzero(hits):
        ahead = f.blocks[k + 1 : k + 1 + FLASH_LOOKAHEAD]
        behind = f.blocks[max(0, k - 1 - FLASH_LOOKAHEAD) : k - 1]
        back = len(ahead) and float(_diff(ahead, f.blocks[k - 1]).min()) < 0.4 * float(d[k])
        if back or (len(behind) and float(_diff(behind, f.blocks[k]).min()) < 0.4 * float(d[k])):
            continue  # the old picture returns (or this one was shown just before): a flash
        out.append(Boundary(int(k), int(k), "cut", float(d[k] / local[k])))
    return out


def _blend_fit(fine: U8, lo: int, hi: int) -> tuple[float, float, F32]:
    """(change, residual, t): frames lo..hi fitted as (1 - t) * frame lo + t * frame hi."""
    window = fine[lo : hi + 1].astype(np.float32)
    a, b = window[0], window[-1]
    delta = b - a
    norm = float(delta @ delta)
    if norm == 0.0:
        return 0.0, np.inf, np.zeros(hi - lo + 1, np.float32)
    rel = window - a
    t = (rel @ delta) / norm
    residual = float(np.abs(rel - t[:, None] * delta[None, :]).mean())
    return float(np.abs(delta).mean()), residual, t.astype(np.float32)


def find_dissolves(f: Features, d: F32) -> list[Boundary]:
    """Windows whose ends differ a lot and whose frames between are a gradual blend of the ends."""
    n = len(d)
    found: list[Boundary] = []
    for h in HALF_WINDOWS:
        if n <= 2 * h:
            break
        span = _diff(f.blocks[2 * h :], f.blocks[: -2 * h])  # centred at h .. n-h-1
        steps = np.concatenate([[0.0], np.cumsum(d[1:], dtype=np.float64)])
        peak = sliding_window_view(np.pad(span, h, constant_values=-1.0), 2 * h + 1).max(axis=1)
        padded = np.pad(span, 2 * h, constant_values=np.inf)  # no context at the ends: no dissolve
        calm = np.minimum(padded[: len(span)], padded[4 * h :])  # the same window, inside a shot
        calm[: 2 * h] = calm[len(calm) - 2 * h :] = np.inf
        keep = (span >= MIN_GRADUAL) & (span >= peak) & (span >= SHOT_RATIO * calm)
        for i in np.flatnonzero(keep):
            lo, hi = int(i), int(i) + 2 * h
            inside = d[lo + 1 : hi + 1]
            if float(inside.max()) > 0.5 * float(span[i]) or steps[hi] - steps[lo] > 2.0 * span[i]:
                continue  # one frame carries the change (a cut) or the picture wanders (motion)
            found.extend(_dissolve(f.fine, lo, hi))
    return found


def _dissolve(fine: U8, lo: int, hi: int) -> list[Boundary]:
    """The dissolve in frames lo..hi when they fit a monotone blend, trimmed to where t moves."""
    change, residual, t = _blend_fit(fine, lo, hi)
    if change < MIN_GRADUAL or residual > LINEAR_RESIDUAL * change:
        return []
    if float(np.diff(t).min()) < -0.15:
        return []
    moving = np.flatnonzero((t > 0.03) & (t < 0.97))
    if len(moving) < 2:
        return []  # a jump, not a blend: the cut finder's business
    start, end = lo + int(moving[0]), lo + int(moving[-1]) + 1
    return [Boundary(start, end, "dissolve", change / (residual + NOISE))]


def tightened(b: Boundary, fine: U8) -> Boundary:
    """A dissolve found (and told from a pan) on the frames where its blend fit moves, cut down
    to the frames that blend (``_moving``), its window first grown while the blend still moves at
    its edge (``_grown``: the longest window looked in is 33 frames); anything else as it is."""
    if b.kind != "dissolve":
        return b
    lo, hi = max(b.start - 1, 0), min(b.end, len(fine) - 1)
    t = _blend_fit(fine, lo, hi)[2]
    span = _moving(t)
    if span is None:
        return b
    for _ in range(GROW_TIMES):  # a blend still moving at full pace at a window's edge goes on past it
        wider = _grown(t, span, lo, hi, len(fine))
        if wider is None:
            break
        t = _blend_fit(fine, *wider)[2]
        moved = _moving(t)
        if moved is None:
            break
        (lo, hi), span = wider, moved
    return Boundary(lo + span[0], lo + span[1], b.kind, b.score)


def _grown(t: F32, span: tuple[int, int], lo: int, hi: int, n: int) -> tuple[int, int] | None:
    """Window ``lo..hi`` grown by ``GROW`` frames on each side where the blend ``span`` of its fit
    ``t`` reaches the edge still stepping at ``GROW_PACE`` of its middle's pace (a window cut short
    of a long dissolve); None where it does not, or cannot grow (``n`` frames)."""
    into = np.diff(t)
    pace = float(np.median(into[(t[1:] > 0.2) & (t[1:] < 0.8)]))
    grow_lo = span[0] <= 1 and lo > 0 and into[0] >= GROW_PACE * pace
    grow_hi = span[1] >= hi - lo and hi < n - 1 and into[-1] >= GROW_PACE * pace
    if not (grow_lo or grow_hi):
        return None
    return (max(lo - GROW, 0) if grow_lo else lo), (min(hi + GROW, n - 1) if grow_hi else hi)


def _moving(t: F32) -> tuple[int, int] | None:
    """``(first, end)``: the blended frames around the blend's middle, each a step of ``t`` of at
    least a third of the typical step in its middle from the frame before; ``end`` is the first
    frame of the new shot. A slow pan beside a dissolve drifts ``t`` by a hundredth a frame, which
    a fixed level of ``t`` counted as blend (a dissolve after a pan began a dozen frames early)."""
    into = np.concatenate([[0.0], np.diff(t)])  # into[i]: the step from frame i - 1 to frame i
    middle = into[(t > 0.2) & (t < 0.8)]
    if len(middle) < 2:
        return None
    least = float(np.median(middle)) / 3
    centre = max(1, int(np.argmin(np.abs(t - 0.5))))
    if into[centre] < least:
        return None
    first = centre
    while first > 1 and into[first - 1] >= least:
        first -= 1
    end = centre
    while end + 1 < len(t) and into[end + 1] >= least:
        end += 1
    return (first, end) if end - first >= 2 else None


def find_fades(f: Features) -> list[Boundary]:
    """Monotone luma ramps ending in a run of black or white frames (fade out, a dip to white's
    first half) or starting from one (fade in)."""
    found = _fades(f.luma, f.black, 1.0) + _fades(f.luma, f.white, -1.0)
    return sorted(found, key=lambda b: b.start)


def _fades(luma: F32, blank: np.ndarray[Any, np.dtype[np.bool_]], sign: float) -> list[Boundary]:
    """Fades around the runs of ``blank`` frames; ``sign`` 1: luma falls into them (black), -1:
    it rises (white)."""
    n, m, out = len(luma), sign * luma, []
    edges = np.flatnonzero(np.diff(np.concatenate([[0], blank.astype(np.int8), [0]])))
    for b0, b1 in zip(edges[::2], edges[1::2], strict=True):
        j = int(b0)
        while j - 1 >= 0 and m[j - 1] > m[j] + RAMP_STEP and not blank[j - 1]:
            j -= 1
        if b0 - (j + 1) >= 2:
            out.append(Boundary(j + 1, int(b0), "fade_out", float(m[j] - m[b0])))
        j = int(b1) - 1
        while j + 1 < n and m[j + 1] > m[j] + RAMP_STEP and not blank[j + 1]:
            j += 1
        if j - int(b1) >= 2:
            out.append(Boundary(int(b1), j, "fade_in", float(m[j] - m[b1 - 1])))
    return out


def _overlaps(b: Boundary, taken: list[Boundary], margin: int) -> bool:
    return any(b.start <= t.end + margin and t.start <= b.end + margin for t in taken)


def find_boundaries(f: Features) -> list[Boundary]:
    """Fades first, then cuts outside them, then the strongest non-overlapping dissolves."""
    d = frame_differences(f)
    fades = find_fades(f)
    taken = list(fades)
    for cut in find_cuts(f, d):
        if not f.blank(cut.start) and not _overlaps(cut, fades, 0):
            taken.append(cut)
    for b in _merged(find_dissolves(f, d)):
        if not _overlaps(b, taken, 1):
            taken.append(b)
    return sorted(taken, key=lambda b: (b.start, b.end))


def _merged(found: list[Boundary]) -> list[Boundary]:
    """Overlapping dissolve windows (one blend seen at several window lengths) as one boundary."""
    out: list[Boundary] = []
    for b in sorted(found, key=lambda b: b.start):
        if out and b.start <= out[-1].end:
            last = out[-1]
            out[-1] = Boundary(last.start, max(last.end, b.end), last.kind, max(last.score, b.score))
        else:
            out.append(b)
    return out
