from __future__ import annotations

import logging
import time
from pathlib import Path

import pytest

from timeline_lab.errors import CapabilityError
from timeline_lab.media.capabilities import (
    capabilities,
    hardware_encoder_available,
)

NO_NVIDIA_GPU = not Path("/dev/nvidiactl").exists()


def test_names_come_from_the_loaded_ffmpeg() -> None:
    caps = capabilities()
    assert caps is capabilities()  # asked once per process
    assert {"libx264", "aac"} <= caps.encoders
    assert {"h264", "aac"} <= caps.decoders
    assert "h264" not in caps.encoders  # FFmpeg has no native H.264 encoder: sets are split
    assert {"xfade", "overlay", "gblur"} <= caps.filters
    assert caps.has_encoder("libx264") and caps.has_decoder("h264")
    assert caps.has_filter("overlay") and not caps.has_filter("drawtext")
    assert len(caps.library_versions["libavcodec"]) == 3
    assert caps.ffmpeg_version and caps.pyav_version


def test_require_filter_names_what_is_missing_and_what_to_do() -> None:
    caps = capabilities()
    caps.require_filter("xfade")  # present: no error
    with pytest.raises(CapabilityError, match=r"'drawtext'.*libfreetype.*install"):
        caps.require_filter("drawtext")
    with pytest.raises(CapabilityError, match="'no_such_filter'"):
        caps.require_filter("no_such_filter")
    with pytest.raises(CapabilityError, match="'no_such_encoder'"):
        caps.require_encoder("no_such_encoder")


def test_a_test_encode_is_what_counts() -> None:
    # The same test-encode path, with an encoder that always works here and one that is absent.
    assert hardware_encoder_available("libx264") is True
    assert hardware_encoder_available("no_such_encoder") is False


def test_failures_are_logged_with_the_reason(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="timeline_lab.media.capabilities")
    assert hardware_encoder_available("not_an_encoder_either") is False
    assert "not_an_encoder_either" in caplog.text and "not compiled" in caplog.text


@pytest.mark.skipif(not NO_NVIDIA_GPU, reason="this machine has an NVIDIA GPU")
def test_without_a_gpu_nvenc_is_unavailable_fast() -> None:
    started = time.monotonic()
    assert hardware_encoder_available() is False
    assert hardware_encoder_available("hevc_nvenc") is False
    assert time.monotonic() - started < 5
