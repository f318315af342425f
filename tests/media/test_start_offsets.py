"""Files whose video starts after 0 (an MPEG-TS's 1.4 s, ``-output_ts_offset``, a ``-copyts`` cut):
a complete Matroska one is not taken for truncated (FFmpeg writes its DURATION tag as the *end*
time), a really truncated one still is, and filmstrips count from the first frame as readers do."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from timeline_lab.errors import DamagedMediaError
from timeline_lab.media.previews import filmstrip
from timeline_lab.media.probe import probe
from timeline_lab.media.synth import make_clip, read_frame_index
from timeline_lab.model import RationalTime, TimeRange

FRAMES = 40


@pytest.fixture(autouse=True)
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TIMELINE_LAB_CACHE", str(tmp_path / "cache"))


@pytest.fixture(scope="module", params=[Fraction(25), Fraction(30000, 1001)], ids=["25", "29.97"])
def source(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("offsets")
    rate = request.param
    return make_clip(folder / "src.mp4", width=96, height=64, rate=rate, frames=FRAMES, audio=False)


def _remux(src: Path, dst: Path, offset: Fraction, fmt: str) -> Path:
    """``src``'s video copied into ``fmt`` with every timestamp ``offset`` seconds later."""
    with av.open(str(src)) as inp, av.open(str(dst), "w", format=fmt) as out:
        video = inp.streams.video[0]
        copy = out.add_stream_from_template(video)
        assert video.time_base is not None
        shift = round(offset / video.time_base)
        for packet in inp.demux(video):
            if packet.dts is None:
                continue
            packet.pts = None if packet.pts is None else packet.pts + shift
            packet.dts += shift
            packet.stream = copy
            out.mux(packet)
    return dst


OFFSETS = [Fraction(0), Fraction(1, 2), Fraction(10), Fraction(3600)]


@pytest.mark.parametrize("offset", OFFSETS, ids=str)
def test_a_complete_matroska_that_starts_late_is_whole(
    tmp_path: Path, source: Path, offset: Fraction
) -> None:
    mkv = _remux(source, tmp_path / "late.mkv", offset, "matroska")
    v = probe(mkv).primary_video
    assert v is not None and v.frame_count == FRAMES
    assert v.start.to_seconds() == pytest.approx(float(offset), abs=0.002)


@pytest.mark.parametrize("offset", OFFSETS, ids=str)
def test_a_truncated_matroska_is_still_refused_whatever_its_start(
    tmp_path: Path, source: Path, offset: Fraction
) -> None:
    whole = _remux(source, tmp_path / "whole.mkv", offset, "matroska")
    with av.open(str(whole)) as c:  # cut where the second half of the frames begins
        at = [p.pos for p in c.demux(video=0) if p.pos is not None and p.pos >= 0][FRAMES // 2]
    cut = tmp_path / "cut.mkv"
    cut.write_bytes(whole.read_bytes()[:at])
    with pytest.raises(DamagedMediaError, match=r"cut\.mkv: truncated \(stream 0 has"):
        probe(cut)


@pytest.mark.parametrize(
    ("fmt", "offset"),
    [("mpegts", Fraction(0)), ("mpegts", Fraction(7)), ("matroska", Fraction(10)), ("mp4", Fraction(0))],
)
def test_filmstrip_tiles_count_from_the_first_frame(
    tmp_path: Path, source: Path, fmt: str, offset: Fraction
) -> None:
    clip = _remux(
        source, tmp_path / f"late.{ {'mpegts': 'ts', 'matroska': 'mkv'}.get(fmt, fmt) }", offset, fmt
    )
    v = probe(clip).primary_video
    assert v is not None and v.start.to_seconds() >= offset  # (an MPEG-TS adds its own 1.4 s)
    strip = filmstrip(clip, 4, 32)
    expected = [i * FRAMES // 4 for i in range(4)]
    assert [t.frame for t in strip.tiles] == expected
    for tile, frame in zip(strip.tiles, expected, strict=True):
        pixels = np.asarray(strip.sprite.crop((tile.x, tile.y, tile.x + tile.w, tile.y + tile.h)))
        assert read_frame_index(pixels)[0] == frame
    # a range up to the very end is inside the media (0 .. duration), not start-shifted
    rate = v.frame_rate
    tail = TimeRange(RationalTime(FRAMES - 8, rate), RationalTime(8, rate))
    assert [t.frame for t in filmstrip(clip, 4, 32, range=tail).tiles] == [32, 34, 36, 38]
