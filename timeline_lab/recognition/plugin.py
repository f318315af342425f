"""The recognition effect plugin: lets saved projects with tracked-object blurs render anywhere."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from ..plugins.api import CommandError, PluginManifest
from .blur import KIND, render_blur_regions

if TYPE_CHECKING:
    from ..core.events import Event
    from ..plugins.context import PluginContext

__all__ = ["RecognitionPlugin"]


class RecognitionPlugin:
    """Renders ``recognition.blur_regions`` (discovered through the ``timeline_lab.plugins`` entry point)."""

    manifest = PluginManifest(
        name="recognition",
        version="1.0.0",
        api=">=1.0,<2",
        kind="effect",
        description="Blur of tracked detections, following each track frame by frame",
    )
    effect_kinds: ClassVar[dict[str, Any]] = {KIND: render_blur_regions}

    def initialize(self, ctx: PluginContext) -> None:
        """Nothing to set up: the effect is pure filter-graph work."""

    def handle(self, command: str, payload: Mapping[str, Any]) -> Any:
        """No commands: effects are made with ``recognition.blur_effect``."""
        raise CommandError(f"plugin 'recognition' has no command {command!r}")

    def on_event(self, event: Event) -> None:
        """No events needed."""

    def shutdown(self) -> None:
        """Nothing to release."""
