"""Shared fixtures: small synthetic media generated once per session (nothing is downloaded)."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest

NTSC = Fraction(30000, 1001)


@pytest.fixture(scope="session", autouse=True)
def _session_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Every on-disk cache (scans, probes, titles, thumbnails) in this run's own folder: tests
    neither read what an older checkout kept nor leave entries in the user's cache (tests that
    need a fresh one still set ``TIMELINE_LAB_CACHE`` themselves)."""
    import os

    if "TIMELINE_LAB_CACHE" not in os.environ:
        os.environ["TIMELINE_LAB_CACHE"] = str(tmp_path_factory.mktemp("cache"))


@pytest.fixture(scope="session")
def media(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Clips whose pixels carry (frame index, tag): 29.97 fps 4:3, 25 fps 4:3, 24 fps 16:9."""
    from timeline_lab.media.synth import make_clip

    d = tmp_path_factory.mktemp("media")
    return {
        "ntsc": make_clip(d / "ntsc.mp4", width=160, height=120, rate=NTSC, frames=72, tag=1, tone_hz=440.0),
        "pal": make_clip(d / "pal.mp4", width=320, height=240, rate=25, frames=30, tag=2, tone_hz=880.0),
        "wide": make_clip(d / "wide.mp4", width=256, height=144, rate=24, frames=24, tag=3, tone_hz=660.0),
        "silent": make_clip(d / "silent.mp4", width=160, height=120, rate=25, frames=20, tag=4, audio=False),
    }


@pytest.fixture(scope="session")
def colour_sources(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Patches of known RGB in every SDR matrix and range kind (``tests/colour_patches.py``)."""
    from tests.colour_patches import FFMPEG, make_sources

    if FFMPEG is None:
        pytest.skip("needs the ffmpeg CLI (make test installs it)")
    return make_sources(tmp_path_factory.mktemp("colour"))


@pytest.fixture(scope="session")
def hdr_sources(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The patches as 10-bit HLG, PQ and BT.2020 SDR video (``tests/colour_patches.py``)."""
    from tests.colour_patches import make_hdr_sources

    return make_hdr_sources(tmp_path_factory.mktemp("hdr"))
