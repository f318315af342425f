"""Per-frame signals of a video (luma, colour, motion, black, frozen) and of its sound (loudness,
silence) as Polars tables, several at once from one decode pass; ``per_second`` aggregates them.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import polars as pl
from av.audio.frame import AudioFrame

from ..errors import MediaError
from ..media.probe import probe
from ._boundaries import BLACK_LEVEL, BLACK_SHARE
from ._decode import Sampled, decode, hole
from ._loudness import Loudness

__all__ = ["AUDIO_SCHEMA", "SIGNALS", "VIDEO_SCHEMA", "per_second", "signals"]

SIGNALS = ("luma", "colour", "motion", "black", "frozen", "loudness", "silence")
_AUDIO = {"loudness", "silence"}
VIDEO_SCHEMA = pl.Schema(
    {
        "frame": pl.Int64,
        "time": pl.String,
        "t": pl.Float64,
        "luma_mean": pl.Float64,
        "luma_std": pl.Float64,
        "r_mean": pl.Float64,
        "g_mean": pl.Float64,
        "b_mean": pl.Float64,
        "motion": pl.Float64,
        "black": pl.Boolean,
        "frozen": pl.Boolean,
    }
)
"""Every column a frame table can have (the asked-for signals' columns are kept); levels 0-255."""
AUDIO_SCHEMA = pl.Schema({"t": pl.Float64, "momentary": pl.Float64, "short_term": pl.Float64})
"""EBU R128 loudness in LUFS, measured up to ``t`` seconds (momentary: 0.4 s, short-term: 3 s);
null until that much sound has been measured (a part-filled window reads as quieter than it is),
and so is ``silent`` while momentary is."""
_COLUMNS = {
    "luma": ["luma_mean", "luma_std"],
    "colour": ["r_mean", "g_mean", "b_mean"],
    "motion": ["motion"],
    "black": ["black"],
    "frozen": ["frozen"],
    "loudness": ["momentary", "short_term"],
    "silence": ["silent"],
}
# Kr, Kb of each YUV matrix by swscale's code (``Sampled.matrix``): BT.709, FCC, BT.601,
# SMPTE 240M, BT.2020.
_KRB = {1: (0.2126, 0.0722), 4: (0.30, 0.11), 5: (0.299, 0.114), 7: (0.212, 0.087), 9: (0.2627, 0.0593)}


def _to_rgb(matrix: int) -> np.ndarray[Any, np.dtype[np.float64]]:
    """Y'CbCr (centred, full scale) to R'G'B' for the matrix of swscale code ``matrix``."""
    kr, kb = _KRB[matrix]
    kg = 1.0 - kr - kb
    return np.array(
        [
            [1.0, 0.0, 2 * (1 - kr)],
            [1.0, -2 * kb * (1 - kb) / kg, -2 * kr * (1 - kr) / kg],
            [1.0, 2 * (1 - kb), 0.0],
        ]
    )


def _rgb(y: float, u: float, v: float, full_range: bool, matrix: int) -> tuple[float, float, float]:
    """Mean R, G, B from mean Y, U, V in the frame's own matrix and range, as a player shows them
    (means commute with the linear matrix; no clipping)."""
    if full_range:
        yuv = np.array([y, u - 128.0, v - 128.0])
    else:
        yuv = np.array([(y - 16.0) * 255 / 219, (u - 128.0) * 255 / 224, (v - 128.0) * 255 / 224])
    r, g, b = _to_rgb(matrix) @ yuv
    return float(r), float(g), float(b)


def _frame_row(f: Sampled, prev: np.ndarray[Any, Any] | None, frozen_below: float) -> tuple[Any, ...]:
    y = f.y.astype(np.float32)
    motion = float(np.abs(y - prev).mean()) if prev is not None else 0.0
    mean = float(y.mean())
    r, g, b = _rgb(mean, float(f.u.mean()), float(f.v.mean()), f.full_range, f.matrix)
    black = float((f.y <= BLACK_LEVEL).mean()) >= BLACK_SHARE
    frozen = prev is not None and motion < frozen_below
    text = f"{f.seconds.numerator}/{f.seconds.denominator}" if f.seconds.denominator != 1 else str(f.seconds)
    return (f.index, text, float(f.seconds), mean, float(y.std()), r, g, b, motion, black, frozen)


def _check(names: str | Sequence[str], per: str, width: int) -> list[str]:
    """The asked-for signal names (a bare string is one name), once each; ValueError naming the
    argument for an unknown signal, an unknown ``per`` or a negative ``width``."""
    if per not in ("frame", "second"):
        raise ValueError(f"per: expected 'frame' or 'second', got {per!r}")
    if isinstance(width, bool) or not isinstance(width, int) or width < 0:
        raise ValueError(f"width: expected columns >= 0 (0: every pixel), got {width!r}")
    asked = [names] if isinstance(names, str) else list(names)
    unknown = [n for n in asked if n not in SIGNALS]
    if unknown or not asked:
        raise ValueError(f"names: unknown signals {unknown}, choose from {list(SIGNALS)}")
    return list(dict.fromkeys(asked))


def _measurable(path: str | os.PathLike[str], wanted: list[str], audio_stream: int | None = None) -> None:
    """MediaError naming the file, the missing stream and the signals that need it, if any do."""
    info = probe(path)
    for kind, there, needing in (
        ("video", info.primary_video is not None, [n for n in wanted if n not in _AUDIO]),
        ("audio", info.audio_stream(audio_stream) is not None, [n for n in wanted if n in _AUDIO]),
    ):
        if needing and not there:
            raise MediaError(f"{path}: no {kind} stream, so no {', '.join(needing)} (names: {wanted})")


def signals(
    path: str | os.PathLike[str],
    names: str | Sequence[str] = ("luma", "motion", "black", "frozen"),
    *,
    per: Literal["frame", "second"] = "frame",
    width: int = 160,
    frozen_below: float = 0.5,
    silence_below: float = -50.0,
    audio_stream: int | None = None,
) -> pl.DataFrame:
    """The asked-for signals of ``path`` from one decode pass, one row per shown video frame.

    Parameters
    ----------
    names:
        One name or several, of ``luma``, ``colour``, ``motion`` (mean absolute luma change from
        the previous frame), ``black``, ``frozen`` (motion below ``frozen_below`` levels), ``loudness``
        (EBU R128 momentary/short-term LUFS at each frame's time; null before the first 0.4 s /
        3 s of sound, which their windows need) and ``silence`` (momentary loudness below
        ``silence_below`` LUFS; null where momentary is). Asked for sound signals only, the rows are the
        audio's. A signal whose stream the file lacks is a MediaError. Times are the render's:
        from the video's first shown frame (else the sound's first sample), of the default streams.
    per:
        ``frame`` (one row per frame) or ``second`` (:func:`per_second`); anything else is a ValueError.
    width:
        Columns each frame is point-sampled to (statistics are of those samples; 0: every pixel).
    audio_stream:
        Container index of the audio stream the sound signals measure (a clip's ``audio_stream``);
        None: the default one.
    """
    wanted = _check(names, per, width)
    _measurable(path, wanted, audio_stream)
    video_cols = [c for n in wanted if n not in _AUDIO for c in _COLUMNS[n]]
    audio = bool(_AUDIO & set(wanted))
    rows, meter, prev = [], Loudness(hole(path, audio_stream)), None
    stream = audio_stream if audio else None
    for item in decode(
        path, video=bool(video_cols), audio=audio, width=width or 1 << 30, audio_stream=stream
    ):
        if isinstance(item, AudioFrame):
            meter.push(item)
        else:
            rows.append(_frame_row(item, prev, frozen_below))
            prev = item.y.astype(np.float32)
    meter.push(None)
    frames = pl.DataFrame(rows, schema=VIDEO_SCHEMA, orient="row").sort("t")
    table = frames.select(["frame", "time", "t", *video_cols])
    if audio:
        table = _with_audio(table, meter.rows, bool(video_cols), silence_below, path)
        table = table.select(["frame", "time", "t", *(c for n in wanted for c in _COLUMNS[n])])
    return per_second(table) if per == "second" else table


def _with_audio(
    table: pl.DataFrame,
    rows: list[tuple[float, float | None, float | None]],
    video: bool,
    below: float,
    path: Any,
) -> pl.DataFrame:
    """Loudness at each frame's time (the latest measurement), or the audio's own rows."""
    sound = pl.DataFrame(rows, schema=AUDIO_SCHEMA, orient="row").sort("t")
    if video:
        table = table.join_asof(sound, on="t", strategy="backward")
    elif sound.is_empty():
        raise MediaError(f"{path}: no audio to measure")
    else:
        table = sound.with_columns(
            pl.lit(None, pl.Int64).alias("frame"), pl.lit(None, pl.String).alias("time")
        )
        table = table.select(["frame", "time", "t", "momentary", "short_term"])
    return table.with_columns((pl.col("momentary") < below).alias("silent"))


def per_second(table: pl.DataFrame) -> pl.DataFrame:
    """One row per whole second: means of the numeric signals, shares of frames for the flags."""
    value_cols = [c for c in table.columns if c not in ("frame", "time", "t")]
    aggs = [pl.col(c).cast(pl.Float64).mean().alias(c) for c in value_cols]
    return (
        table.with_columns(pl.col("t").floor().cast(pl.Int64).alias("second"))
        .group_by("second", maintain_order=True)
        .agg(pl.len().alias("rows"), *aggs)
        .sort("second")
    )
