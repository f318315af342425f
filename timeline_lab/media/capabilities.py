"""What the bundled FFmpeg can do, asked once, so features fail early with a useful message."""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass, field
from fractions import Fraction
from typing import TYPE_CHECKING, Literal, cast

import av
import av.filter
import av.logging

from timeline_lab.errors import CapabilityError

if TYPE_CHECKING:
    from av.video.codeccontext import VideoCodecContext

__all__ = ["Capabilities", "capabilities", "hardware_encoder_available"]

logger = logging.getLogger(__name__)

# Why a filter can be missing, for the error message.
_FILTER_HINTS = {
    "drawtext": "it needs an FFmpeg built with libfreetype (PyAV's wheels leave it out)",
    "subtitles": "it needs an FFmpeg built with libass",
    "ass": "it needs an FFmpeg built with libass",
    "zscale": "it needs an FFmpeg built with libzimg",
}
# NVENC refuses tiny frames (minimum ~145x49 on most GPUs), so the test uses a safe size.
_TEST_SIZE = 256
_TEST_FRAMES = 5


@dataclass(frozen=True)
class Capabilities:
    """Codec and filter names of the FFmpeg that PyAV loaded, plus its library versions."""

    encoders: frozenset[str]
    decoders: frozenset[str]
    filters: frozenset[str]
    library_versions: dict[str, tuple[int, int, int]] = field(hash=False)
    ffmpeg_version: str = ""
    pyav_version: str = ""

    def has_encoder(self, name: str) -> bool:
        """True when FFmpeg has an encoder by this name (hardware ones may still fail to open)."""
        return name in self.encoders

    def has_decoder(self, name: str) -> bool:
        """True when FFmpeg has a decoder by this name."""
        return name in self.decoders

    def has_filter(self, name: str) -> bool:
        """True when libavfilter has a filter by this name."""
        return name in self.filters

    def require_filter(self, name: str) -> None:
        """Raise a CapabilityError that says what is missing and what to do about it."""
        if name in self.filters:
            return
        why = _FILTER_HINTS.get(name, "this FFmpeg build does not include it")
        raise CapabilityError(
            f"FFmpeg filter {name!r} is not available (FFmpeg {self.ffmpeg_version}, PyAV "
            f"{self.pyav_version}): {why}; install a PyAV built against an FFmpeg that has "
            "it, or use a feature that does not need it"
        )

    def require_encoder(self, name: str) -> None:
        """Raise a CapabilityError naming a missing encoder."""
        if name not in self.encoders:
            raise CapabilityError(
                f"FFmpeg encoder {name!r} is not available (FFmpeg {self.ffmpeg_version}, "
                f"PyAV {self.pyav_version}): choose another codec or install an FFmpeg with it"
            )


@functools.cache
def capabilities() -> Capabilities:
    """The capabilities of this process's FFmpeg (asked once; they cannot change at run time)."""
    # av.Codec("h264", "w") resolves to libx264: keep the name of the codec actually found
    encoders: set[str] = set()
    decoders: set[str] = set()
    for name in av.codecs_available:
        modes: tuple[tuple[Literal["r", "w"], set[str]], ...] = (("w", encoders), ("r", decoders))
        for mode, found in modes:
            try:
                found.add(av.Codec(name, mode).name)
            except (av.FFmpegError, ValueError):
                continue
    return Capabilities(
        encoders=frozenset(encoders),
        decoders=frozenset(decoders),
        filters=frozenset(av.filter.filters_available),
        library_versions=dict(av.library_versions),
        ffmpeg_version=str(getattr(av, "ffmpeg_version_info", "")),
        pyav_version=av.__version__,
    )


def hardware_encoder_available(name: str = "h264_nvenc") -> bool:
    """True only if a real test encode works: an encoder being compiled in proves nothing."""
    return _encoder_works(name)


@functools.cache
def _encoder_works(name: str) -> bool:
    """Test-encode once per process and encoder name (the answer does not change)."""
    if not capabilities().has_encoder(name):
        logger.debug("hardware encoder %s: not compiled into this FFmpeg", name)
        return False
    level = av.logging.get_level()
    try:
        if level is None:  # let FFmpeg's own reason ("Cannot load libcuda.so.1") reach the error
            av.logging.set_level(av.logging.ERROR)
        with av.logging.Capture():
            packets = _test_encode(name)
    except Exception as exc:  # any failure at all (no GPU, no driver, busy) means "not available"
        logger.debug("hardware encoder %s: test encode failed: %s", name, exc)
        return False
    finally:
        av.logging.set_level(level)
    if not packets:
        logger.debug("hardware encoder %s: test encode produced no packets", name)
        return False
    logger.debug("hardware encoder %s: test encode gave %d packets", name, packets)
    return True


def _test_encode(name: str) -> int:
    """Encode a few small grey frames with ``name``; return the number of non-empty packets."""
    ctx = cast("VideoCodecContext", av.CodecContext.create(name, "w"))
    ctx.width = ctx.height = _TEST_SIZE
    ctx.pix_fmt = "yuv420p"
    ctx.time_base = Fraction(1, 25)
    ctx.framerate = Fraction(25)
    ctx.open()
    count = 0
    for i in range(_TEST_FRAMES + 1):
        frame = None
        if i < _TEST_FRAMES:
            frame = av.VideoFrame(_TEST_SIZE, _TEST_SIZE, "yuv420p")
            for plane in frame.planes:
                plane.update(bytes([128]) * plane.buffer_size)
            frame.pts = i
        count += sum(1 for packet in ctx.encode(frame) if packet.size > 0)
    return count
