"""The recognition effect plugin: projects saved with ``recognition.blur_regions`` still render.

``recognition.blur`` (the renderer, with its pydantic models) is imported on the first render.
"""

from __future__ import annotations

from typing import Any, ClassVar

from ..api import BasePlugin, PluginManifest
from .blur import render_region

__all__ = ["RecognitionPlugin"]

LEGACY_KIND = "recognition.blur_regions"
"""``recognition.blur.LEGACY_KIND``, spelled here so registering the plugin does not import it."""


class RecognitionPlugin(BasePlugin):
    """Renders ``recognition.blur_regions``, the older name of ``blur.region``, with the same renderer."""

    manifest = PluginManifest(
        name="recognition",
        version="1.0.0",
        api=">=1.0,<2",
        kind="effect",
        description="Tracked-object blur saved by older versions (an alias of blur.region)",
    )
    effect_kinds: ClassVar[dict[str, Any]] = {LEGACY_KIND: render_region}
