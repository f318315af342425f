"""Clips for the media tests, encoded once per session (tiny, so the suite stays fast)."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import pytest

from timeline_lab.media.synth import make_clip

NTSC = Fraction(30000, 1001)


@dataclass(frozen=True)
class Clip:
    path: Path
    rate: Fraction
    frames: int
    tag: int
    tone_hz: float
    width: int
    height: int


@pytest.fixture(scope="session")
def clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Clip]:
    """ntsc: 29.97 fps 160x90; pal: 25 fps 320x240 (both H.264 + AAC in MP4)."""
    d = tmp_path_factory.mktemp("media-clips")
    specs = {
        "ntsc": Clip(d / "ntsc.mp4", NTSC, 60, 5, 440.0, 160, 90),
        "pal": Clip(d / "pal.mp4", Fraction(25), 50, 200, 1000.0, 320, 240),
    }
    for c in specs.values():
        make_clip(
            c.path,
            width=c.width,
            height=c.height,
            rate=c.rate,
            frames=c.frames,
            tag=c.tag,
            tone_hz=c.tone_hz,
        )
    return specs
