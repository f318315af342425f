"""Fixtures shared by the plugin tests: a bus, the events it saw, and a registry on a temp workspace."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from timeline_lab.core.events import Event, EventBus
from timeline_lab.plugins import PluginRegistry


@pytest.fixture
def bus() -> EventBus:
    return EventBus()


@pytest.fixture
def events(bus: EventBus) -> list[Event]:
    got: list[Event] = []
    bus.subscribe(Event, got.append)
    return got


@pytest.fixture
def reg(bus: EventBus, tmp_path: Path) -> Iterator[PluginRegistry]:
    # isolated children start with "spawn": allow them time on a loaded 2-core machine
    with PluginRegistry(bus, tmp_path, timeout=20) as r:
        yield r
