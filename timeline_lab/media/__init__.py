"""Media layer: probe files, know what FFmpeg can do, and make test media that names its frames."""

from __future__ import annotations

from timeline_lab.media.capabilities import (
    Capabilities,
    capabilities,
    hardware_encoder_available,
)
from timeline_lab.media.probe import AudioStreamInfo, MediaInfo, VideoStreamInfo, keyframes, probe
from timeline_lab.media.synth import (
    make_clip,
    make_demo_media,
    read_frame_index,
    read_frame_indices,
)

__all__ = [
    "AudioStreamInfo",
    "Capabilities",
    "MediaInfo",
    "VideoStreamInfo",
    "capabilities",
    "hardware_encoder_available",
    "keyframes",
    "make_clip",
    "make_demo_media",
    "probe",
    "read_frame_index",
    "read_frame_indices",
]
