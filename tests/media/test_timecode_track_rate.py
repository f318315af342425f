"""A MOV's timecode track may count at another rate than its picture (50p or 59.94p cameras with 25
or 29.97 fps timecode, high-frame-rate clips with base-rate timecode): a source timecode is counted on
the timecode's own clock, then found among the video's frames. Counted at the video's rate,
``studio.clip(f, "10:00:00:10")`` of a 50p file with 25 fps timecode cut at frame 10, not 20."""

from __future__ import annotations

import shutil
import subprocess
from fractions import Fraction
from pathlib import Path

import pytest

from timeline_lab.interchange._otio_timecode import start_timecode
from timeline_lab.media.clips import clip_of, timecode_frame
from timeline_lab.media.probe import probe
from timeline_lab.media.reference import reference_for
from timeline_lab.media.synth import _render
from timeline_lab.model.time import RationalTime
from timeline_lab.model.timecode import timecode_frames

FFMPEG = shutil.which("ffmpeg")
pytestmark = pytest.mark.skipif(FFMPEG is None, reason="the ffmpeg CLI writes the timecode track")


def _encode(path: Path, rate: str, frames: int, extra: list[str]) -> Path:
    assert FFMPEG is not None
    raw = b"".join(_render(i, 3, 64, 48).tobytes() for i in range(frames))
    cmd = [FFMPEG, "-v", "error", "-y", "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", "64x48"]
    cmd += ["-framerate", rate, "-i", "pipe:0", "-c:v", "libx264", "-preset", "ultrafast", *extra]
    subprocess.run([*cmd, str(path)], input=raw, check=True)
    return path


def _camera_file(tmp_path: Path, video_rate: str, frames: int, tc_rate: str, start: str) -> Path:
    """A ``video_rate`` picture with a ``tc_rate`` timecode track starting at ``start``."""
    assert FFMPEG is not None
    clock = _encode(tmp_path / "clock.mov", tc_rate, 3, ["-timecode", start])
    picture = _encode(tmp_path / "picture.mov", video_rate, frames, [])
    out = tmp_path / "camera.mov"  # (FFmpeg's MP4 muxer takes no timecode track to copy)
    cmd = [FFMPEG, "-v", "error", "-y", "-i", str(picture), "-i", str(clock)]
    subprocess.run([*cmd, "-map", "0:v", "-map", "1:d", "-c", "copy", str(out)], check=True)
    return out


CASES = [  # (video rate, timecode rate, start, a timecode, the video frame it names)
    ("50", "25", "10:00:00:00", "10:00:00:10", 20),
    ("50", "25", "10:00:00:00", "10:00:01:20", 90),
    ("50", "25", "23:59:59:20", "00:00:00:02", 14),  # past midnight on the 25 fps clock
    ("60000/1001", "30000/1001", "01:00:00:00", "01:00:01:02", 64),
    ("60000/1001", "30000/1001", "00:59:59:28", "01:00:00:02", 8),
    ("120", "24", "01:00:00:00", "01:00:00:05", 25),
    ("100", "25", "01:00:00:10", "01:00:00:13", 12),
    ("25", "25", "01:00:00:00", "01:00:00:07", 7),  # the same clock: as before
]


@pytest.mark.parametrize(("video_rate", "tc_rate", "start", "at", "frame"), CASES)
def test_a_source_timecode_counts_on_the_timecode_tracks_clock(
    tmp_path: Path, video_rate: str, tc_rate: str, start: str, at: str, frame: int
) -> None:
    path = _camera_file(tmp_path, video_rate, 100, tc_rate, start)
    video = probe(path).primary_video
    assert video is not None and video.frame_rate == Fraction(video_rate)
    assert (video.timecode, video.timecode_rate or video.frame_rate) == (start, Fraction(tc_rate))
    ref = reference_for(path)
    assert timecode_frame(ref, at) == frame
    assert clip_of(ref, at, 2).source_range.start.to_frames(ref.rate) == frame
    # the clock EDL and XML source times are written on: the first frame's time, on the video's frames
    seconds = timecode_frames(start, Fraction(tc_rate)) / Fraction(tc_rate)
    assert start_timecode(ref) == RationalTime(seconds * Fraction(video_rate), Fraction(video_rate))


def test_a_timecode_the_timecode_clock_cannot_count_is_refused(tmp_path: Path) -> None:
    ref = reference_for(_camera_file(tmp_path, "50", 60, "25", "10:00:00:00"))
    with pytest.raises(Exception, match="out of range at 25 fps"):  # frame 30 exists at 50, not at 25
        timecode_frame(ref, "10:00:00:30")


@pytest.mark.parametrize(
    ("start", "at", "frame"), [("01:00:00;00", "01:00:01;02", 64), ("00:59:59;28", "01:00:00;02", 8)]
)
def test_a_drop_frame_timecode_counts_its_drops_on_its_own_clock(
    tmp_path: Path, start: str, at: str, frame: int
) -> None:
    """29.97 drop-frame timecode on a 59.94p picture (FFmpeg's copy of a timecode track loses its
    drop-frame flag, so the file's own start is non-drop; the drops are in the timecodes counted)."""
    video = probe(_camera_file(tmp_path, "60000/1001", 20, "30000/1001", "01:00:00:00")).primary_video
    assert video is not None and video.timecode_rate == Fraction(30000, 1001)
    rate = video.frame_rate
    assert video.timecode_frame(at) - video.timecode_frame(start) == frame
    assert video.timecode_frame(at, rate) == 2 * timecode_frames(at, Fraction(30000, 1001))
