"""Tests for timeline_lab/render/compile/text_cache.py: a cached title needs no Pillow drawing."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from timeline_lab.model import RationalTime, TextClip
from timeline_lab.model.properties import TextStyle
from timeline_lab.render.compile.text import render_text
from timeline_lab.render.compile.text_cache import text_image

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


def test_a_font_replaced_in_place_is_drawn_anew(tmp_path: Path) -> None:
    """The cache key follows a font file's stamp; the loaded font must too, or a long-running
    process draws the old glyphs under the new key, and every later process reads them."""
    fonts = Path("/usr/share/fonts/truetype/dejavu")
    if not (fonts / "DejaVuSans.ttf").is_file() or not (fonts / "DejaVuSerif.ttf").is_file():
        pytest.skip("needs Debian's fonts-dejavu-core")
    font = tmp_path / "brand.ttf"
    shutil.copy(fonts / "DejaVuSans.ttf", font)
    clip = TextClip(text="Hello", duration=RationalTime(1), style=TextStyle(font=str(font), font_size=40))
    first = text_image(clip, (320, 120), tmp_path / "cache")
    swap = tmp_path / "new.ttf"
    shutil.copy(fonts / "DejaVuSerif.ttf", swap)
    os.utime(swap, ns=(os.stat(font).st_mtime_ns + 10**9,) * 2)  # a later stamp, whatever the clock
    os.replace(swap, font)
    second = text_image(clip, (320, 120), tmp_path / "cache")
    assert second != first
    drawn = np.asarray(Image.open(second))
    assert not np.array_equal(drawn, np.asarray(Image.open(first))), "drawn with the new font"
    fresh = render_text("Hello", TextStyle(font=str(font), font_size=40), (320, 120))
    assert np.array_equal(drawn, np.asarray(fresh))
