"""Isolated plugins: commands and events cross a JSON pipe; a crashing child is reported, the app goes on."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from timeline_lab.core.events import Event, EventBus, RenderProgress
from timeline_lab.plugins import CommandError, PluginError, PluginFailed, PluginMessage, PluginRegistry

from ._samples import Poison, fx_ctx

SAMPLES = "tests.plugins._samples"


def wait_for(pred: object, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not pred():  # type: ignore[operator]
        if time.monotonic() > deadline:
            pytest.fail("condition not reached in time")
        time.sleep(0.02)


def test_isolated_plugin_answers_commands_and_events(
    reg: PluginRegistry, bus: EventBus, events: list[Event]
) -> None:
    assert reg.register_isolated(f"{SAMPLES}:Echo") == "echo"
    reg.start()
    answer = reg.handle("echo", "echo", {"text": "hi"})
    assert answer["echo"] == "hi" and answer["pid"] != os.getpid()
    with pytest.raises(CommandError, match="unknown command"):
        reg.handle("echo", "nope")
    assert reg.state("echo") == "active"
    bus.publish(RenderProgress("job", 3, 10, 25.0, 1.0))
    wait_for(lambda: "RenderProgress" in reg.handle("echo", "seen"))
    reg.handle("echo", "publish", {"text": "from child"})
    wait_for(lambda: any(isinstance(e, PluginMessage) for e in events))
    msg = next(e for e in events if isinstance(e, PluginMessage))
    assert (msg.plugin, msg.topic, msg.data) == ("echo", "Pong", {"text": "from child"})
    proxy = reg.get("echo")
    reg.shutdown()
    assert not proxy.alive and reg.state("echo") == "stopped"


def test_crashing_child_is_reported_and_the_app_goes_on(reg: PluginRegistry, events: list[Event]) -> None:
    reg.register_isolated(f"{SAMPLES}:Echo")
    reg.register_isolated(f"{SAMPLES}:Blur")
    reg.start()
    with pytest.raises(PluginError, match=r"child process exited \(code 7\)"):
        reg.handle("echo", "exit")
    assert reg.state("echo") == "failed"
    wait_for(lambda: any(isinstance(e, PluginFailed) for e in events))  # may come from the reader side
    failed = [e for e in events if isinstance(e, PluginFailed)]
    assert [(f.name, f.stage) for f in failed] == [("echo", "crash")]
    steps = reg.effects()["blur.region"](*fx_ctx("blur.region", sigma=2))  # the other one still works
    assert steps == [("gblur", "sigma=2"), ("crop", "w=320")]


def test_event_handler_failure_in_child_disables(
    reg: PluginRegistry, bus: EventBus, events: list[Event]
) -> None:
    reg.register_isolated(f"{SAMPLES}:Echo")
    reg.start()
    bus.publish(Poison())
    wait_for(lambda: reg.state("echo") == "failed")
    failed = next(e for e in events if isinstance(e, PluginFailed))
    assert (failed.stage, failed.error) == ("event", "RuntimeError: event handler exploded")
    wait_for(lambda: not reg.get("echo").alive)


def test_child_that_dies_while_loading_or_initializing(reg: PluginRegistry, events: list[Event]) -> None:
    with pytest.raises(PluginError, match=r"did not start: child process exited \(code 3\)"):
        reg.register_isolated(f"{SAMPLES}:CrashesOnLoad")
    with pytest.raises(PluginError, match="did not start: load: ModuleNotFoundError"):
        reg.register_isolated("tests.plugins.no_such_module:Plugin")
    reg.register_isolated(f"{SAMPLES}:FailsInit")
    assert reg.start() == []
    failed = [e for e in events if isinstance(e, PluginFailed)]
    assert [(f.name, f.stage, f.error) for f in failed] == [
        ("fails-init", "initialize", "RuntimeError: cannot start")
    ]
    assert not reg.get("fails-init").alive


def test_child_confined_like_in_process(reg: PluginRegistry, tmp_path: Path) -> None:
    (tmp_path / "secret.txt").write_text("s")
    reg.register_isolated(f"{SAMPLES}:Echo")
    reg.start()
    with pytest.raises(PluginError, match=r"PermissionDenied: plugin 'echo' may not read 'secret\.txt'"):
        reg.handle("echo", "read", {"path": "secret.txt"})


def test_isolated_effect_steps_are_checked(reg: PluginRegistry) -> None:
    reg.register_isolated(f"{SAMPLES}:Blur")
    reg.start()
    with pytest.raises(PluginError, match="'movie' reads files"):
        reg.effects()["blur.bad"](*fx_ctx("blur.bad"))
    assert reg.state("blur") == "failed"


def test_refused_without_landlock_unless_unconfined(
    reg: PluginRegistry, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from timeline_lab.plugins import ENV_UNCONFINED, _landlock

    monkeypatch.setattr(_landlock, "abi", lambda: 0)  # as on macOS, or a kernel without Landlock
    monkeypatch.delenv(ENV_UNCONFINED, raising=False)
    with pytest.raises(PluginError, match=r"plugin 'tests\.plugins\._samples:Echo' refused: .*no Landlock"):
        reg.register_isolated(f"{SAMPLES}:Echo")
    assert "echo" not in reg
    monkeypatch.setenv(ENV_UNCONFINED, "1")
    with PluginRegistry(EventBus(), timeout=20) as unconfined:
        assert unconfined.register_isolated(f"{SAMPLES}:Echo") == "echo"
        unconfined.start()
        assert unconfined.handle("echo", "echo", {"text": "hi"})["echo"] == "hi"
    assert any("runs unconfined: landlock not applied" in r.getMessage() for r in caplog.records)


def test_declared_environment_variables_reach_the_child(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TL_SAMPLE_TOKEN", "declared")
    monkeypatch.setenv("TL_OTHER_TOKEN", "not declared")
    with PluginRegistry(EventBus(), timeout=20) as reg:
        reg.register_isolated(f"{SAMPLES}:EnvReader")
        reg.start()
        env = reg.handle("env-reader", "env")
    assert env["TL_SAMPLE_TOKEN"] == "declared" and "TL_OTHER_TOKEN" not in env
