"""Frame sampler: exact times, selection (every / fps / ranges), letterbox, batches, decode thread."""

from __future__ import annotations

import threading
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from timeline_lab.media.synth import read_frame_index
from timeline_lab.model.time import RationalTime, TimeRange
from timeline_lab.recognition import RecognitionError
from timeline_lab.recognition.frames import FrameSampler, fit_image
from timeline_lab.recognition.geometry import PAD_VALUE, Letterbox


def _all(sampler: FrameSampler) -> tuple[list[int], list[Fraction], list[np.ndarray]]:
    frames: list[int] = []
    pts: list[Fraction] = []
    images: list[np.ndarray] = []
    for batch in sampler:
        frames += batch.frames.tolist()
        pts += batch.pts
        images += list(batch.images)
    return frames, pts, images


def test_every_frame_has_its_exact_time_and_index(videos: dict[str, Path]) -> None:
    frames, pts, images = _all(FrameSampler(videos["square"], batch=8))
    assert frames == list(range(50))
    assert pts == [Fraction(i, 25) for i in range(50)]
    assert [read_frame_index(im)[0] for im in images] == frames  # the pixels say the same


def test_ntsc_times_are_exact_rationals(videos: dict[str, Path]) -> None:
    frames, pts, _ = _all(FrameSampler(videos["ntsc"], every=7))
    assert frames == [0, 7, 14, 21, 28]
    assert pts == [Fraction(1001 * i, 30000) for i in frames]
    assert pts[1] == Fraction(7007, 30000)  # not 0.2335...


def test_batches_have_the_requested_shape(videos: dict[str, Path]) -> None:
    sampler = FrameSampler(videos["square"], batch=16, size=(160, 192))
    batches = list(sampler)
    assert [len(b) for b in batches] == [16, 16, 16, 2]
    assert all(b.images.shape[1:] == (160, 192, 3) and b.images.dtype == np.uint8 for b in batches)
    assert batches[0].geometry == Letterbox((240, 320), (160, 192), (144, 192), (8, 0))


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({"every": 5}, list(range(0, 50, 5))),
        ({"fps": 10}, [0, 3, 5, 8, 10, 13, 15, 18, 20, 23, 25, 28, 30, 33, 35, 38, 40, 43, 45, 48]),
        ({"fps": "1"}, [0, 25]),
        ({"fps": 100}, list(range(50))),  # faster than the video: every frame once
        ({"ranges": [(Fraction(1, 5), Fraction(2, 5))]}, [5, 6, 7, 8, 9]),
        ({"ranges": [(1, "1.2"), (0, Fraction(2, 25))]}, [0, 1, 25, 26, 27, 28, 29]),
        ({"ranges": [TimeRange.from_frames(40, 5, 25)], "every": 2}, [40, 42, 44]),
        ({"ranges": [(RationalTime(48, 25), 10)]}, [48, 49]),  # open past the end
        ({"ranges": [(0, 1), (Fraction(1, 2), Fraction(6, 5))]}, list(range(30))),  # merged
    ],
)
def test_selection(videos: dict[str, Path], options: dict, expected: list[int]) -> None:
    sampler = FrameSampler(videos["square"], batch=4, **options)
    frames, pts, images = _all(sampler)
    assert frames == expected
    assert pts == [Fraction(f, 25) for f in expected]
    assert [read_frame_index(im)[0] for im in images] == expected  # seeking landed on the right frames
    assert sampler.expected_frames() == len(expected)


def test_letterbox_matches_ultralytics_rounding() -> None:
    g = Letterbox.fit((240, 320), (320, 320))
    assert (g.new, g.pad) == ((240, 320), (40, 0))
    g = Letterbox.fit((1080, 1920), (640, 640))
    assert (g.new, g.pad) == ((360, 640), (140, 0))
    g = Letterbox.fit((101, 333), (160, 160))  # odd padding: ultralytics puts the extra row below
    assert g.new == (49, 160) and g.pad == (55, 0)
    boxes = np.array([[0, 55, 160, 104], [-5, 0, 400, 500]], np.float32)
    back = g.to_source(boxes)
    np.testing.assert_allclose(back[0], [0, 0, 333, 101], atol=1e-3)
    np.testing.assert_allclose(back[1], [0, 0, 333, 101])  # clipped to the frame


def test_letterboxed_pixels(videos: dict[str, Path]) -> None:
    _, _, images = _all(FrameSampler(videos["square"], size=320, batch=50))
    first = images[0]
    assert first.shape == (320, 320, 3)
    assert (first[:40] == PAD_VALUE).all() and (first[280:] == PAD_VALUE).all()
    _, _, native = _all(FrameSampler(videos["square"], batch=50))
    assert np.array_equal(first[40:280], native[0])  # same size: no resampling at all


def test_fit_image_scales_and_pads() -> None:
    img = np.zeros((100, 200, 3), np.uint8)
    img[:, :100] = 255
    g = Letterbox.fit((100, 200), (64, 64))
    out = fit_image(img, g)
    assert out.shape == (64, 64, 3)
    assert (out[:16] == PAD_VALUE).all() and (out[48:] == PAD_VALUE).all()
    assert out[32, 5, 0] == 255 and out[32, 60, 0] == 0


def test_bgr_output(videos: dict[str, Path]) -> None:
    rgb = next(iter(FrameSampler(videos["square"], batch=1))).images[0]
    bgr = next(iter(FrameSampler(videos["square"], batch=1, pixel_format="bgr24"))).images[0]
    assert np.array_equal(rgb[..., ::-1], bgr)


def test_decode_runs_in_a_bounded_background_thread(videos: dict[str, Path]) -> None:
    before = {t.name for t in threading.enumerate()}
    sampler = FrameSampler(videos["square"], batch=1, queue_size=2)
    it = iter(sampler)
    first = next(it)
    assert first.frames.tolist() == [0]
    assert any(t.name.startswith("decode-") for t in threading.enumerate())
    it.close()  # stop early: the producer must not stay blocked on the full queue
    assert {t.name for t in threading.enumerate()} - before == set()


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"every": 0}, "every"),
        ({"every": 2, "fps": 5}, "not both"),
        ({"fps": 0}, "fps"),
        ({"ranges": [(2, 1)]}, "start < end"),
        ({"fit": "crop"}, "fit"),
        ({"batch": 0}, "batch"),
    ],
)
def test_bad_options(videos: dict[str, Path], options: dict, message: str) -> None:
    with pytest.raises(RecognitionError, match=message):
        FrameSampler(videos["square"], **options)


def test_no_video_stream_is_a_clear_error(videos: dict[str, Path]) -> None:
    with pytest.raises(RecognitionError, match=r"tone\.mp4: no video stream \(audio only\)"):
        FrameSampler(videos["audio"])


def test_not_a_video(tmp_path: Path) -> None:
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(b"not a video at all")
    with pytest.raises(RecognitionError, match=r"junk\.mp4: cannot read it as a video"):
        FrameSampler(junk)


def test_variable_frame_rate_counts_frames_and_keeps_their_times(tmp_path: Path) -> None:
    import av

    from timeline_lab.media.synth import _render

    path = tmp_path / "vfr.mkv"
    stamps = [0, 40, 80, 200, 240, 400, 440, 480, 600, 640]  # ms: holes in the frame grid
    with av.open(str(path), "w") as c:
        s = c.add_stream("libx264", rate=25, options={"crf": "14", "preset": "veryfast"})
        s.width, s.height, s.pix_fmt = 160, 120, "yuv420p"
        s.codec_context.time_base = Fraction(1, 1000)
        for i, ms in enumerate(stamps):
            frame = av.VideoFrame.from_ndarray(_render(i, 0, 160, 120), "rgb24")
            frame.pts, frame.time_base = ms, Fraction(1, 1000)
            c.mux(s.encode(frame))
        c.mux(s.encode(None))
    frames, pts, images = _all(FrameSampler(path))
    assert frames == list(range(10)) == [read_frame_index(im)[0] for im in images]
    assert pts == [Fraction(ms, 1000) for ms in stamps]
    frames, pts, _ = _all(FrameSampler(path, ranges=[(Fraction(1, 10), Fraction(1, 2))]))
    assert frames == [3, 4, 5, 6, 7]  # no seeking in VFR: the index stays the decode count
    assert _all(FrameSampler(path, fps=5))[0] == [0, 3, 5, 8]


def test_resize_stretches_and_maps_back(videos: dict[str, Path]) -> None:
    batch = next(iter(FrameSampler(videos["square"], size=(120, 120), fit="resize", batch=2)))
    g = batch.geometry
    assert batch.images.shape == (2, 120, 120, 3) and g.pad == (0, 0) and g.new == (120, 120)
    assert (batch.images != PAD_VALUE).any(axis=3)[:, :5].any()  # no padding rows: picture to the edges
    np.testing.assert_allclose(g.to_source(np.array([[30, 60, 60, 120]])), [[80, 120, 160, 240]])
