"""Encoder choice and options: NVENC when a real test encode works, libx264 otherwise."""

from __future__ import annotations

import logging

from ..errors import CapabilityError
from .plan import ExportSettings

__all__ = ["choose_video_encoder", "video_options"]

log = logging.getLogger(__name__)

_NVENC = ("h264_nvenc", "hevc_nvenc")


def choose_video_encoder(export: ExportSettings) -> str:
    """Resolve ``'auto'`` to the best working encoder; refuse names the build does not have."""
    from ..media.capabilities import capabilities, hardware_encoder_available, pick_video_encoder

    name = export.video_codec
    if name == "auto":
        return pick_video_encoder(prefer_hardware=True)
    if not capabilities().has_encoder(name):
        raise CapabilityError(f"video encoder {name!r} is not in this FFmpeg build")
    if name in _NVENC and not hardware_encoder_available(name):
        raise CapabilityError(f"{name} is listed but a test encode failed (no usable NVIDIA GPU)")
    return name


def video_options(encoder: str, export: ExportSettings) -> dict[str, str]:
    """Codec options giving comparable quality across software and hardware encoders."""
    crf = 18 if export.crf is None else export.crf
    if encoder in _NVENC:
        return {"preset": "p4", "rc": "vbr", "cq": str(crf + 1), "b": "0"}
    if encoder in ("libx264", "libx265"):
        return {"crf": str(crf), "preset": export.preset or "veryfast"}
    return {}
