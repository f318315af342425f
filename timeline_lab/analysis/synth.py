"""Synthetic shot videos with known boundaries: film-like and screen-like shots, distractors.

Tests and ``benchmarks/analysis.py`` build these so detectors are scored against exact ground
truth: every cut, dissolve and fade is placed by frame, and fast pans and flashes are there to be
ignored.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from fractions import Fraction
from typing import Any

import av
import numpy as np
import polars as pl

__all__ = ["TRUTH_SCHEMA", "make_shot_video"]

TRUTH_SCHEMA = pl.Schema({"start_frame": pl.Int64, "end_frame": pl.Int64, "kind": pl.String})
"""Ground truth, same convention as the detector: frames ``start .. end`` exclusive change shot."""

RGB = np.ndarray[Any, np.dtype[np.uint8]]
Scene = Callable[[int], np.ndarray[Any, np.dtype[np.float32]]]
STYLES = ("film", "fast", "screen", "flash")
_LEAD = 64  # frames a scene can show before its own frame 0 (the incoming side of a transition)


def _bounce(position: int, span: int) -> int:
    """Triangle wave in 0..span: a pan that turns back instead of jumping."""
    if span <= 0:
        return 0
    position %= 2 * span
    return position if position <= span else 2 * span - position


def _smooth(rng: np.random.Generator, h: int, w: int, cells: tuple[int, int]) -> np.ndarray[Any, Any]:
    """Low-frequency colour noise at ``h`` x ``w``: random cells joined by bilinear interpolation."""
    small = rng.uniform(20, 235, size=(cells[0], cells[1], 3)).astype(np.float32)
    ry = _lerp_matrix(h, cells[0])
    rx = _lerp_matrix(w, cells[1])
    out: np.ndarray[Any, Any] = np.einsum("yi,ijc,xj->yxc", ry, small, rx, optimize=True)
    return out


def _lerp_matrix(n: int, cells: int) -> np.ndarray[Any, Any]:
    """(n, cells) weights of linear interpolation from ``cells`` knots to ``n`` samples."""
    pos = np.linspace(0, cells - 1, n)
    lo = np.minimum(np.floor(pos).astype(int), cells - 2)
    frac = (pos - lo).astype(np.float32)
    m = np.zeros((n, cells), np.float32)
    m[np.arange(n), lo] = 1 - frac
    m[np.arange(n), lo + 1] = frac
    return m


def _film(rng: np.random.Generator, w: int, h: int, speed: float) -> Scene:
    """A textured scene panned at ``speed`` frame widths a second-ish, with a moving block."""
    pan = int(w * max(speed, 0.05) * 4) + 1
    world = _smooth(rng, h, w + pan, (int(rng.integers(4, 9)), int(rng.integers(6, 14))))
    for _ in range(6):  # hard-edged objects, as real pictures have
        y, x = int(rng.integers(0, h - h // 4)), int(rng.integers(0, w + pan - w // 4))
        world[y : y + h // int(rng.integers(4, 9)), x : x + w // int(rng.integers(4, 9))] = rng.uniform(
            0, 255, 3
        )
    step = max(1.0, w * speed / 25)
    colour = rng.uniform(0, 255, 3).astype(np.float32)

    def frame(i: int) -> np.ndarray[Any, np.dtype[np.float32]]:
        i += _LEAD  # transitions show a shot's frames from before its first one
        x = _bounce(int(i * step), pan - 1)
        img = world[:, x : x + w].copy()
        s = max(4, h // 6)
        oy, ox = _bounce(i * 3, h - s), _bounce(i * 5, w - s)
        img[oy : oy + s, ox : ox + s] = colour
        return img

    return frame


def _screen(rng: np.random.Generator, w: int, h: int) -> Scene:
    """A static screen (flat background, windows, text lines) with a slowly moving cursor."""
    img = np.empty((h, w, 3), np.float32)
    img[:] = rng.uniform(30, 230, 3)
    for _ in range(3):
        y, x = int(rng.integers(0, h // 2)), int(rng.integers(0, w // 2))
        img[y : y + h // 3, x : x + w // 3] = rng.uniform(0, 255, 3)
        for line in range(y + 4, y + h // 3 - 2, max(3, h // 40)):
            img[line : line + max(1, h // 120), x + 4 : x + w // 4] = 20
    c = max(2, h // 60)

    def frame(i: int) -> np.ndarray[Any, np.dtype[np.float32]]:
        out = img.copy()
        i += _LEAD
        y, x = _bounce(h // 2 + i, h - c), _bounce(w // 3 + 2 * i, w - c)
        out[y : y + c, x : x + c] = 255
        return out

    return frame


def _flash(scene: Scene, at: int, frames: int) -> Scene:
    """``scene`` with a white flash of ``frames`` frames at ``at`` (a photographer's strobe)."""

    def frame(i: int) -> np.ndarray[Any, np.dtype[np.float32]]:
        img = scene(i)
        return np.full_like(img, 250.0) if at <= i < at + frames else img

    return frame


def _scene(style: str, rng: np.random.Generator, w: int, h: int, length: int) -> Scene:
    if style == "film":
        return _film(rng, w, h, 0.1)
    if style == "fast":
        return _film(rng, w, h, 1.2)
    if style == "screen":
        return _screen(rng, w, h)
    if style == "flash":
        return _flash(_film(rng, w, h, 0.1), length // 2, int(rng.integers(1, 3)))
    raise ValueError(f"style: expected one of {STYLES}, got {style!r}")


def _frames(
    plan: Sequence[tuple[str, int]], w: int, h: int, seed: int, truth: list[tuple[int, int, str]]
) -> Any:
    """Frames of ``plan`` (shots ``(style, frames)`` alternating with ``(transition, frames)``)."""
    rng = np.random.default_rng(seed)
    shots = plan[::2]
    scenes = [_scene(style, rng, w, h, n) for style, n in shots]
    black = np.zeros((h, w, 3), np.float32)
    pos = 0
    for s, (_, n) in enumerate(shots):
        yield from (scenes[s](i) for i in range(n))
        pos += n
        if s + 1 == len(shots):
            return
        kind, length = plan[2 * s + 1]
        a, b = scenes[s], scenes[s + 1]
        if kind == "cut":
            truth.append((pos, pos, "cut"))
        elif kind == "dissolve":
            truth.append((pos, pos + length, "dissolve"))
            for j in range(1, length + 1):
                t = j / (length + 1)
                yield (1 - t) * a(n + j - 1) + t * b(j - 1 - length)
        elif kind == "fade":
            hold = max(1, length // 4)
            truth.append((pos, pos + 2 * length + hold, "fade"))
            yield from (a(n + j - 1) * (1 - j / (length + 1)) for j in range(1, length + 1))
            yield from (black for _ in range(hold))
            yield from (b(j - length) * (j / (length + 1)) for j in range(1, length + 1))
        else:
            raise ValueError(f"transition: expected cut, dissolve or fade, got {kind!r}")
        pos += length * (kind == "dissolve") + (2 * length + max(1, length // 4)) * (kind == "fade")


def make_shot_video(
    path: str | os.PathLike[str],
    plan: Sequence[tuple[str, int]],
    *,
    width: int = 320,
    height: int = 180,
    rate: int = 25,
    seed: int = 0,
    crf: int = 18,
) -> pl.DataFrame:
    """Encode ``plan`` to H.264 at ``path``; returns the ground truth (fades as one ``fade`` row).

    ``plan`` alternates shots ``(style, frames)`` with ``film``, ``fast`` (a fast pan),
    ``screen`` (a static screen with a cursor) or ``flash`` (strobe mid-shot), and transitions
    ``("cut", 0)``, ``("dissolve", frames)`` or ``("fade", frames)`` (out, black, in).
    """
    truth: list[tuple[int, int, str]] = []
    with av.open(os.fspath(path), "w") as out:
        stream = out.add_stream("libx264", rate=Fraction(rate))
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.options = {"crf": str(crf), "preset": "veryfast"}
        for img in _frames(plan, width, height, seed, truth):
            rgb: RGB = np.clip(img, 0, 255).astype(np.uint8)
            out.mux(stream.encode(av.VideoFrame.from_ndarray(rgb, format="rgb24")))
        out.mux(stream.encode(None))
    return pl.DataFrame(truth, schema=TRUTH_SCHEMA, orient="row")
