"""AAC pieces from separate encoders splice, by stream copy, into the stream one encoder gives."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest

from timeline_lab.errors import RenderError
from timeline_lab.render.encoding.aac_splice import (
    FRAME,
    AacPackets,
    AudioCodec,
    encode_span,
    grid_floor,
    pcm_window,
    window_end,
)

SR = 48000
CODEC = AudioCodec("aac", SR, 2, {"b": "160000"}, "fltp")


def _sound(n: int) -> np.ndarray[Any, np.dtype[np.float32]]:
    """Two tones, one swept in level, and short noise bursts: what a codec has to work at."""
    t = np.arange(n) / SR
    bursts = 0.05 * np.random.default_rng(1).standard_normal(n) * (np.sin(2 * np.pi * 2 * t) > 0.9)
    left = 0.3 * np.sin(2 * np.pi * 440 * t) + 0.2 * np.sin(2 * np.pi * 1234.5 * t) * np.sin(
        2 * np.pi * 0.7 * t
    )
    return np.stack([left + bursts, 0.3 * np.sin(2 * np.pi * 660 * t + 1)]).astype(np.float32)


def _chunks(pcm: np.ndarray[Any, Any], at: int, size: int) -> Iterator[np.ndarray[Any, Any]]:
    for i in range(at, pcm.shape[1], size):
        yield pcm[:, i : i + size]


def _whole(pcm: np.ndarray[Any, Any], path: Path) -> Path:
    """One encoder over all of it, fed in odd-sized chunks, as the render engine feeds it."""
    with av.open(str(path), "w") as c:
        stream, pos = CODEC.add_to(c), 0
        for chunk in _chunks(pcm, 0, 1536):
            frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(chunk), format="fltp", layout="stereo")
            frame.sample_rate, frame.pts, frame.time_base = SR, pos, Fraction(1, SR)
            pos += chunk.shape[1]
            c.mux(stream.encode(frame))
        c.mux(stream.encode(None))
    return path


def _spliced(pcm: np.ndarray[Any, Any], bounds: list[int], path: Path) -> tuple[Path, list[AacPackets]]:
    total = pcm.shape[1]
    pieces = []
    for a, b in itertools.pairwise(bounds):
        at = max(0, pcm_window(a, b, total)[0] - 333)  # sound may start earlier than needed
        pieces.append(encode_span(_chunks(pcm, at, 999), CODEC, at=at, start=a, end=b, total=total))
    with av.open(str(path), "w") as c:
        stream = CODEC.add_to(c)
        for packet in AacPackets.merge(pieces).packets(stream):
            c.mux(packet)
    return path, pieces


def _decoded(path: Path) -> tuple[np.ndarray[Any, Any], Any, Any]:
    with av.open(str(path)) as c:
        stream = c.streams.audio[0]
        pcm = np.concatenate([f.to_ndarray() for f in c.decode(stream)], axis=1)
        return pcm, stream.start_time, stream.duration


def test_pieces_splice_into_the_whole_encode(tmp_path: Path) -> None:
    total = 6 * SR + 777  # not on the grid: the last piece ends where the stream does
    pcm = _sound(total)
    bounds = [0, grid_floor(2 * SR + 123), grid_floor(4 * SR - 77), total]
    whole, start, duration = _decoded(_whole(pcm, tmp_path / "whole.m4a"))
    path, pieces = _spliced(pcm, bounds, tmp_path / "spliced.m4a")
    split, start2, duration2 = _decoded(path)
    assert (split.shape, start2, duration2) == (whole.shape, start, duration)  # samples, sync, length
    # the first piece is the whole encode's, priming packet and all, bit for bit
    assert pieces[0].pts[0] == -FRAME
    assert np.array_equal(split[:, : bounds[1] - FRAME], whole[:, : bounds[1] - FRAME])

    def snr(ref: np.ndarray[Any, Any], test: np.ndarray[Any, Any]) -> float:
        return float(10 * np.log10((ref**2).sum() / ((ref - test) ** 2).sum()))

    n = min(total, split.shape[1])
    reference = pcm[:, :n]
    for j in bounds[1:-1]:  # at each join: as close to the source as the whole encode is there
        near = slice(j - 2 * FRAME, j + 2 * FRAME)
        assert snr(reference[:, near], split[:, near]) > 28
        assert np.abs(split[:, near] - whole[:, near]).max() < 0.05
    assert snr(reference, split[:, :n]) > snr(reference, whole[:, :n]) - 3


def test_packets_round_trip_through_a_file(tmp_path: Path) -> None:
    pcm = _sound(SR)
    piece = encode_span(_chunks(pcm, 0, 4096), CODEC, at=0, start=0, end=10 * FRAME, total=SR)
    back = AacPackets.load(piece.save(tmp_path / "p.npz"))
    assert (back.start, back.end, back.payload) == (piece.start, piece.end, piece.payload)
    assert np.array_equal(back.pts, piece.pts) and np.array_equal(back.offsets, piece.offsets)
    assert list(piece.pts) == [FRAME * k for k in range(-1, 10)]


@pytest.mark.parametrize(
    ("start", "end", "at", "error"),
    [
        (1000, 4096, 0, "not on the 1024-sample grid"),
        (4096, 5000, 0, "not on the 1024-sample grid"),
        (36 * FRAME, 40 * FRAME, 35 * FRAME, "it needs"),  # no room for the pre-roll
        (0, FRAME, 0, None),
    ],
)
def test_a_piece_must_sit_on_the_grid(start: int, end: int, at: int, error: str | None) -> None:
    pcm = _sound(SR)
    run = lambda: encode_span(_chunks(pcm, at, 4096), CODEC, at=at, start=start, end=end, total=SR)  # noqa: E731
    if error is None:
        assert len(run()) == 2  # the priming packet and the frame
    else:
        with pytest.raises(RenderError, match=error):
            run()


def test_pieces_that_do_not_meet_are_refused() -> None:
    pcm = _sound(SR)
    a = encode_span(_chunks(pcm, 0, 4096), CODEC, at=0, start=0, end=8 * FRAME, total=SR)
    b = encode_span(_chunks(pcm, 0, 4096), CODEC, at=0, start=16 * FRAME, end=24 * FRAME, total=SR)
    with pytest.raises(RenderError, match="do not meet"):
        AacPackets.merge([a, b])


def test_window_end_reads_long_and_short_blocks() -> None:
    """A steady tone codes in long blocks; a click in silence makes the encoder switch to short."""
    t = np.arange(SR) / SR
    steady = np.stack([0.3 * np.sin(2 * np.pi * 440 * t)] * 2).astype(np.float32)
    click = np.zeros((2, SR), np.float32)
    click[:, SR // 2 : SR // 2 + 64] = 0.9
    ends = {}
    for name, pcm in (("steady", steady), ("click", click)):
        piece = encode_span(_chunks(pcm, 0, 4096), CODEC, at=0, start=0, end=SR, total=SR)
        ends[name] = [window_end(piece.payload[a:b]) for a, b in itertools.pairwise(piece.offsets)]
    assert all(e is not None and e[0] for e in ends["steady"][2:-2]), "long blocks end long"
    assert any(e is not None and not e[0] for e in ends["click"]), "short blocks around the click"
    assert window_end(b"\x00") is None and window_end(b"\xc0\x00\x00\x00") is None  # too short, a FIL


@pytest.mark.parametrize(
    ("preroll", "want"),
    [(8 * FRAME, (32 * FRAME, 48 * FRAME)), (FRAME, (39 * FRAME, 48 * FRAME)), (1000, None), (0, None)],
)
def test_a_window_may_take_a_shorter_preroll(preroll: int, want: tuple[int, int] | None) -> None:
    if want is None:
        with pytest.raises(RenderError, match="pre-roll"):
            pcm_window(40 * FRAME, 44 * FRAME, 2 * SR, preroll)
        return
    assert pcm_window(40 * FRAME, 44 * FRAME, 2 * SR, preroll) == want
    pcm = _sound(2 * SR)
    piece = encode_span(_chunks(pcm, want[0], 999), CODEC, at=want[0], start=40 * FRAME, end=44 * FRAME,
                        total=2 * SR, preroll=preroll)  # fmt: skip
    assert list(piece.pts) == [FRAME * k for k in range(40, 44)]
