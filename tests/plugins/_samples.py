"""Sample plugins shared by the tests; importable by name so isolated children can load them too."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from timeline_lab.core.events import Event
from timeline_lab.model import Effect
from timeline_lab.plugins import BasePlugin, CommandError, ForwardedEvent, PluginManifest
from timeline_lab.render.compile.effects import EffectContext


@dataclass(frozen=True)
class Pong(Event):
    """A plugin's own event type (allowed to be published)."""

    text: str


def fx_ctx(kind: str, **params: Any) -> tuple[Effect, EffectContext]:
    """The two arguments the render engine passes to an effect renderer."""
    ctx = EffectContext(320, 240, 0, 0, Fraction(0), Fraction(1), Fraction(25), 50, "c0")
    return Effect(kind=kind, params=params), ctx


@dataclass(frozen=True)
class Poison(Event):
    """An event that the Echo plugin's handler chokes on."""


def manifest(name: str, **kw: Any) -> PluginManifest:
    """A valid manifest with overrides."""
    fields: dict[str, Any] = {"name": name, "version": "0.1.0", "api": ">=1.0,<2", "kind": "service"}
    return PluginManifest.model_validate({**fields, **kw})


class Echo(BasePlugin):
    """Answers commands, records events, publishes on request."""

    manifest = manifest("echo")

    def __init__(self) -> None:
        self.seen: list[Event] = []
        self.log: list[str] = []

    def handle(self, command: str, payload: Mapping[str, Any]) -> Any:
        if command == "echo":
            return {"echo": payload.get("text"), "pid": os.getpid()}
        if command == "publish":
            self.ctx.bus.publish(Pong(str(payload.get("text"))))
            return None
        if command == "seen":
            return [e.type_name if isinstance(e, ForwardedEvent) else type(e).__name__ for e in self.seen]
        if command == "boom":
            raise RuntimeError("handler exploded")
        if command == "exit":
            os._exit(7)
        if command == "read":
            return self.ctx.fs.read_text(str(payload["path"]))
        raise CommandError(f"unknown command {command!r}")

    def on_event(self, event: Event) -> None:
        self.seen.append(event)
        name = event.type_name if isinstance(event, ForwardedEvent) else type(event).__name__
        if name == "Poison":
            raise RuntimeError("event handler exploded")

    def shutdown(self) -> None:
        self.log.append("shutdown")


class FailsInit(BasePlugin):
    """Raises while initializing."""

    manifest = manifest("fails-init")

    def initialize(self, ctx: Any) -> None:
        raise RuntimeError("cannot start")


class CrashesOnLoad(BasePlugin):
    """Kills its own process on construction (for isolation tests)."""

    manifest = manifest("crashes-on-load")

    def __init__(self) -> None:
        os._exit(3)


class Blur(BasePlugin):
    """An effect plugin: region blur as libavfilter steps."""

    manifest = manifest("blur", kind="effect")

    def __init__(self) -> None:
        self.effect_kinds = {"blur.region": self.region, "blur.bad": self.bad, "blur.raises": self.raises}

    def region(self, fx: Any, ctx: Any) -> list[tuple[str, str]]:
        """Called like the render engine does: in-process with objects, isolated with JSON dicts."""
        params = fx["params"] if isinstance(fx, dict) else fx.params
        width = ctx["width"] if isinstance(ctx, dict) else ctx.width
        sigma = float(params.get("sigma", 4))
        return [("gblur", f"sigma={sigma:g}"), ("crop", f"w={width}")]

    def bad(self, fx: Any, ctx: Any) -> list[tuple[str, str]]:
        return [("movie", "filename=/etc/passwd")]

    def raises(self, fx: Any, ctx: Any) -> list[tuple[str, str]]:
        raise ValueError("no sigma")


class EnvReader(BasePlugin):
    """Declares one environment variable; answers with the environment it sees."""

    manifest = manifest("env-reader", permissions={"env": ["TL_SAMPLE_TOKEN"]})

    def handle(self, command: str, payload: Mapping[str, Any]) -> Any:
        return dict(os.environ)
