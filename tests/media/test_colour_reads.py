"""The media layer reads colours as players show them: frames, thumbnails and proxies of every
kind of source (BT.709 or BT.601, limited or full range, tagged or not) show its patches.

Untagged HD is BT.709 to every player; PyAV and swscale read untagged pictures as BT.601, so a
reader that leaves the choice to them shifts an untagged phone or screen recording's colours.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.colour_patches import (
    HDR_SOURCES,
    SOURCES,
    check_patches,
    shown,
)
from timeline_lab.media._frame_reader import FrameReader
from timeline_lab.media.probe import probe
from timeline_lab.media.proxy import make_proxy


@pytest.mark.parametrize("name", list(SOURCES))
def test_frames_and_small_frames_show_the_source_colours(colour_sources: dict[str, Path], name: str) -> None:
    with FrameReader(colour_sources[name]) as reader:
        check_patches(np.asarray(reader.frame(5)).astype(int), f"{name}, a frame")
        check_patches(np.asarray(reader.frame(5, size=(160, None))).astype(int), f"{name}, a small frame")


@pytest.mark.parametrize("name", list(SOURCES))
def test_a_proxy_is_bt709_tagged_and_shows_the_source_colours(
    colour_sources: dict[str, Path], tmp_path: Path, name: str
) -> None:
    proxy = make_proxy(colour_sources[name], tmp_path / f"{name}-proxy.mp4", height=180, crf=12)
    v = probe(proxy).primary_video
    assert v is not None and v.color_space == "bt709" and v.range == "tv"
    img, tag = shown(proxy)
    assert tag == 1
    check_patches(img, f"{name}, its proxy")
    with FrameReader(proxy) as reader:
        check_patches(np.asarray(reader.frame(5)).astype(int), f"{name}, its proxy through the reader")


@pytest.mark.parametrize("name", list(HDR_SOURCES))
def test_hdr_frames_and_proxies_are_mapped_to_sdr(
    hdr_sources: dict[str, Path], tmp_path: Path, name: str
) -> None:
    """A phone's HLG clip, HDR10, BT.2020 SDR: frames and proxies show SDR colours, as renders do."""
    with FrameReader(hdr_sources[name]) as reader:
        check_patches(np.asarray(reader.frame(5)).astype(int), f"{name}, a frame")
        check_patches(np.asarray(reader.frame(5, size=(160, None))).astype(int), f"{name}, a small frame")
    proxy = make_proxy(hdr_sources[name], tmp_path / f"{name}-proxy.mp4", height=180, crf=12)
    img, tag = shown(proxy)
    assert tag == 1
    check_patches(img, f"{name}, its proxy")


@pytest.mark.parametrize("name", ["hd_untagged", "sd_bt601", "hd_full_range"])
def test_recognition_frames_show_the_source_colours(colour_sources: dict[str, Path], name: str) -> None:
    """What a detector is given: the colours a player shows (PyAV alone reads untagged HD as BT.601)."""
    from timeline_lab.recognition.frames import FrameSampler

    sampler = FrameSampler(colour_sources[name], size=320, batch=2)
    batch = next(iter(sampler))
    img = batch.images[0].astype(int)
    top, left = batch.geometry.pad
    nh, nw = batch.geometry.new
    check_patches(img[top : top + nh, left : left + nw], f"{name}, a detector's frame")
