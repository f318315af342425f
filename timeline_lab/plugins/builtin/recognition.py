"""The recognition effect plugin: lets saved projects with tracked-object blurs render anywhere."""

from __future__ import annotations

from typing import Any, ClassVar

from ...recognition.blur import KIND, render_blur_regions
from ..api import BasePlugin, PluginManifest

__all__ = ["RecognitionPlugin"]


class RecognitionPlugin(BasePlugin):
    """Renders ``recognition.blur_regions`` (discovered through the ``timeline_lab.plugins`` entry point)."""

    manifest = PluginManifest(
        name="recognition",
        version="1.0.0",
        api=">=1.0,<2",
        kind="effect",
        description="Blur of tracked detections, following each track frame by frame",
    )
    effect_kinds: ClassVar[dict[str, Any]] = {KIND: render_blur_regions}
