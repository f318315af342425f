"""The recognition effect plugin: projects saved with ``recognition.blur_regions`` still render."""

from __future__ import annotations

from typing import Any, ClassVar

from ...recognition.blur import LEGACY_KIND, render_blur
from ..api import BasePlugin, PluginManifest

__all__ = ["RecognitionPlugin"]


class RecognitionPlugin(BasePlugin):
    """Renders ``recognition.blur_regions``, the older name of ``blur.region``, with the same renderer."""

    manifest = PluginManifest(
        name="recognition",
        version="1.0.0",
        api=">=1.0,<2",
        kind="effect",
        description="Tracked-object blur saved by older versions (an alias of blur.region)",
    )
    effect_kinds: ClassVar[dict[str, Any]] = {LEGACY_KIND: render_blur}
