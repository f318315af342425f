"""Filmstrip sprites and waveform peaks for the timeline widget, packed as comm messages."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import TimelineLabError
from ..media.previews import filmstrip
from ..media.probe import probe
from ..media.sequence import is_sequence
from ..media.waveform import waveform
from ..render.compile.pieces import media_origin

if TYPE_CHECKING:
    from ..core.cache import CacheSet

__all__ = ["media_message"]

TILES = 24
TILE_HEIGHT = 54
BUCKET = 1024  # samples per waveform bucket (~21 ms at 48 kHz)


def media_message(
    path: str, *, audio_stream: int | None = None, caches: CacheSet | None = None
) -> tuple[dict[str, Any], list[bytes]]:
    """``({"kind": "media", ...}, [sprite JPEG, float32 peaks])`` for one media file; errors say why.

    ``audio_stream``: the stream whose peaks are drawn (the one a clip plays; None: the default).
    ``caches``: the Studio's that keeps the filmstrip and the peaks (default: the process default).
    """
    msg: dict[str, Any] = {"kind": "media", "media": path, "has_strip": False, "has_peaks": False}
    if audio_stream is not None:
        msg["audio_stream"] = audio_stream
    buffers: list[bytes] = []
    if not (Path(path).is_file() or is_sequence(path)):
        msg["error"] = f"media file not found: {path}"
        return msg, buffers
    try:
        info = probe(path)
        audio = info.audio_stream(audio_stream)  # a stream the file lacks: refused before decoding
        if info.primary_video is not None:
            strip = filmstrip(path, count=TILES, height=TILE_HEIGHT, caches=caches)
            msg["tiles"] = [
                {"t": float(t.time.to_seconds()), "x": t.x, "y": t.y, "w": t.w, "h": t.h} for t in strip.tiles
            ]
            msg["has_strip"] = True
            buffers.append(strip.to_bytes("JPEG", quality=80))
        if audio is not None:
            wave = waveform(path, audio_stream=audio_stream, caches=caches)
            lows, highs = wave.level(BUCKET)
            peaks = np.maximum(np.abs(lows), np.abs(highs)).astype("<f4")
            # in media time, which a clip's source range counts in: the sound where the render plays it
            origin = media_origin(info, info.primary_video, audio)
            msg.update(
                has_peaks=True,
                bucket_seconds=BUCKET / wave.sample_rate,
                peaks_start=float(wave.start.to_seconds() - origin),
            )
            buffers.append(peaks.tobytes())
    except (TimelineLabError, OSError) as exc:
        msg["error"] = f"{Path(path).name}: {exc}"
    return msg, buffers
