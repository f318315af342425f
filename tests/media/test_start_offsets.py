"""Files whose video starts after 0 (an MPEG-TS's 1.4 s, ``-output_ts_offset``, a ``-copyts`` cut):
a complete Matroska one is not taken for truncated (FFmpeg writes its DURATION tag as the *end*
time), a really truncated one still is, and filmstrips count from the first frame as readers do."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import pytest

from timeline_lab.errors import DamagedMediaError
from timeline_lab.media.probe import probe
from timeline_lab.media.synth import make_clip

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
