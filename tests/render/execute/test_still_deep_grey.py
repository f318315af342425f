"""Deep greyscale stills (16-bit PNG/TIFF scans, 12-bit TIFFs, float TIFFs) render as FFmpeg shows
them, not clipped white by Pillow's convert."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from timeline_lab.render.execute.still import still_rgba
from timeline_lab.render.frame import timeline_frame
from timeline_lab.studio import Studio

FFMPEG = shutil.which("ffmpeg")
needs_ffmpeg = pytest.mark.skipif(FFMPEG is None, reason="the ffmpeg CLI writes and reads them")
W, H = 96, 8
RAMP = np.tile(np.linspace(0, 1, W), (H, 1))  # black .. white, left to right


def _ffmpeg(*args: str, stdin: bytes | None = None) -> bytes:
    assert FFMPEG is not None
    cmd = [FFMPEG, "-v", "error", "-y", *args]
    return subprocess.run(cmd, input=stdin, capture_output=True, check=True).stdout


def _write(path: Path, pix_fmt: str, bits: int) -> Path:
    """The ramp as ``pix_fmt`` (written by FFmpeg), stored with ``bits`` of depth."""
    raw = np.round(RAMP * (2**bits - 1)).astype("<u2").tobytes()
    source = "gray16le" if bits == 16 else "gray12le"
    src = ["-f", "rawvideo", "-pix_fmt", source, "-s", f"{W}x{H}", "-i", "-"]
    _ffmpeg(*src, "-frames:v", "1", "-pix_fmt", pix_fmt, str(path), stdin=raw)
    return path


def _ffmpeg_grey(path: Path) -> np.ndarray:
    raw = _ffmpeg("-i", str(path), "-f", "rawvideo", "-pix_fmt", "gray", "-")
    return np.frombuffer(raw, np.uint8).reshape(H, W).astype(int)


@needs_ffmpeg
@pytest.mark.parametrize(
    ("name", "pix_fmt", "bits"),
    [
        ("be.png", "gray16be", 16),
        ("le.tiff", "gray16le", 16),
        ("be.tiff", "gray16be", 16),
        ("twelve.tiff", "gray12le", 12),
    ],
)
def test_a_deep_grey_still_is_what_ffmpeg_shows(tmp_path: Path, name: str, pix_fmt: str, bits: int) -> None:
    path = _write(tmp_path / name, pix_fmt, bits)
    with Image.open(path) as im:
        assert im.mode.startswith("I")  # Pillow keeps the depth: the case this is about
    got = still_rgba(path).to_ndarray().astype(int)
    want = _ffmpeg_grey(path)
    assert np.abs(got[..., 0] - want).max() <= 1
    assert (got[..., 0] == got[..., 1]).all() and (got[..., 0] == got[..., 2]).all()
    assert (got[..., 3] == 255).all()


@pytest.mark.parametrize(
    ("array", "scale"),
    [
        ((RAMP * 65535).astype(np.uint16), 255),  # Pillow's own I;16 TIFF
        ((RAMP * (2**31 - 1)).astype(np.int32), 255),  # mode I, 32 bits a sample
        (RAMP.astype(np.float32), 255),  # mode F: 0..1
    ],
)
def test_pillow_deep_grey_modes_span_black_to_white(tmp_path: Path, array: np.ndarray, scale: int) -> None:
    path = tmp_path / "deep.tiff"
    Image.fromarray(array).save(path)
    grey = still_rgba(path).to_ndarray()[..., 0].astype(int)
    assert np.abs(grey - np.round(RAMP * scale)).max() <= 1


@needs_ffmpeg
def test_a_deep_grey_still_previews_as_a_ramp(tmp_path: Path) -> None:
    path = _write(tmp_path / "scan.png", "gray16be", 16)
    studio = Studio(workspace=tmp_path)
    try:
        project = studio.new_project(width=W, height=H * 4, frame_rate=25)
        project.tracks[0].append(studio.clip(str(path), 0, 2, rate=25))
        row = timeline_frame(project, 0, scale=1).astype(int).mean(axis=2)[H * 2]
    finally:
        studio.close()
    want = _ffmpeg_grey(path)[0]
    assert np.abs(row - want).max() <= 4  # through YUV and back
