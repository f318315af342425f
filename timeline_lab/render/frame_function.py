"""Per-frame Python effects: ``fn(frame, t) -> frame`` run inside the render, like MoviePy's ``transform``.

A function cannot be saved as JSON, so a clip's ``frame_function`` effect records only the name the
function is registered under in this process (:data:`FRAME_FUNCTIONS`); a project loaded where that
name is not registered renders with an error naming the clip and the function. Each frame leaves the
filter graph, is converted to RGB, passes through the function and re-enters, so a frame function
costs far more than a built-in filter: its cost is counted on the :class:`FrameFunction`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..errors import RenderError
from ..model.properties import Effect
from ..model.time import RationalTime
from .live import FrameCost, Pixels

__all__ = [
    "FRAME_FUNCTIONS",
    "FrameFunction",
    "FrameFunctionRegistry",
    "frame_function_effect",
    "register_frame_function",
]

FrameFn = Callable[[Pixels, RationalTime], Any]
"""``fn(frame, t)``: ``frame`` is ``(H, W, 3)`` uint8 RGB, ``t`` the clip's source time of that frame."""


@dataclass(eq=False)
class FrameFunction:
    """A Python function applied to every frame a clip shows, inside the render and the previews.

    ``fn(frame, t)`` gets the clip's picture (source pixels after crop, RGB ``(H, W, 3)`` uint8, not
    to be kept: copy what you need) and ``t``, the clip's *source* time of that frame (media time
    from the file's first frame, on the project's frame grid: ``source start + k * speed / rate``),
    and returns an array of the same shape. It is called once per frame the clip shows, in order
    within a render (a source frame held twice by slow motion comes twice); previews render pieces,
    so ``fn`` must depend only on its arguments.
    ``cost`` accumulates frames processed and seconds spent over all renders.
    """

    fn: FrameFn
    name: str = ""
    cost: FrameCost = field(default_factory=FrameCost)

    def __post_init__(self) -> None:
        if not callable(self.fn):
            raise TypeError(f"FrameFunction: expected a callable fn(frame, t), got {type(self.fn).__name__}")
        if not self.name:
            self.name = f"{getattr(self.fn, '__module__', '')}.{getattr(self.fn, '__qualname__', 'fn')}"

    def __call__(self, frame: Pixels, t: RationalTime) -> Pixels:
        """Run ``fn`` on one frame and check what it returns (same shape, uint8)."""
        out = self.cost.timed(lambda: self.fn(frame, t))
        array = np.asarray(out)
        if array.shape != frame.shape:
            msg = f"frame function {self.name!r}: returned shape {array.shape} for a frame of {frame.shape}"
            raise RenderError(msg)
        if array.dtype != np.uint8:
            array = np.clip(array, 0, 255).astype(np.uint8)
        return np.ascontiguousarray(array)

    def effect(self) -> Effect:
        """The clip effect that applies this function (registering it under its name)."""
        FRAME_FUNCTIONS.register(self)
        return Effect(kind="frame_function", params={"name": self.name})


class FrameFunctionRegistry:
    """Frame functions by name, in this process (projects save the name, not the function)."""

    def __init__(self) -> None:
        self._functions: dict[str, FrameFunction] = {}
        self._lock = threading.Lock()

    def register(self, function: FrameFunction | FrameFn, name: str | None = None) -> FrameFunction:
        """Register ``function`` (a FrameFunction or a plain ``fn(frame, t)``) under its name."""
        ff = function if isinstance(function, FrameFunction) else FrameFunction(function, name or "")
        if name and ff.name != name:
            ff = FrameFunction(ff.fn, name, ff.cost)
        with self._lock:
            self._functions[ff.name] = ff
        return ff

    def unregister(self, name: str) -> None:
        """Forget the function registered as ``name`` (nothing if none)."""
        with self._lock:
            self._functions.pop(name, None)

    def get(self, name: str, *, clip: str = "?") -> FrameFunction:
        """The function registered as ``name``; a clear error naming the clip when there is none."""
        with self._lock:
            ff = self._functions.get(name)
        if ff is None:
            msg = (
                f"clip {clip!r}: frame function {name!r} is not registered in this process "
                "(functions are not saved with a project: register it again with "
                "register_frame_function(name, fn) before rendering; a cluster worker is another "
                "process: render with cluster=False)"
            )
            raise RenderError(msg)
        return ff

    def names(self) -> frozenset[str]:
        """Every registered name."""
        with self._lock:
            return frozenset(self._functions)


FRAME_FUNCTIONS = FrameFunctionRegistry()
"""The process's frame functions (a project names them; the kernel that renders must hold them)."""


def register_frame_function(name: str, fn: FrameFn | FrameFunction) -> FrameFunction:
    """Register ``fn`` as ``name`` in :data:`FRAME_FUNCTIONS`; returns the FrameFunction (with its cost)."""
    return FRAME_FUNCTIONS.register(fn, name)


def frame_function_effect(fn: FrameFn | FrameFunction, name: str | None = None) -> Effect:
    """A ``frame_function`` effect for a clip, registering ``fn`` (under ``name``) first."""
    return FRAME_FUNCTIONS.register(fn, name).effect()
