"""Tests for timeline_lab/render/compile/text_cache.py: a cached title needs no Pillow drawing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

_SCRIPT = """
import json, sys
from timeline_lab.model import RationalTime, TextClip
from timeline_lab.render.compile.text_cache import text_image

clip = TextClip(text="Cached", duration=RationalTime(2))
path = text_image(clip, (320, 180))
print(json.dumps([str(path), sorted(m for m in ("PIL.Image", "PIL.ImageDraw") if m in sys.modules)]))
"""


def test_a_cached_title_is_found_without_importing_pillows_drawing(tmp_path: Path) -> None:
    env = {**os.environ, "TIMELINE_LAB_CACHE": str(tmp_path)}

    def run() -> tuple[str, list[str]]:
        done = subprocess.run(
            [sys.executable, "-c", _SCRIPT], env=env, capture_output=True, text=True, check=True
        )
        path, loaded = json.loads(done.stdout.splitlines()[-1])
        return path, loaded

    drawn, loaded = run()
    assert loaded == ["PIL.Image", "PIL.ImageDraw"]  # not cached yet: drawn
    again, loaded = run()
    assert again == drawn
    assert loaded == []
