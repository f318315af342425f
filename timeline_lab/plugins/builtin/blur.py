"""BlurEffect: gaussian blur or pixelation of the whole frame or of regions — fixed boxes, or the
tracked boxes of a recognition result (faces, licence plates) — rendered by the filter graph."""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Mapping
from fractions import Fraction
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ...errors import RenderError
from ...model.time import RationalTime, to_fraction
from ...recognition.blur import render_blur_regions
from ...render.compile.regions import Box, RegionBlur
from ..api import PluginManifest

if TYPE_CHECKING:
    from ...core.events import Event
    from ...model.properties import Effect
    from ...render.compile.effects import EffectContext
    from ...render.compile.graph import ChainItem
    from ..context import PluginContext

__all__ = ["KIND", "BlurParams", "BlurPlugin", "detections_to_params", "render_blur"]

KIND = "blur.region"
"""The effect kind this plugin renders (``Effect(kind="blur.region", params=...)``)."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class BoxParam(_Strict):
    """A fixed box in source pixels, optionally only between two source times (seconds, exact)."""

    x: int
    y: int
    w: int = Field(gt=0)
    h: int = Field(gt=0)
    start: str | int | None = None
    end: str | int | None = None


class Detection(_Strict):
    """One tracked box at one source instant (seconds as 'num/den' or int), pixel corners."""

    t: str | int
    x1: float
    y1: float
    x2: float
    y2: float
    track_id: int = 0


class BlurParams(_Strict):
    """Parameters of ``blur.region``."""

    mode: Literal["gaussian", "pixelate"] = "gaussian"
    strength: float = Field(12.0, gt=0, le=200)
    whole_frame: bool = False
    boxes: list[BoxParam] = Field(default_factory=list)
    detections: list[Detection] = Field(default_factory=list)
    padding: int = Field(0, ge=0, le=500)


def _secs(v: str | int) -> Fraction:
    return to_fraction(v, what="time")


def render_blur(fx: Effect, ctx: EffectContext) -> list[ChainItem]:
    """Filter steps for one ``blur.region`` effect on a clip (boxes are in source pixels)."""
    try:
        p = BlurParams.model_validate(fx.params)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(x) for x in err["loc"])
        raise RenderError(f"{KIND} params.{where}: {err['msg']}") from None
    pad = p.padding
    boxes: list[Box] = []
    if p.whole_frame:
        boxes.append(Box(0, 0, ctx.width, ctx.height))
    for b in p.boxes:
        first = max(0, ctx.frame_of(_secs(b.start))) if b.start is not None else 0
        end = max(0, ctx.frame_of(_secs(b.end))) if b.end is not None else None
        boxes.append(Box(b.x - ctx.crop_left - pad, b.y - ctx.crop_top - pad, b.w + 2 * pad,
                         b.h + 2 * pad, first, end))  # fmt: skip
    rate = ctx.rate
    steps: list[ChainItem] = []
    if boxes:
        steps.append(RegionBlur(ctx.width, ctx.height, rate.denominator, rate.numerator,
                                f"{ctx.tag}{fx.id[-4:]}", p.mode, p.strength, tuple(boxes)))  # fmt: skip
    if p.detections:
        steps += render_blur_regions(_tracked_effect(fx, p), ctx)
    return steps


def _tracked_effect(fx: Effect, p: BlurParams) -> Effect:
    """Tracked boxes go through recognition's renderer: one way to follow a track, frame by frame."""
    from ...model.properties import Effect as EffectModel
    from ...recognition.blur import KIND as TRACKED

    tracks: dict[int, list[Detection]] = defaultdict(list)
    for d in p.detections:
        tracks[d.track_id].append(d)
    times = sorted({_secs(d.t) for d in p.detections})
    step = min((b - a for a, b in itertools.pairwise(times)), default=Fraction(0))
    params = {
        "frame_duration": str(step),
        "hold": str(step * Fraction(3, 2)),
        "margin": 0.0,
        "strength": p.strength,
        "mode": p.mode,
        "tracks": [
            {"track_id": tid, "class_name": "", "samples": [
                [str(_secs(d.t)), d.x1 - p.padding, d.y1 - p.padding, d.x2 + p.padding, d.y2 + p.padding]
                for d in sorted(rows, key=lambda d: _secs(d.t))
            ]}
            for tid, rows in tracks.items()
        ],
    }  # fmt: skip
    return EffectModel(id=fx.id, kind=TRACKED, params=params)


def detections_to_params(
    rows: list[dict[str, Any]], *, mode: str = "gaussian", strength: float = 12.0, padding: int = 4
) -> dict[str, Any]:
    """Effect params from recognition rows ({pts or t, x1, y1, x2, y2, track_id}) for one clip's media."""
    dets = []
    for r in rows:
        t = r.get("t", r.get("pts"))
        if t is None:
            raise RenderError("detection rows need a 't' or 'pts' time")
        sec = t.to_seconds() if isinstance(t, RationalTime) else to_fraction(t, what="pts")
        corners = {k: float(r[k]) for k in ("x1", "y1", "x2", "y2")}
        track = int(r.get("track_id") or 0)
        dets.append({"t": f"{sec.numerator}/{sec.denominator}", **corners, "track_id": track})
    return {"mode": mode, "strength": strength, "padding": padding, "detections": dets}


class BlurPlugin:
    """The built-in effect plugin: renders ``blur.region`` (needs no file, network or process access)."""

    manifest = PluginManifest(
        name="blur",
        version="1.0.0",
        api=">=1.0,<2",
        kind="effect",
        description="Gaussian blur or pixelation of the frame, fixed boxes or tracked boxes",
    )
    effect_kinds: ClassVar[dict[str, Any]] = {KIND: render_blur}

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
