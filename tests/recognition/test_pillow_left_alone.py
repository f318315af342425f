"""Loading the ultralytics backend leaves Pillow's own ``Image.open``: ultralytics replaces it for
the whole process with one that tries to install a HEIF plugin on any file Pillow cannot identify
and raises ImportError, so DPX and OpenEXR stills (which FFmpeg reads) failed to render after a
model had been loaded in the same kernel (the test suite's order found it)."""

from __future__ import annotations

import importlib.util
import subprocess
from pathlib import Path

import pytest

from timeline_lab.studio import Studio

pytestmark = pytest.mark.skipif(importlib.util.find_spec("ultralytics") is None, reason="needs ultralytics")


def test_pillow_open_is_its_own_after_ultralytics_loads(tmp_path: Path) -> None:
    from PIL import Image

    from timeline_lab.recognition._lazy import ultralytics

    ultralytics()
    assert Image.open.__module__ == "PIL.Image"
    dpx = tmp_path / "x.dpx"
    cmd = ["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=64x48:rate=1", "-frames:v", "1"]
    subprocess.run([*cmd, str(dpx)], check=True)
    studio = Studio(workspace=tmp_path)
    p = studio.new_project("t", width=64, height=48, frame_rate=25)
    p.tracks[0].append(studio.clip(dpx, 0, 3, rate=25))
    assert studio.render(p, tmp_path / "o.mp4", progress=False).exists()
