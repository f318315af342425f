"""A recording cut short (a TS whose last packets are cut off mid-way) is analysed up to where it
ends: the damaged packet is skipped as the ffmpeg CLI skips it, not the whole file refused."""

from __future__ import annotations

import logging
import shutil
import subprocess
from pathlib import Path

import av
import pytest

from timeline_lab.analysis import signals

FFMPEG = shutil.which("ffmpeg")


@pytest.fixture(scope="module")
def whole(tmp_path_factory: pytest.TempPathFactory) -> tuple[bytes, int]:
    assert FFMPEG is not None, "needs the ffmpeg CLI (make test installs it)"
    path = tmp_path_factory.mktemp("ts") / "full.ts"
    cmd = [FFMPEG, "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=s=160x120:r=25:d=4",
           "-f", "lavfi", "-i", "sine=f=440:r=48000:d=4", "-c:v", "libx264", "-pix_fmt", "yuv420p",
           "-c:a", "aac", "-f", "mpegts", str(path)]  # fmt: skip
    subprocess.run(cmd, check=True)
    with av.open(str(path)) as c:
        return path.read_bytes(), c.streams.audio[0].id


def _cut_in_sound(ts: bytes, pid: int, share: float) -> bytes:
    """``ts`` cut 100 bytes into the second TS packet of the first sound PES starting past ``share``
    of it: the recording's last AAC frame is cut off."""
    packets = range(0, len(ts) // 188 * 188, 188)
    starts = [i for i in packets if ((ts[i + 1] & 0x1F) << 8 | ts[i + 2]) == pid and ts[i + 1] & 0x40]
    at = next(i for i in starts if i > share * len(ts))
    return ts[: at + 188 + 100]


@pytest.mark.parametrize("share", [0.3, 0.4, 0.5, 0.6, 0.7, 0.8])
def test_sound_signals_of_a_recording_cut_short(
    tmp_path: Path, whole: tuple[bytes, int], share: float, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "cut.ts"
    path.write_bytes(_cut_in_sound(*whole, share))
    with caplog.at_level(logging.WARNING, "timeline_lab.analysis"):
        both = signals(path, ["luma", "loudness"])
        sound = signals(path, ["loudness", "silence"])
    assert both.height == signals(path, "luma").height > 0
    assert both["momentary"].drop_nulls().len() > 0 and sound.height > 0
    assert all("damaged packets skipped" in r.getMessage() for r in caplog.records)
