from __future__ import annotations

from fractions import Fraction

import av
import numpy as np
import pytest
from PIL import Image

from tests.media.conftest import NTSC, Clip
from timeline_lab.errors import MediaError
from timeline_lab.media.probe import probe
from timeline_lab.media.synth import (
    make_clip,
    make_demo_media,
    read_frame_index,
    read_frame_indices,
)


@pytest.mark.parametrize("name", ["ntsc", "pal"])
def test_every_frame_carries_its_index_and_tag(clips: dict[str, Clip], name: str) -> None:
    c = clips[name]
    assert read_frame_indices(c.path) == [(i, c.tag) for i in range(c.frames)]


@pytest.mark.parametrize("name", ["ntsc", "pal"])
def test_frame_i_is_shown_at_exactly_i_over_rate(clips: dict[str, Clip], name: str) -> None:
    c = clips[name]
    with av.open(str(c.path)) as container:
        times = [f.pts * f.time_base for f in container.decode(video=0)]
    assert times == [Fraction(i) / c.rate for i in range(c.frames)]


@pytest.mark.parametrize("size", [(64, 36), (640, 360), (100, 100)])
@pytest.mark.parametrize("resample", [Image.Resampling.BILINEAR, Image.Resampling.LANCZOS])
def test_code_survives_rescaling(
    clips: dict[str, Clip], size: tuple[int, int], resample: Image.Resampling
) -> None:
    c = clips["ntsc"]
    with av.open(str(c.path)) as container:
        for i, frame in enumerate(container.decode(video=0)):
            scaled = np.asarray(frame.to_image().resize(size, resample))
            assert read_frame_index(scaled) == (i, c.tag)


@pytest.mark.parametrize("name", ["ntsc", "pal"])
def test_audio_lasts_exactly_as_long_as_video(clips: dict[str, Clip], name: str) -> None:
    c = clips[name]
    info = probe(c.path)
    assert info.primary_video is not None and info.primary_audio is not None
    expected = Fraction(c.frames) / c.rate
    assert info.primary_video.duration is not None and info.primary_audio.duration is not None
    assert info.primary_video.duration.to_seconds() == expected
    assert info.primary_audio.duration.to_seconds() == expected
    assert info.primary_audio.sample_count == expected * 48000


def test_audio_length_is_rounded_to_whole_samples(tmp_path) -> None:
    # 7 frames at 29.97 fps = 11211.2 samples at 48 kHz
    path = make_clip(tmp_path / "seven.mp4", width=64, height=48, rate=NTSC, frames=7)
    audio = probe(path).primary_audio
    assert audio is not None and audio.sample_count == 11211


@pytest.mark.parametrize("name", ["ntsc", "pal"])
def test_tone_has_the_requested_pitch(clips: dict[str, Clip], name: str) -> None:
    c = clips[name]
    with av.open(str(c.path)) as container:
        frames = [f.to_ndarray() for f in container.decode(audio=0)]
        rate = container.streams.audio[0].sample_rate
    mono = np.concatenate(frames, axis=1)[0]
    spectrum = np.abs(np.fft.rfft(mono * np.hanning(len(mono))))
    peak_hz = np.argmax(spectrum) * rate / len(mono)
    assert abs(peak_hz - c.tone_hz) < 3


@pytest.mark.parametrize(("suffix", "codec"), [(".mkv", "h264"), (".mov", "h264"), (".webm", "vp9")])
def test_other_containers(tmp_path, suffix: str, codec: str) -> None:
    path = make_clip(tmp_path / f"clip{suffix}", width=96, height=64, rate=NTSC, frames=12, tag=9)
    assert read_frame_indices(path) == [(i, 9) for i in range(12)]
    info = probe(path)
    assert info.primary_video is not None and info.primary_video.codec == codec
    assert info.primary_video.frame_rate == NTSC


def test_video_only_and_audio_only(tmp_path) -> None:
    silent = probe(make_clip(tmp_path / "v.mp4", width=64, height=48, frames=5, audio=False))
    assert silent.has_video and not silent.has_audio
    sound = probe(make_clip(tmp_path / "a.mp4", frames=5, video=False, channels=1))
    assert sound.has_audio and not sound.has_video
    assert sound.primary_audio is not None and sound.primary_audio.layout == "mono"
    assert sound.duration is not None and sound.duration.to_seconds() == Fraction(5, 25)


def test_writes_atomically(tmp_path) -> None:
    make_clip(tmp_path / "ok.mp4", width=64, height=48, frames=3)
    with pytest.raises(MediaError, match=r"bad\.mp4.*libx264/rgb48le"):  # x264 refuses it at open
        make_clip(tmp_path / "bad.mp4", width=64, height=48, frames=3, pix_fmt="rgb48le")
    assert [p.name for p in tmp_path.iterdir()] == ["ok.mp4"]


@pytest.mark.parametrize(
    ("kwargs", "argument"),
    [
        ({"frames": 0}, "frames"),
        ({"frames": 65536}, "frames"),
        ({"rate": 0}, "rate"),
        ({"rate": "fast"}, "rate"),
        ({"width": 161}, "width"),
        ({"height": 91}, "height"),
        ({"width": 40}, "width"),
        ({"tag": 256}, "tag"),
        ({"tag": -1}, "tag"),
        ({"tone_hz": 30000.0}, "tone_hz"),
        ({"channels": 0}, "channels"),
        ({"audio": False, "video": False}, "audio"),
        ({"name": "clip.avi"}, "suffix"),
        ({"codec": "no_such_codec"}, "codec"),
        ({"pix_fmt": "bogus"}, "pix_fmt"),
    ],
)
def test_bad_arguments_name_the_argument(tmp_path, kwargs: dict, argument: str) -> None:
    name = kwargs.pop("name", "clip.mp4")
    with pytest.raises(ValueError, match=argument):
        make_clip(tmp_path / name, **kwargs)
    assert not any(tmp_path.iterdir())


def test_read_frame_index_rejects_non_images() -> None:
    with pytest.raises(ValueError, match="shape"):
        read_frame_index(np.zeros(10))
    with pytest.raises(ValueError, match="too small"):
        read_frame_index(np.zeros((4, 8, 3), np.uint8))


def test_demo_media_is_made_once(tmp_path) -> None:
    paths = make_demo_media(tmp_path / "demo")
    rates = {probe(p).primary_video.frame_rate for p in paths}  # type: ignore[union-attr]
    assert {Fraction(25), NTSC} <= rates
    mtimes = [p.stat().st_mtime_ns for p in paths]
    assert make_demo_media(tmp_path / "demo") == paths
    assert [p.stat().st_mtime_ns for p in paths] == mtimes
