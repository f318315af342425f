"""OTIO pieces the interchange tests build foreign timelines from: 24 fps camera media, clips, gaps."""

from __future__ import annotations

from pathlib import Path

import opentimelineio as otio

from timeline_lab.media.synth import make_clip

ORT, OTR = otio.opentime.RationalTime, otio.opentime.TimeRange
MEDIA_FRAMES = 48


def make_cam(folder: Path) -> Path:
    """48 frames at 24 fps whose pixels carry their frame numbers."""
    return make_clip(folder / "cam.mp4", width=176, height=144, rate=24, frames=MEDIA_FRAMES, tag=3)


def otio_clip(url: str, first: int, n: int) -> otio.schema.Clip:
    """Frames ``first .. first + n - 1`` of the media at ``url`` (its clock starts at 0)."""
    ref = otio.schema.ExternalReference(
        target_url=url, available_range=OTR(ORT(0, 24), ORT(MEDIA_FRAMES, 24))
    )
    return otio.schema.Clip(
        name=f"c{first}", media_reference=ref, source_range=OTR(ORT(first, 24), ORT(n, 24))
    )


def otio_gap(n: int) -> otio.schema.Gap:
    """``n`` frames of nothing."""
    return otio.schema.Gap(source_range=OTR(ORT(0, 24), ORT(n, 24)))
