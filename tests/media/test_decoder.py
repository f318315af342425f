"""Frame-exact random access: the frame on screen at t, proven by the index painted into its pixels."""

from __future__ import annotations

import math
import threading
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from timeline_lab.errors import MediaError
from timeline_lab.media._decoder import FAR_GOPS, FrameReader, close_readers, frame_at
from timeline_lab.media.synth import _render, make_clip, read_frame_index
from timeline_lab.model.time import RationalTime

NTSC = Fraction(30000, 1001)
FRAMES = 120


@pytest.fixture(scope="module")
def long_clips(tmp_path_factory: pytest.TempPathFactory) -> dict[Fraction, Path]:
    """120 frames at 25 fps (GOP 12) and 29.97 fps (GOP 15): several GOPs to jump across."""
    d = tmp_path_factory.mktemp("decoder")
    return {
        rate: make_clip(
            d / f"c{n}.mp4", width=96, height=54, rate=rate, frames=FRAMES, tag=n + 1, audio=False
        )
        for n, rate in enumerate((Fraction(25), NTSC))
    }


@pytest.fixture(scope="module")
def readers(long_clips: dict[Fraction, Path]) -> Iterator[dict[Fraction, FrameReader]]:
    """One reader per clip for the whole module, so examples run on a decoder left anywhere."""
    rs = {rate: FrameReader(p) for rate, p in long_clips.items()}
    yield rs
    for r in rs.values():
        r.close()


def index_of(rgb: np.ndarray) -> int:
    return read_frame_index(rgb)[0]


times = st.one_of(
    st.integers(0, FRAMES - 1).map(lambda k: ("frame", Fraction(k))),  # an int frame index
    st.integers(0, FRAMES - 1).map(lambda k: ("boundary", Fraction(k))),  # exactly on a frame start
    st.tuples(st.integers(0, FRAMES * 997 - 1), st.just(997)).map(lambda x: ("between", Fraction(*x))),
)


@pytest.mark.parametrize("rate", [Fraction(25), NTSC], ids=["25", "29.97"])
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(times, min_size=1, max_size=4))
def test_frame_at_any_time_is_the_frame_on_screen(
    readers: dict[Fraction, FrameReader], rate: Fraction, steps: list[tuple[str, Fraction]]
) -> None:
    r = readers[rate]
    for kind, frames in steps:  # in frames from the start; the reader keeps state between steps
        t: RationalTime | int = int(frames) if kind == "frame" else RationalTime(frames, rate)
        got = r.read(t)
        assert index_of(got.rgb) == math.floor(frames) == got.index
        assert got.time.strictly_equal(RationalTime(math.floor(frames), rate))


def test_sequential_scrub_decodes_each_frame_once_with_one_seek(long_clips: dict[Fraction, Path]) -> None:
    with FrameReader(long_clips[NTSC]) as r:
        for k in range(FRAMES):
            assert index_of(r.frame(k)) == k
        assert r.seeks == 1
        assert r.decoded == FRAMES
        r.frame(FRAMES - 1)  # the same frame again: nothing decoded
        assert r.decoded == FRAMES


def test_sub_frame_steps_reuse_the_frame_on_screen(long_clips: dict[Fraction, Path]) -> None:
    with FrameReader(long_clips[Fraction(25)]) as r:
        for value in range(0, 40 * 4):  # quarter-frame steps
            assert index_of(r.frame(RationalTime(Fraction(value, 4), 25))) == value // 4
        assert r.seeks == 1
        assert r.decoded <= 41  # one look-ahead frame at most


def test_backward_and_far_jumps_seek_short_forward_steps_do_not(long_clips: dict[Fraction, Path]) -> None:
    with FrameReader(long_clips[Fraction(25)]) as r:
        gop = 12
        assert index_of(r.frame(10)) == 10 and r.seeks == 1
        assert index_of(r.frame(10 + FAR_GOPS * gop)) == 10 + FAR_GOPS * gop
        assert r.seeks == 1  # within 2 GOPs: decode forward
        assert index_of(r.frame(5)) == 5 and r.seeks == 2  # backwards
        assert index_of(r.frame(100)) == 100 and r.seeks == 3  # far forward
        decoded = r.decoded
        assert index_of(r.frame(100)) == 100 and r.decoded == decoded


def test_seek_count_beats_a_cold_reader_per_frame(long_clips: dict[Fraction, Path]) -> None:
    warm_seeks = 0
    with FrameReader(long_clips[NTSC]) as r:
        for k in range(0, FRAMES, 3):
            r.frame(k)
        warm_seeks = r.seeks
    cold = 0
    for k in range(0, FRAMES, 3):
        with FrameReader(long_clips[NTSC]) as c:
            c.frame(k)
            cold += c.seeks
    assert warm_seeks == 1 and cold == len(range(0, FRAMES, 3))


def test_resize_and_images(long_clips: dict[Fraction, Path]) -> None:
    with FrameReader(long_clips[NTSC]) as r:
        assert r.frame(7).shape == (54, 96, 3)
        small = r.frame(7, size=(48, None))
        assert small.shape == (27, 48, 3) and index_of(small) == 7
        assert r.frame(7, size=(None, 40)).shape == (40, 71, 3)
        img = r.image(8, size=(64, 36))
        assert img.size == (64, 36) and index_of(np.asarray(img)) == 8
        with pytest.raises(ValueError, match="size"):
            r.frame(7, size=(0, 10))


@pytest.mark.parametrize(
    ("t", "error"),
    [
        (RationalTime(-1, 25), "outside the media"),
        (RationalTime(FRAMES, 25), "outside the media"),
        (FRAMES, "outside the media"),
        (-1, "outside the media"),
        (RationalTime(10_000, 1), "outside the media"),
    ],
)
def test_times_outside_the_media_name_file_and_time(
    long_clips: dict[Fraction, Path], t: RationalTime | int, error: str
) -> None:
    p = long_clips[Fraction(25)]
    with FrameReader(p) as r, pytest.raises(MediaError, match=error) as info:
        r.frame(t)
    assert p.name in str(info.value)
    assert (str(t) if isinstance(t, RationalTime) else f"frame {t}") in str(info.value)


def test_last_instant_before_the_end_is_the_last_frame(long_clips: dict[Fraction, Path]) -> None:
    with FrameReader(long_clips[NTSC]) as r:
        t = RationalTime(Fraction(FRAMES * 1000 - 1, 1000), NTSC)
        assert index_of(r.frame(t)) == FRAMES - 1
        assert index_of(r.frame(t)) == FRAMES - 1  # again, from the drained decoder


def test_bad_inputs(long_clips: dict[Fraction, Path], tmp_path: Path) -> None:
    with FrameReader(long_clips[NTSC]) as r, pytest.raises(TypeError, match="RationalTime"):
        r.frame(1.5)  # type: ignore[arg-type]
    with pytest.raises(MediaError, match="no such file"):
        FrameReader(tmp_path / "missing.mp4")
    audio_only = make_clip(tmp_path / "a.mp4", video=False, frames=10)
    with pytest.raises(MediaError, match="no video stream"):
        FrameReader(audio_only)
    r = FrameReader(long_clips[NTSC])
    r.close()
    r.close()
    with pytest.raises(MediaError, match="closed"):
        r.frame(0)


def test_one_reader_shared_by_threads(long_clips: dict[Fraction, Path]) -> None:
    errors: list[str] = []
    with FrameReader(long_clips[NTSC]) as r:

        def work(seed: int) -> None:
            rng = np.random.default_rng(seed)
            for k in rng.integers(0, FRAMES, 15):
                got = index_of(r.frame(int(k)))
                if got != k:
                    errors.append(f"asked {k}, got {got}")

        threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert errors == []


def test_frame_at_pool_keeps_readers_warm_and_notices_a_changed_file(tmp_path: Path) -> None:
    from timeline_lab.media import _decoder

    close_readers()
    p = make_clip(tmp_path / "p.mp4", width=96, height=54, rate=25, frames=30, tag=7, audio=False)
    for k in range(30):
        assert read_frame_index(frame_at(p, k)) == (k, 7)
    (reader,) = _decoder.DEFAULT_READERS.readers()
    assert reader.seeks == 1
    assert frame_at(p, RationalTime(3, 25), size=(48, 27)).shape == (27, 48, 3)
    make_clip(p, width=96, height=54, rate=25, frames=30, tag=9, audio=False)  # rewritten in place
    assert read_frame_index(frame_at(p, 4)) == (4, 9)
    assert reader.closed and len(_decoder.DEFAULT_READERS) == 1
    close_readers()
    assert not _decoder.DEFAULT_READERS


def test_pool_is_bounded(tmp_path: Path) -> None:
    from timeline_lab.media import _decoder

    close_readers()
    paths = [
        make_clip(tmp_path / f"{n}.mp4", width=48, height=16, frames=3, tag=n, audio=False) for n in range(6)
    ]
    for n, p in enumerate(paths):
        assert read_frame_index(frame_at(p, 1)) == (1, n)
    assert len(_decoder.DEFAULT_READERS) == _decoder.DEFAULT_READERS.size
    close_readers()


@pytest.fixture(scope="module")
def vfr_clip(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[int]]:
    """Variable frame rate: 40 frames whose durations cycle 20/40/60 ms (time base 1/1000)."""
    path = tmp_path_factory.mktemp("vfr") / "vfr.mp4"
    pts = [0]
    for i in range(39):
        pts.append(pts[-1] + (20, 40, 60)[i % 3])
    with av.open(str(path), "w") as out:
        s = out.add_stream("libx264", rate=25, options={"preset": "veryfast", "crf": "14", "bf": "0"})
        s.width, s.height, s.pix_fmt = 96, 54, "yuv420p"
        s.codec_context.time_base = Fraction(1, 1000)
        s.codec_context.gop_size = 8
        for i, p in enumerate(pts):
            f = av.VideoFrame.from_ndarray(_render(i, 0, 96, 54), format="rgb24")
            f.pts, f.time_base = p, Fraction(1, 1000)
            out.mux(s.encode(f))
        out.mux(s.encode(None))
    return path, pts


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ms=st.lists(st.integers(0, 1000 * 1000 - 1).map(lambda x: Fraction(x, 1000)), min_size=1, max_size=4))
def test_variable_frame_rate_uses_exact_timestamps(
    vfr_clip: tuple[Path, list[int]], ms: list[Fraction]
) -> None:
    path, pts = vfr_clip
    with FrameReader(path) as r:
        assert r.video.variable_frame_rate
        end = pts[-1] + 60
        for m in ms:
            m = m % end  # stay inside the media
            want = max(i for i, p in enumerate(pts) if p <= m)
            got = r.read(RationalTime(m, 1000))
            assert index_of(got.rgb) == want
            assert got.time == RationalTime(pts[want], 1000)


def test_mpeg_ts_with_a_start_offset_and_imprecise_seeks(tmp_path: Path) -> None:
    """MPEG-TS starts after 0 and its demuxer may seek past (or off the end of) the keyframe asked."""
    path = tmp_path / "t.ts"
    with av.open(str(path), "w", format="mpegts") as out:
        s = out.add_stream("libx264", rate=25, options={"preset": "veryfast", "crf": "14"})
        s.width, s.height, s.pix_fmt = 96, 54, "yuv420p"
        s.codec_context.gop_size = 10
        for i in range(40):
            f = av.VideoFrame.from_ndarray(_render(i, 0, 96, 54), format="rgb24")
            f.pts, f.time_base = i, Fraction(1, 25)
            out.mux(s.encode(f))
        out.mux(s.encode(None))
    order = [*range(40), 39, 5, 20, 1, 38, 12, 0, 33]
    with FrameReader(path) as r:
        start = r.video.start
        assert start > RationalTime(0, 25)  # the B-frame delay the muxer adds
        for k in order:
            got = r.read(k)
            assert index_of(got.rgb) == k == got.index
            assert got.time == RationalTime(k, 25)  # media time counts from the stream's own start
        assert index_of(r.frame(RationalTime(0, 25))) == 0
