"""Clip effects and colour correction as libavfilter steps (no eq/boxblur in this FFmpeg build)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING

from ...errors import RenderError
from ...model.keyframes import played_frame
from ...model.speed_ramp import is_ramped, ramp_seconds
from .colour import chroma_key_colour

if TYPE_CHECKING:
    from ...model.items import Clip
    from ...model.properties import ColorCorrection, Effect
    from .graph import ChainItem, Step


@dataclass(frozen=True)
class EffectContext:
    """What an effect renderer may need to map its parameters onto the clip's frames."""

    width: int
    """Picture width where the effect applies (source pixels, after crop)."""
    height: int
    crop_left: int
    crop_top: int
    source_start: Fraction
    """Source second shown at the chain's first frame (handles included)."""
    speed: Fraction
    rate: Fraction
    """Frames at this point of the chain are on the project grid, pts = frame index."""
    frames: int
    tag: str
    """Unique prefix for instance names (sendcmd targets)."""
    color_range: str = "tv"
    """The range the clip's pixels are in here (the canvas's; the matrix is always BT.709)."""
    clip: Clip | None = None
    """The clip, whose reverse and freeze effects pick the frame each chain frame shows."""
    own: tuple[int, int] | None = None
    """(handle frames before the clip's own, its own frames) of the chain."""

    def instant(self, k: int) -> Fraction:
        """Source second shown at chain frame ``k``, through the clip's reverse and freeze."""
        if self.clip is None:
            return self.source_start + Fraction(k) * self.speed / self.rate
        return chain_instant(self.clip, self.source_start, self.own or (0, self.frames), self.rate, k)

    def frame_of(self, source_seconds: Fraction) -> int:
        """Chain frame at which a source instant is shown, at the clip's speed (played forwards)."""
        return int((source_seconds - self.source_start) / self.speed * self.rate)


def chain_instant(clip: Clip, src0: Fraction, own: tuple[int, int], rate: Fraction, k: int) -> Fraction:
    """Source second sampled at chain frame ``k`` of ``clip`` (``own``: handle frames before the
    clip's own and their count), through its reverse and freeze effects
    (``model.keyframes.played_frame``: a reversed clip's handles play on backwards) and speed ramp:
    what every effect that follows source time (a tracked blur, a live annotation) must see, as the
    picture steps before it show it. ``src0`` (the instant read at chain frame 0) is not needed:
    the read puts the in point ``before`` frames in, or as many as the handle after the clip where
    it is mirrored (``picture_reads_backwards``), and the span frame counts from the in point."""
    del src0
    before, n = own
    j = played_frame(clip, k - before, n)  # the span frame, from the in point
    if is_ramped(clip):
        return ramp_seconds(clip, rate, j, 1)[0]
    return clip.source_range.start.to_seconds() + Fraction(j) * clip.speed / rate


def picture_reads_backwards(clip: Clip) -> bool:
    """Whether the clip's picture is read with its handles mirrored (the handle before it on the
    timeline from past its span's end), so that the whole-chain reverses of ``timing_steps`` play
    on through them and each freeze finds the clip's own frames after ``before`` handle frames:
    the enabled reverses listed before its first freeze (all of them without one) are odd."""
    back = False
    for fx in clip.effects:
        if fx.enabled and fx.kind == "freeze":
            break
        back ^= fx.enabled and fx.kind == "reverse"
    return back


EffectRenderer = Callable[["Effect", EffectContext], "list[ChainItem]"]


class EffectRegistry:
    """Plugin effect kinds and their renderers: each Studio owns one (its ``Services.effects``).

    Per kind, every registered renderer is kept and the newest still registered is used, so a
    plugin stopping hands the kind back to the one before it. A kind this registry lacks is looked
    up in ``fallback`` (a Studio's falls back to :data:`STANDALONE_EFFECTS`); registering here
    never changes the fallback, nor another Studio's registry.
    """

    def __init__(self, fallback: EffectRegistry | None = None) -> None:
        self.fallback = fallback
        self._stacks: dict[str, list[EffectRenderer]] = {}
        self._lock = threading.Lock()

    def register(self, kind: str, renderer: EffectRenderer) -> None:
        """Let a plugin render effect ``kind`` (namespaced ``plugin.kind``) with its own filter steps."""
        if "." not in kind:
            raise ValueError(f"plugin effect kinds are namespaced ('name.kind'), got {kind!r}")
        with self._lock:
            self._stacks.setdefault(kind, []).append(renderer)

    def unregister(self, kind: str, renderer: EffectRenderer | None = None) -> None:
        """Forget ``renderer`` for ``kind`` (all of them when None), e.g. when its plugin stops."""
        with self._lock:
            stack = [r for r in self._stacks.get(kind, []) if renderer is not None and r is not renderer]
            if stack:
                self._stacks[kind] = stack
            else:
                self._stacks.pop(kind, None)

    def renderer(self, kind: str) -> EffectRenderer | None:
        """The renderer in force for ``kind`` here (else in the fallback), if any plugin provides it."""
        with self._lock:
            stack = self._stacks.get(kind)
            if stack:
                return stack[-1]
        return self.fallback.renderer(kind) if self.fallback is not None else None

    def kinds(self) -> frozenset[str]:
        """Every kind registered here (the fallback's not included)."""
        with self._lock:
            return frozenset(self._stacks)

    @contextmanager
    def active(self) -> Iterator[EffectRegistry]:
        """Make this the registry :func:`effect_steps` consults in this thread (or task) while inside.

        A Studio wraps its compiles in it, so the compiler stays free of Studio wiring.
        """
        token = _ACTIVE.set(self)
        try:
            yield self
        finally:
            _ACTIVE.reset(token)


STANDALONE_EFFECTS = EffectRegistry()
"""The process default: kinds registered without a Studio (:func:`register_effect`, e.g.
``recognition.register_blur``). Compiles outside any Studio use it, and every Studio's registry
falls back to it. The only module-level registry; a Studio's plugins never land here."""

_ACTIVE: ContextVar[EffectRegistry] = ContextVar("timeline_lab_effects", default=STANDALONE_EFFECTS)


def active_effects() -> EffectRegistry:
    """The registry in force here: the Studio's while it compiles, else :data:`STANDALONE_EFFECTS`."""
    return _ACTIVE.get()


def register_effect(kind: str, renderer: EffectRenderer) -> None:
    """Register ``renderer`` for ``kind`` without a Studio (in :data:`STANDALONE_EFFECTS`)."""
    STANDALONE_EFFECTS.register(kind, renderer)


def unregister_effect(kind: str, renderer: EffectRenderer | None = None) -> None:
    """Withdraw a renderer registered with :func:`register_effect`."""
    STANDALONE_EFFECTS.unregister(kind, renderer)


def effect_renderer(kind: str) -> EffectRenderer | None:
    """The renderer in force for ``kind`` in the active registry (see :func:`active_effects`)."""
    return active_effects().renderer(kind)


__all__ = [
    "ALPHA_EFFECTS",
    "PER_PIXEL_EFFECTS",
    "STANDALONE_EFFECTS",
    "TIMING_EFFECTS",
    "EffectContext",
    "EffectRegistry",
    "active_effects",
    "color_steps",
    "effect_renderer",
    "effect_steps",
    "fade_steps",
    "luma_expression",
    "picture_reads_backwards",
    "register_effect",
    "timing_steps",
    "unregister_effect",
]

ALPHA_EFFECTS = frozenset({"chroma_key"})
"""Effects whose output has transparency, so the clip must be composited."""

TIMING_EFFECTS = frozenset({"reverse", "freeze"})
"""Effects applied after conforming to the project frame grid (they act on timeline frames)."""

PER_PIXEL_EFFECTS = frozenset({"chroma_key", "lut", "fade_in", "fade_out", *TIMING_EFFECTS})
"""Effects whose result at a pixel depends on no other pixel nor on the picture's size."""


def _num(x: float) -> str:
    return f"{x:.6g}"


def color_steps(c: ColorCorrection) -> list[Step]:
    """Brightness/contrast/gamma on luma with lutyuv; saturation and hue with the hue filter."""
    steps: list[Step] = []
    if c.brightness or c.contrast != 1 or c.gamma != 1:
        steps.append(("lutyuv", f"y={luma_expression(c.brightness, c.contrast, c.gamma)}"))
    if c.saturation != 1 or c.hue:
        steps.append(("hue", f"h={_num(c.hue)}:s={_num(c.saturation)}"))
    return steps


def luma_expression(brightness: float, contrast: float, gamma: float) -> str:
    """lutyuv's luma curve for brightness/contrast/gamma (``val``, the identity, when neutral)."""
    if not brightness and contrast == 1 and gamma == 1:
        return "val"
    return (
        f"clip(pow(clip((val/255-0.5)*{_num(contrast)}+0.5+{_num(brightness)},0,1),"
        f"1/{_num(gamma)})*255,0,255)"
    )


def effect_steps(
    fx: Effect, ctx: EffectContext | None = None, effects: EffectRegistry | None = None
) -> list[ChainItem]:
    """Steps for one spatial effect on the clip's own pixels (before it is scaled and placed).

    Plugin kinds are rendered by ``effects`` (default: :func:`active_effects`).
    """
    p = fx.params
    kind = fx.kind
    renderer = (effects if effects is not None else active_effects()).renderer(kind)
    if renderer is not None:
        if ctx is None:
            raise RenderError(f"effect {kind!r} needs the clip context")
        return renderer(fx, ctx)
    if kind == "blur":
        return [("gblur", f"sigma={_num(p['sigma'])}")]
    if kind == "sharpen":
        return [("unsharp", f"lx=5:ly=5:la={_num(p['amount'])}:cx=5:cy=5:ca=0")]
    if kind == "vignette":
        return [("vignette", f"angle={_num(p['angle'])}")]
    if kind == "grain":
        return [("noise", f"alls={int(p['strength'])}:allf=t+u")]
    if kind == "chroma_key":
        yuv = chroma_key_colour(str(p["color"]), ctx.color_range if ctx is not None else "tv")
        color = f"{yuv}:yuv=1" if yuv else str(p["color"]).replace("#", "0x")
        return [
            ("format", "yuva420p"),
            ("chromakey", f"color={color}:similarity={_num(p['similarity'])}:blend={_num(p['blend'])}"),
        ]
    if kind == "lut":
        path = str(p["path"])
        if not Path(path).is_file():  # else FFmpeg fails mid-render with a bare Errno 2
            raise RenderError(f"lut effect {fx.id!r}: LUT file {path} not found (relink the project)")
        return [("lut3d", f"file={_escape_path(path)}")]
    if kind in TIMING_EFFECTS or kind in ("fade_in", "fade_out"):
        return []
    raise RenderError(f"effect {kind!r} has no renderer: is the plugin that provides it loaded?")


def timing_steps(fx: Effect, frames: int, own: tuple[int, int] | None = None) -> list[Step]:
    """Reverse / freeze on the clip's conformed frames (``frames`` long, pts = frame index).

    ``own`` is ``(before, n)``: the clip's own frames follow ``before`` frames of transition
    handle. Reverse plays the whole chain backwards: the picture of a clip played backwards is read
    with its handles mirrored (``picture_reads_backwards``), so its handles show the frames the
    reverse plays on into (past its span's end before it, before its start after it). Freeze holds
    own frame ``frame``, handles included.
    """
    before, n = own if own is not None else (0, frames)
    if fx.kind == "reverse":
        return [("trim", f"end_frame={frames}"), ("reverse", ""), ("setpts", "N")]
    if fx.kind == "freeze":
        f = before + min(int(fx.params["frame"]), n - 1)
        return [
            ("trim", f"start_frame={f}:end_frame={f + 1}"),
            ("loop", f"loop={frames - 1}:size=1:start=0"),
            ("setpts", "N"),
        ]
    return []


def fade_steps(effects: list[Effect], frames: int, *, alpha: bool, offset: int = 0) -> list[Step]:
    """Picture fade in/out over the clip's own ``frames`` (after ``offset`` frames of handle)."""
    steps: list[Step] = []
    for fx in effects:
        if not fx.enabled or fx.kind not in ("fade_in", "fade_out"):
            continue
        n = min(int(fx.params["frames"]), frames)
        start = offset if fx.kind == "fade_in" else offset + frames - n
        t = "in" if fx.kind == "fade_in" else "out"
        extra = ":alpha=1" if alpha else f":color={fx.params['color']}"
        steps.append(("fade", f"t={t}:s={start}:n={n}{extra}"))
    return steps


def _escape_path(path: str) -> str:
    """Option-level escaping so a path with ':' or '\\' survives the options parser."""
    return path.replace("\\", "\\\\").replace(":", "\\:").replace("'", "\\'")
