"""BlurEffect: gaussian blur or pixelation of the whole frame or of regions — fixed boxes, or the
tracked boxes of a recognition result (faces, licence plates) — rendered by the filter graph.

The effect kind, its parameters and its renderer live in ``recognition.blur`` (one kind,
``blur.region``, also what ``recognition.blur_effect`` makes); this plugin is what registers it.
That module (pydantic models) is imported when an effect is first rendered or its parameters
built, not when a Studio discovers and starts the plugin.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from ...errors import RenderError
from ...model.time import RationalTime, to_fraction
from ..api import PluginManifest

if TYPE_CHECKING:
    from ...core.events import Event
    from ...model.properties import Effect
    from ...recognition.blur import BlurParams, render_blur
    from ...render.compile.effects import EffectContext
    from ...render.compile.graph import ChainItem
    from ..context import PluginContext

__all__ = ["KIND", "BlurParams", "BlurPlugin", "detections_to_params", "render_blur", "render_region"]

KIND = "blur.region"
"""``recognition.blur.KIND``, spelled here so registering the plugin does not import that module."""


def __getattr__(name: str) -> Any:
    """``BlurParams`` and ``render_blur``, from ``recognition.blur`` when first asked for."""
    if name in ("BlurParams", "render_blur"):
        from ...recognition import blur

        return getattr(blur, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def render_region(fx: Effect, ctx: EffectContext) -> list[ChainItem]:
    """The renderer of both blur kinds: ``recognition.blur.render_blur``, imported on first render."""
    from ...recognition.blur import render_blur

    return render_blur(fx, ctx)


def detections_to_params(
    rows: list[dict[str, Any]], *, mode: str = "gaussian", strength: float = 12.0, padding: int = 4
) -> dict[str, Any]:
    """Effect params from recognition rows ({pts or t, x1, y1, x2, y2, track_id}) for one clip's media.

    The boxes are blurred as given (no margin) plus ``padding`` pixels on every side.
    """
    from ...recognition.blur import blur_params

    dets = []
    for r in rows:
        t = r.get("t", r.get("pts"))
        if t is None:
            raise RenderError("detection rows need a 't' or 'pts' time")
        sec = t.to_seconds() if isinstance(t, RationalTime) else to_fraction(t, what="pts")
        corners = {k: float(r[k]) for k in ("x1", "y1", "x2", "y2")}
        dets.append({"t": sec, **corners, "track_id": int(r.get("track_id") or 0)})
    params = {"mode": mode, "strength": strength, "padding": padding, "detections": dets}
    return blur_params(params).model_dump(mode="json", exclude_none=True)


class BlurPlugin:
    """The built-in effect plugin: renders ``blur.region`` (needs no file, network or process access)."""

    manifest = PluginManifest(
        name="blur",
        version="1.0.0",
        api=">=1.0,<2",
        kind="effect",
        description="Gaussian blur or pixelation of the frame, fixed boxes or tracked boxes",
    )
    effect_kinds: ClassVar[dict[str, Any]] = {KIND: render_region}

    def initialize(self, ctx: PluginContext) -> None:
        """Nothing to set up: the effect is pure filter-graph work."""

    def handle(self, command: str, payload: Mapping[str, Any]) -> Any:
        """``from_detections``: effect params from recognition rows (JSON in, JSON out)."""
        if command == "from_detections":
            return detections_to_params(list(payload["rows"]), mode=payload.get("mode", "gaussian"),
                                        strength=float(payload.get("strength", 12.0)),
                                        padding=int(payload.get("padding", 4)))  # fmt: skip
        from ..api import CommandError

        raise CommandError(f"plugin 'blur' has no command {command!r}")

    def on_event(self, event: Event) -> None:
        """Blur reacts to no events."""

    def shutdown(self) -> None:
        """Nothing to release."""
