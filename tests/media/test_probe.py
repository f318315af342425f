from __future__ import annotations

import os
import time
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.media.conftest import NTSC, Clip
from timeline_lab.errors import DamagedMediaError, MediaError
from timeline_lab.media.nal import is_idr, nal_units
from timeline_lab.media.probe import keyframes, probe
from timeline_lab.media.timestamps import _orphans
from timeline_lab.model.time import RationalTime


def test_ntsc_clip_is_described_exactly(clips: dict[str, Clip]) -> None:
    c = clips["ntsc"]
    info = probe(c.path)
    assert info.path == c.path
    assert "mp4" in info.format_name
    assert info.size_bytes == c.path.stat().st_size
    assert info.has_video and info.has_audio
    v = info.primary_video
    assert v is not None and v is info.video[0]
    assert (v.codec, v.width, v.height, v.pix_fmt) == ("h264", 160, 90, "yuv420p")
    assert type(v.frame_rate) is Fraction and v.frame_rate == NTSC
    assert v.time_base == Fraction(1, 30000)
    assert v.frame_count == 60
    assert v.duration is not None and v.duration.strictly_equal(RationalTime(60, NTSC))
    assert v.start.strictly_equal(RationalTime(0, NTSC))
    assert v.rotation == 0
    assert v.sample_aspect_ratio == 1
    assert v.variable_frame_rate is False
    assert v.bit_rate and v.bit_rate > 0
    a = info.primary_audio
    assert a is not None and a is info.audio[0]
    assert (a.codec, a.sample_rate, a.channels, a.layout) == ("aac", 48000, 2, "stereo")
    assert a.sample_count == 96096
    assert a.duration == v.duration
    assert a.start.to_seconds() == 0
    assert info.duration is not None and info.duration.strictly_equal(v.duration)
    assert info.bit_rate and info.bit_rate > 0


def test_pal_clip(clips: dict[str, Clip]) -> None:
    info = probe(str(clips["pal"].path))  # str paths work too
    v = info.primary_video
    assert v is not None
    assert (v.width, v.height, v.frame_rate, v.frame_count) == (320, 240, 25, 50)
    assert v.duration is not None and v.duration.strictly_equal(RationalTime(50, 25))


def test_no_float_seconds_anywhere(clips: dict[str, Clip]) -> None:
    info = probe(clips["ntsc"].path)
    for stream in (*info.video, *info.audio):
        for value in vars(stream).values():
            assert not isinstance(value, float)


def test_matroska_rate_is_recovered_from_millisecond_timestamps(tmp_path: Path) -> None:
    from timeline_lab.media.synth import make_clip

    path = make_clip(tmp_path / "c.mkv", width=64, height=48, rate=NTSC, frames=40)
    info = probe(path)
    v = info.primary_video
    assert v is not None and v.frame_rate == NTSC and not v.variable_frame_rate
    # Matroska stores 1 ms ticks and a DURATION tag; both snap to the frame grid
    assert v.duration is not None and v.duration.strictly_equal(RationalTime(40, NTSC))
    assert v.frame_count == 40
    assert info.duration is not None and info.duration.strictly_equal(RationalTime(40, NTSC))
    assert keyframes(path)[1].strictly_equal(RationalTime(15, NTSC))  # 501 ms on disk
    # no exact audio length in Matroska: None rather than a ms-rounded sample count
    assert info.primary_audio is not None and info.primary_audio.sample_count is None


@pytest.mark.parametrize("degrees", [90, 180, 270])
def test_rotation_matches_what_decoded_frames_report(tmp_path: Path, degrees: int) -> None:
    path = tmp_path / f"rot{degrees}.mp4"
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=25)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        stream.set_display_rotation(degrees)
        for i in range(3):
            frame = av.VideoFrame.from_ndarray(np.zeros((48, 64, 3), np.uint8), format="rgb24")
            frame.pts = i
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    with av.open(str(path)) as container:
        decoded = next(container.decode(video=0)).rotation
    v = probe(path).primary_video
    assert v is not None and v.rotation == decoded % 360 == degrees


def _write_timed(path: Path, pts: list[int], options: dict[str, str] | None = None) -> Path:
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=25, options=options or {})
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        stream.codec_context.time_base = Fraction(1, 1000)
        for t in pts:
            frame = av.VideoFrame.from_ndarray(np.zeros((48, 64, 3), np.uint8), format="rgb24")
            frame.pts, frame.time_base = t, Fraction(1, 1000)
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    return path


def test_variable_frame_rate_is_detected(tmp_path: Path) -> None:
    steps = [40, 40, 80, 40, 120, 40, 40, 200] * 3
    pts = [sum(steps[:i]) for i in range(len(steps))]
    info = probe(_write_timed(tmp_path / "vfr.mp4", pts))
    v = info.primary_video
    assert v is not None and v.variable_frame_rate is True
    assert v.frame_count == len(pts)


@given(
    step=st.sampled_from([512, 1001, 3003, 3600, 40]),
    frames=st.integers(12, 400),
    hole=st.integers(1, 8),
    after=st.lists(st.integers(1, 4), min_size=1, max_size=3),
)
def test_a_stream_copy_cuts_remnant_after_a_hole_at_the_end_is_left_out(
    step: int, frames: int, hole: int, after: list[int]
) -> None:
    """A cut inside a GOP keeps its last anchors but drops the B-frames shown before them: the frames
    after that hole are left out, and the stream stays the constant-rate one it was."""
    pts = [k * step for k in range(frames)]
    at = pts[-1] + (hole + 1) * step
    for gap in after:
        pts.append(at)
        at += gap * step
    assert _orphans(np.array(pts, np.int64)) == len(after)


@pytest.mark.parametrize("dropped", [[57], [56, 57]])
def test_frames_a_camera_wrote_after_dropping_some_at_the_end_are_kept(
    tmp_path: Path, dropped: list[int]
) -> None:
    """No B-frames: the frames after the hole were decoded after it, so they are real frames, not
    a cut's remnant (found in review: the first rule dropped them)."""
    pts = [40 * k for k in range(60) if k not in dropped]
    v = probe(_write_timed(tmp_path / "drop.mp4", pts, {"bf": "0"})).primary_video
    assert v is not None and v.frame_count == len(pts) and v.variable_frame_rate


@pytest.mark.parametrize(
    "steps",
    [
        [512] * 30,  # constant: nothing to leave out
        [512] * 15 + [1024] + [512] * 15,  # a hole in the middle: variable rate, every frame kept
        [512] * 30 + [1024] * 4,  # more than three frames after the hole
        [512] * 30 + [700],  # not whole frames: the last frame lasts longer, it is kept
        [512, 530, 500, 512] * 8 + [2048],  # jitter before the end: variable rate as it is
        [512] * 5 + [2048],  # too short to tell
        [1] * 30,  # a frame a tick (AVI): the tick of rounding slack is no hole
        [1] * 30 + [2],
    ],
)
def test_other_irregular_ends_keep_every_frame(steps: list[int]) -> None:
    pts = np.concatenate([[0], np.cumsum(steps)]).astype(np.int64)
    assert _orphans(pts) == 0


def test_constant_rate_in_a_coarse_time_base_is_not_vfr(tmp_path: Path) -> None:
    v = probe(_write_timed(tmp_path / "cfr.mp4", [40 * i for i in range(30)])).primary_video
    assert v is not None and v.variable_frame_rate is False and v.frame_rate == 25


def test_keyframes_are_sorted_and_real(clips: dict[str, Clip]) -> None:
    c = clips["ntsc"]
    keys = keyframes(c.path)
    assert keys == [RationalTime(i, NTSC) for i in (0, 15, 30, 45)]  # GOP of rate/2, no extras
    assert keys[0].strictly_equal(RationalTime(0, NTSC))
    with av.open(str(c.path)) as container:
        decoded = [f.pts * f.time_base for f in container.decode(video=0) if f.key_frame]
    assert [k.to_seconds() for k in keys] == decoded


def test_keyframes_cache_follows_the_file(tmp_path: Path) -> None:
    from timeline_lab.media.synth import make_clip

    path = make_clip(tmp_path / "k.mp4", width=64, height=48, rate=25, frames=30, audio=False)
    first = keyframes(path)
    first.clear()  # callers get their own list
    assert keyframes(path) == [RationalTime(i, 25) for i in (0, 12, 24)]
    os.utime(path, ns=(0, 0))
    make_clip(path, width=64, height=48, rate=25, frames=10, audio=False)
    assert keyframes(path) == [RationalTime(0, 25)]


def test_keyframes_of_a_missing_stream(clips: dict[str, Clip], tmp_path: Path) -> None:
    from timeline_lab.media.synth import make_clip

    with pytest.raises(MediaError, match="stream 1 is not a video stream"):
        keyframes(clips["ntsc"].path, stream_index=1)
    sound = make_clip(tmp_path / "sound.mp4", frames=3, video=False)
    with pytest.raises(MediaError, match=r"sound\.mp4: no video stream"):
        keyframes(sound)


def _bad_file(kind: str, tmp_path: Path, clips: dict[str, Clip]) -> Path:
    path = tmp_path / f"{kind}.mp4"
    if kind == "missing":
        pass
    elif kind == "directory":
        path.mkdir()
    elif kind == "text":
        path.write_text("hello, this is not a video\n" * 40)
    elif kind == "empty":
        path.write_bytes(b"")
    elif kind == "truncated_1k":
        path.write_bytes(clips["pal"].path.read_bytes()[:1024])
    elif kind == "truncated_half":
        data = clips["pal"].path.read_bytes()
        path.write_bytes(data[: len(data) // 2])
    elif kind == "truncated_mkv":
        from timeline_lab.media.synth import make_clip

        full = make_clip(tmp_path / "full.mkv", width=64, height=48, frames=20)
        path = tmp_path / "truncated.mkv"
        path.write_bytes(full.read_bytes()[:1024])
    elif kind == "fifo":
        os.mkfifo(path)
    return path


_BAD = [
    ("missing", "no such file"),
    ("directory", "is a directory"),
    ("text", r"not a media file \(Invalid data found"),
    ("empty", "empty file"),
    ("truncated_1k", "damaged or truncated"),
    ("truncated_half", "truncated"),
    ("truncated_mkv", "truncated"),
    ("fifo", "not a regular file"),
]


@pytest.mark.parametrize(
    ("function", "kind", "reason"),
    [(probe, kind, reason) for kind, reason in _BAD]
    # keyframes only demuxes what is there; completeness is probe's job
    + [(keyframes, kind, reason) for kind, reason in _BAD if kind[:9] != "truncated"]
    + [(keyframes, "truncated_1k", "damaged or truncated")],
)
def test_bad_files_fail_fast_with_the_file_name(
    tmp_path: Path, clips: dict[str, Clip], function: object, kind: str, reason: str
) -> None:
    path = _bad_file(kind, tmp_path, clips)
    started = time.monotonic()
    with pytest.raises(MediaError, match=reason) as caught:
        function(path)  # type: ignore[operator]
    assert time.monotonic() - started < 2
    assert type(caught.value) in (MediaError, DamagedMediaError)  # never another kind of exception
    assert str(path) in str(caught.value)


@pytest.mark.slow
def test_damaged_files_give_media_errors_only(tmp_path: Path, clips: dict[str, Clip]) -> None:
    """Random bytes changed in an MP4's head: probe and frame access fail cleanly or succeed."""
    import random

    from timeline_lab.media._decoder import close_readers, frame_at

    src = clips["pal"].path.read_bytes()
    rng = random.Random(2)
    for i in range(120):
        data = bytearray(src)
        for _ in range(rng.randint(1, 20)):
            data[rng.randrange(min(len(data), 6000))] = rng.randrange(256)
        p = tmp_path / f"damaged{i % 3}.mp4"
        p.write_bytes(bytes(data))
        try:
            probe(p)
            frame_at(p, 3)
        except MediaError:
            pass
        finally:
            close_readers()


def test_nal_types_are_read_length_prefixed_and_from_start_codes() -> None:
    """Which NAL units a keyframe holds (an IDR is type 5), in MP4's and in Annex B's framing."""
    units = [b"\x06\x05\x10", b"\x65\x88\x84\x21", b"\x41\x9a"]  # SEI, IDR slice, non-IDR slice
    mp4 = b"".join(len(u).to_bytes(4, "big") + u for u in units)
    annex_b = b"".join(b"\x00\x00\x00\x01" + u for u in units)
    assert nal_units(mp4, 4) == nal_units(annex_b, None) == units
    assert is_idr(mp4, 4) and is_idr(annex_b, None)
    assert not is_idr(b"\x00\x00\x01\x06\x05\x00\x00\x01\x41\x9a", None)  # a recovery point
