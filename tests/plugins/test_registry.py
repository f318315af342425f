"""Registry lifecycle: order, API and dependency checks, failures contained, effects exposed."""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

import pytest

from timeline_lab.core.events import Event, EventBus, RenderProgress
from timeline_lab.plugins import (
    BasePlugin,
    CommandError,
    PluginDisabled,
    PluginError,
    PluginFailed,
    PluginLoaded,
    PluginRegistry,
)

from ._samples import Blur, Echo, FailsInit, Poison, fx_ctx, manifest


def lifecycle(events: list[Event]) -> list[tuple[str, str, str]]:
    """Plugin events as (type, plugin, stage/reason) for compact assertions."""
    out = []
    for e in events:
        if isinstance(e, PluginLoaded):
            out.append(("loaded", e.name, ""))
        elif isinstance(e, PluginFailed):
            out.append(("failed", e.name, e.stage))
        elif isinstance(e, PluginDisabled):
            out.append(("disabled", e.name, e.reason))
    return out


def named(
    name: str, *, deps: tuple[str, ...] = (), api: str = ">=1.0,<2", order: list[str] | None = None
) -> Any:
    """A plugin that records when it initializes and shuts down."""

    class P(BasePlugin):
        def __init__(self) -> None:
            self.manifest = manifest(name, dependencies=list(deps), api=api)

        def initialize(self, ctx: Any) -> None:
            super().initialize(ctx)
            if order is not None:
                order.append(f"init {name}")

        def shutdown(self) -> None:
            if order is not None:
                order.append(f"stop {name}")

    return P()


def test_lifecycle_commands_events_shutdown(reg: PluginRegistry, bus: EventBus, events: list[Event]) -> None:
    echo = Echo()
    reg.register(echo)
    assert reg.state("echo") == "registered"
    assert reg.start() == ["echo"]
    assert reg.handle("echo", "echo", {"text": "hi"})["echo"] == "hi"
    bus.publish(RenderProgress("job", 1, 10, 25.0, None))
    assert any(isinstance(e, RenderProgress) for e in echo.seen)
    with pytest.raises(CommandError, match="unknown command 'nope'"):
        reg.handle("echo", "nope")
    assert reg.state("echo") == "active"  # a refused command does not disable the plugin
    reg.shutdown()
    assert echo.log == ["shutdown"] and reg.state("echo") == "stopped"
    assert lifecycle(events) == [("loaded", "echo", "")]


def test_initialize_failure_is_contained(reg: PluginRegistry, events: list[Event]) -> None:
    reg.register(FailsInit)
    reg.register(Echo)
    assert reg.start() == ["echo"]
    assert reg.state("fails-init") == "failed"
    assert ("failed", "fails-init", "initialize") in lifecycle(events)
    failed = next(e for e in events if isinstance(e, PluginFailed))
    assert failed.error == "RuntimeError: cannot start"
    assert reg.handle("echo", "echo", {"text": "still here"})["echo"] == "still here"
    with pytest.raises(PluginError, match="'fails-init' is failed"):
        reg.handle("fails-init", "anything")


def test_event_handler_failure_disables_the_plugin_only(
    reg: PluginRegistry, bus: EventBus, events: list[Event], caplog: pytest.LogCaptureFixture
) -> None:
    echo, other = Echo(), named("other")
    reg.register(echo)
    reg.register(other)
    reg.start()
    bus.publish(Poison())  # must not raise in the publisher
    assert reg.state("echo") == "failed" and reg.state("other") == "active"
    assert lifecycle(events)[-2:] == [("failed", "echo", "event"), ("disabled", "echo", "failed in event")]
    assert echo.log == ["shutdown"]  # given a chance to release resources
    assert "exploded" in caplog.text
    seen = len(echo.seen)
    bus.publish(RenderProgress("job", 1, 10, 25.0, None))
    assert len(echo.seen) == seen  # no more events once disabled
    info = {i.name: i for i in reg.info()}
    assert info["echo"].error == "event: RuntimeError: event handler exploded"


def test_command_failure_disables_and_raises(reg: PluginRegistry, events: list[Event]) -> None:
    reg.register(Echo)
    reg.start()
    with pytest.raises(PluginError, match="failed on command 'boom' and was disabled"):
        reg.handle("echo", "boom")
    assert ("failed", "echo", "handle") in lifecycle(events)
    with pytest.raises(PluginError, match="is failed"):
        reg.handle("echo", "echo")


def test_dependency_order_missing_and_cycles(reg: PluginRegistry, events: list[Event]) -> None:
    order: list[str] = []
    reg.register(named("c", deps=("b",), order=order))
    reg.register(named("b", deps=("a",), order=order))
    reg.register(named("a", order=order))
    reg.register(named("needs-ghost", deps=("ghost",)))
    reg.register(named("x", deps=("y",)))
    reg.register(named("y", deps=("x",)))
    reg.register(named("future", api=">=2.0"))
    reg.register(named("on-future", deps=("future",)))
    assert reg.start() == ["a", "b", "c"]
    assert order == ["init a", "init b", "init c"]
    fails = {(e.name, e.stage, e.error) for e in events if isinstance(e, PluginFailed)}
    assert ("needs-ghost", "dependency", "dependency 'ghost' is not installed") in fails
    assert ("x", "dependency", "dependency cycle among x, y") in fails
    assert ("future", "api", "needs plugin API '>=2.0'; this timeline_lab provides 1.0") in fails
    assert ("on-future", "dependency", "dependency 'future' is failed") in fails
    reg.shutdown()
    assert order[3:] == ["stop c", "stop b", "stop a"]


def test_disabling_cascades_to_dependents(reg: PluginRegistry, events: list[Event]) -> None:
    reg.register(named("base"))
    reg.register(named("top", deps=("base",)))
    reg.start()
    reg.disable("base")
    assert (reg.state("base"), reg.state("top")) == ("disabled", "disabled")
    assert ("disabled", "top", "dependency 'base' was disabled") in lifecycle(events)


def test_duplicates_and_bad_plugins_are_refused(reg: PluginRegistry) -> None:
    reg.register(Echo)
    with pytest.raises(PluginError, match="already registered"):
        reg.register(Echo)
    with pytest.raises(PluginError, match="no 'manifest'"):
        reg.register(object())

    class NoHandle:
        manifest = manifest("nohandle")

    with pytest.raises(PluginError, match="handle"):
        reg.register(NoHandle())


def test_effects(reg: PluginRegistry, events: list[Event]) -> None:
    reg.register(Blur)
    reg.start()
    effects = reg.effects()
    assert sorted(effects) == ["blur.bad", "blur.raises", "blur.region"]
    assert effects["blur.region"](*fx_ctx("blur.region", sigma=3)) == [
        ("gblur", "sigma=3"),
        ("crop", "w=320"),
    ]
    with pytest.raises(PluginError, match="'movie' reads files"):
        effects["blur.bad"](*fx_ctx("blur.bad"))
    assert reg.state("blur") == "failed" and reg.effects() == {}
    assert ("failed", "blur", "effect") in lifecycle(events)
    with pytest.raises(PluginError, match="'blur' is failed"):
        effects["blur.region"](*fx_ctx("blur.region"))  # a renderer kept after its plugin stopped


def test_effect_renderer_that_raises(reg: PluginRegistry) -> None:
    reg.register(Blur)
    reg.start()
    with pytest.raises(PluginError, match=r"effect 'blur\.raises' failed .* ValueError: no sigma"):
        reg.effects()["blur.raises"](*fx_ctx("blur.raises"))
    assert reg.state("blur") == "failed"


def test_effects_plug_into_the_render_engine(reg: PluginRegistry) -> None:
    from timeline_lab.render.compile.effects import effect_steps, register_effect, unregister_effect

    reg.register(Blur)
    reg.start()
    renderer = reg.effects()["blur.region"]
    register_effect("blur.region", renderer)
    try:
        fx, ctx = fx_ctx("blur.region", sigma=5)
        assert effect_steps(fx, ctx) == [("gblur", "sigma=5"), ("crop", "w=320")]
    finally:
        unregister_effect("blur.region", renderer)


def test_effect_kinds_must_be_namespaced(reg: PluginRegistry, events: list[Event]) -> None:
    class Sloppy(BasePlugin):
        manifest = manifest("sloppy", kind="effect")
        effect_kinds: ClassVar[dict[str, Any]] = {"blur.region": lambda params: []}

    reg.register(Sloppy)
    assert reg.start() == []
    assert any(isinstance(e, PluginFailed) and "namespaced 'sloppy.<kind>'" in e.error for e in events)


def test_relative_fs_roots_come_from_the_workspace(bus: EventBus, tmp_path: Path) -> None:
    (tmp_path / "media").mkdir()
    (tmp_path / "media" / "a.txt").write_text("A")
    (tmp_path / "private.txt").write_text("P")

    class Reader(Echo):
        manifest = manifest("reader", permissions={"fs_read": ["media"]})

    with PluginRegistry(bus, tmp_path) as reg:
        reg.register(Reader)
        reg.start()
        assert reg.handle("reader", "read", {"path": "media/a.txt"}) == "A"
        with pytest.raises(PluginError, match="PermissionDenied"):
            reg.handle("reader", "read", {"path": "private.txt"})
