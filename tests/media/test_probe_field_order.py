"""Probe reports how a camera scanned its pictures: progressive, or interlaced top or bottom field first."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from timeline_lab.media.probe import probe

FFMPEG = shutil.which("ffmpeg")

# (file name, encoder options, expected field order): H.264 (PAFF/MBAFF-style flags), MPEG-2 as DV
# and XDCAM cameras record it, in MP4, MPEG-TS and MXF
_CASES = [
    ("h264_tff.mp4", ["-c:v", "libx264", "-flags", "+ildct+ilme", "-x264opts", "tff=1"], "tff"),
    ("h264_bff.mp4", ["-c:v", "libx264", "-flags", "+ildct+ilme", "-x264opts", "bff=1"], "bff"),
    ("h264_tff.ts", ["-c:v", "libx264", "-flags", "+ildct+ilme", "-x264opts", "tff=1"], "tff"),
    ("mpeg2_tff.mxf", ["-c:v", "mpeg2video", "-flags", "+ildct+ilme", "-top", "1"], "tff"),
    ("mpeg2_bff.mxf", ["-c:v", "mpeg2video", "-flags", "+ildct+ilme", "-top", "0"], "bff"),
    ("h264_progressive.mp4", ["-c:v", "libx264"], "progressive"),
    ("mpeg2_progressive.ts", ["-c:v", "mpeg2video"], "progressive"),
]
_WEAVES = {
    "tff": "tinterlace=interleave_top,setfield=tff",
    "bff": "tinterlace=interleave_bottom,setfield=bff",
    "progressive": "fps=25",
}


def _interlaced(folder: Path, name: str, options: list[str], order: str) -> Path:
    """A 25i clip woven from 50p test pictures (each field its own moment), tagged ``order``."""
    if FFMPEG is None:
        pytest.skip("needs the ffmpeg CLI (make test installs it)")
    path = folder / name
    cmd = [FFMPEG, "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=64x48:rate=50:duration=0.4"]
    cmd += ["-vf", _WEAVES[order], *options, "-pix_fmt", "yuv420p", "-r", "25", str(path)]
    subprocess.run(cmd, check=True, timeout=30)
    return path


@pytest.mark.parametrize(("name", "options", "order"), _CASES)
def test_probe_reports_field_order(tmp_path: Path, name: str, options: list[str], order: str) -> None:
    v = probe(_interlaced(tmp_path, name, options, order)).primary_video
    assert v is not None and v.field_order == order
    assert v.frame_rate == 25  # the frame rate, never the field rate


@pytest.mark.parametrize(("name", "options", "order"), [_CASES[1], _CASES[3], _CASES[5]])
def test_cli_probe_shows_interlacing(tmp_path: Path, name: str, options: list[str], order: str) -> None:
    path = _interlaced(tmp_path, name, options, order)
    run = [sys.executable, "-m", "timeline_lab", "probe", str(path)]
    text = subprocess.run(run, capture_output=True, text=True, timeout=60, check=True).stdout
    shown = f"interlaced {order.upper()}"
    assert (shown in text) == (order != "progressive"), text
    run.append("--json")
    as_json = subprocess.run(run, capture_output=True, text=True, timeout=60, check=True).stdout
    assert f'"field_order": "{order}"' in as_json
