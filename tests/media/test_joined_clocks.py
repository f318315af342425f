"""Recordings joined byte for byte on separate clocks (``cat a.ts b.ts``, a saved live stream with
ad breaks): each part's timestamps restart, so the frames would interleave by time. The probe
refuses the file naming it and the remedy; the remedy (the ffmpeg CLI's stream copy, which lines
the parts up) gives a file that probes whole. Parts joined on one running clock still pass."""

from __future__ import annotations

import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from timeline_lab.errors import DamagedMediaError
from timeline_lab.media.probe import probe
from timeline_lab.studio import Studio

FFMPEG = shutil.which("ffmpeg")
pytestmark = pytest.mark.skipif(FFMPEG is None, reason="the ffmpeg CLI makes the segments")


def _segments(d: Path, offsets: tuple[float, float]) -> Path:
    """Two 2 s H.264 + AAC transport streams, their clocks offset as given, joined byte for byte."""
    assert FFMPEG is not None
    joined = b""
    for k, offset in enumerate(offsets):
        part = d / f"part{k}.ts"
        args = f"-f lavfi -i testsrc2=s=96x64:r=25:d=2 -f lavfi -i sine=f={440 + 220 * k}:d=2:r=48000 "
        args += (
            f"-c:v libx264 -g 10 -c:a aac -avoid_negative_ts disabled -output_ts_offset {offset} -f mpegts"
        )
        subprocess.run([FFMPEG, "-v", "error", "-y", *args.split(), str(part)], check=True)
        joined += part.read_bytes()
    path = d / "joined.ts"
    path.write_bytes(joined)
    return path


def test_a_clock_that_restarts_is_refused_with_its_remedy(tmp_path: Path) -> None:
    path = _segments(tmp_path, (0, 0))  # each part starts its clock afresh
    with pytest.raises(
        DamagedMediaError, match=r"joined\.ts: stream 0's timestamps run back 1\.9\d\d s"
    ) as err:
        probe(path)
    assert "the ffmpeg CLI lines the parts up" in str(err.value)
    with pytest.raises(DamagedMediaError):  # not a file of sound only, its picture left out
        Studio(workspace=tmp_path).media(path)
    remedy = shlex.split(str(err.value).rsplit(": ", 1)[-1])
    assert remedy[:2] == ["ffmpeg", "-i"]
    fixed = tmp_path / "joined.mp4"
    subprocess.run([FFMPEG, "-v", "error", "-y", "-i", str(path), *remedy[3:-1], str(fixed)], check=True)
    whole = probe(fixed).video[0]
    assert whole.frame_count == 100 and not whole.variable_frame_rate


def test_parts_on_one_running_clock_pass(tmp_path: Path) -> None:
    info = probe(_segments(tmp_path, (0, 2))).video[0]  # a recorder's split files: the clock runs on
    assert info.frame_count == 100 and not info.variable_frame_rate


def test_where_a_copy_cannot_line_the_parts_up_the_message_says_how_instead(tmp_path: Path) -> None:
    """Fragmented MP4 joined byte for byte: FFmpeg's copy would keep the interleaving (MP4's clock
    is not one that may break), so the message sends to the concat demuxer instead."""
    assert FFMPEG is not None
    part = tmp_path / "frag.mp4"
    args = "-f lavfi -i testsrc2=s=96x64:r=25:d=2 -c:v libx264 -g 10 -movflags frag_keyframe+empty_moov"
    subprocess.run([FFMPEG, "-v", "error", "-y", *args.split(), str(part)], check=True)
    joined = tmp_path / "joined.mp4"
    joined.write_bytes(part.read_bytes() * 2)
    with pytest.raises(DamagedMediaError, match="concat demuxer") as err:
        probe(joined)
    assert "ffmpeg -i" not in str(err.value)
