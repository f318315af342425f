"""A clip that plays a file's other sound stream (a camera's second microphone, a recorder's
isolated track) draws that stream's waveform on the timeline, not the file's default one.

The class of inputs: files with two to four sound streams, the loud one at each position, in MOV and
Matroska; clips choosing each stream, and one clip of the default beside them."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest

from timeline_lab import Studio
from timeline_lab.widgets import TimelineWidget
from timeline_lab.widgets.thumbnails import media_message
from timeline_lab.widgets.view import view_of

from .conftest import record

SR, FPS, SECONDS = 48000, 25, 1


def _streams(path: Path, count: int, loud: int) -> Path:
    """Video plus ``count`` mono sound streams, silent but the ``loud``-th (a 0.8 sine)."""
    with av.open(str(path), "w") as out:
        vs = out.add_stream("mpeg4", rate=FPS)
        vs.width, vs.height, vs.pix_fmt = 64, 48, "yuv420p"
        sounds = [out.add_stream("pcm_s16le", rate=SR, layout="mono") for _ in range(count)]
        for k in range(SECONDS * FPS):
            frame = av.VideoFrame.from_ndarray(np.full((48, 64, 3), 9 * k % 255, np.uint8), format="rgb24")
            out.mux(vs.encode(frame))
        for i, s in enumerate(sounds):
            t = np.arange(SECONDS * SR) / SR
            x = 0.8 * np.sin(2 * np.pi * 440 * t) if i == loud else np.zeros_like(t)
            for lo in range(0, len(t), 1024):
                af = av.AudioFrame.from_ndarray(
                    (x[None, lo : lo + 1024] * 32767).astype(np.int16), format="s16", layout="mono"
                )
                af.sample_rate, af.pts = SR, lo
                out.mux(s.encode(af))
            out.mux(s.encode(None))
        out.mux(vs.encode(None))
    return path


def _peaks(msg: dict[str, Any], buffers: list[bytes]) -> np.ndarray:
    assert msg["has_peaks"], msg
    return np.frombuffer(buffers[1 if msg["has_strip"] else 0], "<f4")


CASES = [(".mov", 2, 1), (".mkv", 3, 2), (".mov", 4, 0), (".mkv", 4, 3)]


@pytest.mark.parametrize(("ext", "count", "loud"), CASES)
def test_each_streams_peaks_are_its_own(tmp_path: Path, ext: str, count: int, loud: int) -> None:
    path = _streams(tmp_path / f"s{ext}", count, loud)
    indices = [s.index for s in av.open(str(path)).streams.audio]
    for i, index in enumerate(indices):
        msg, buffers = media_message(str(path), audio_stream=index)
        assert msg["audio_stream"] == index
        top = float(_peaks(msg, buffers).max())
        assert (top > 0.7) if i == loud else (top < 1e-3), (index, top)


def _answer(
    sent: list[tuple[dict[str, Any], list[bytes]]], stream: int | None
) -> tuple[dict[str, Any], list[bytes]]:
    for _ in range(500):
        for msg, buffers in sent:
            if msg["kind"] == "media" and msg.get("audio_stream") == stream:
                return msg, buffers
        time.sleep(0.02)
    raise AssertionError(f"no answer for stream {stream}")


@pytest.mark.parametrize("loud", [1, 2])
def test_the_widget_asks_and_draws_the_stream_each_clip_plays(
    tmp_path: Path, studio: Studio, loud: int
) -> None:
    path = _streams(tmp_path / "cam.mov", 3, loud)
    indices = [s.index for s in av.open(str(path)).streams.audio]
    p = studio.new_project("w", width=64, height=48, frame_rate=FPS)
    p.tracks[0].append(studio.clip(path, 0, 10, name="default"))
    p.tracks[0].append(studio.clip(path, 0, 10, name="other", audio_stream=indices[loud]))
    views = {v["label"]: v for v in view_of(p).items.values()}
    assert "audio_stream" not in views["default"] and views["other"]["audio_stream"] == indices[loud]
    w = TimelineWidget(p, studio=studio)
    sent = record(w)
    for v in views.values():
        w._on_msg(
            w,
            {
                "kind": "media",
                "media": v["media"],
                **({"audio_stream": v["audio_stream"]} if "audio_stream" in v else {}),
            },
            [],
        )
    assert float(_peaks(*_answer(sent, None)).max()) < 1e-3  # the default stream is the first, silent
    assert float(_peaks(*_answer(sent, indices[loud])).max()) > 0.7


@pytest.mark.parametrize("bad", [-1, 99, "2", 1.5, True])
def test_a_bad_stream_is_answered_with_an_error(tmp_path: Path, studio: Studio, bad: object) -> None:
    path = _streams(tmp_path / "cam.mkv", 2, 1)
    p = studio.new_project("w", width=64, height=48, frame_rate=FPS)
    p.tracks[0].append(studio.clip(path, 0, 10))
    w = TimelineWidget(p, studio=studio)
    sent = record(w)
    w._on_msg(w, {"kind": "media", "media": p.tracks[0].items[0].media.path, "audio_stream": bad}, [])
    msg, buffers = _answer(sent, bad)
    assert "error" in msg and buffers == [], msg
