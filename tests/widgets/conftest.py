"""Widget fixtures: a studio and project on real synthetic media, and widgets whose sends are recorded."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from timeline_lab import Studio
from timeline_lab.model import Project


class Sent(list[tuple[dict[str, Any], list[bytes]]]):
    """Messages a widget sent to the browser, in order."""

    def kinds(self) -> list[str]:
        return [m["kind"] for m, _ in self]

    def last(self, kind: str) -> dict[str, Any]:
        return next(m for m, _ in reversed(self) if m["kind"] == kind)


def record(widget: Any) -> Sent:
    """Capture ``widget.send`` (the comm is a dummy outside a kernel; the browser tests use the real one)."""
    sent = Sent()
    widget.send = lambda content, buffers=None: sent.append((content, list(buffers or [])))
    return sent


@pytest.fixture
def studio(tmp_path: Path) -> Iterator[Studio]:
    s = Studio(workspace=tmp_path)
    yield s
    s.close()


@pytest.fixture
def project(studio: Studio, media: dict[str, Path]) -> Project:
    """V1: pal 0..20 | ntsc 5..35 | wide 0..24 at 25 fps."""
    p = studio.new_project("w", width=160, height=120, frame_rate=25)
    v1 = p.tracks[0]
    v1.append(studio.clip(media["pal"], 0, 20, name="pal"))
    v1.append(studio.clip(media["ntsc"], 5, 30, name="ntsc"))
    v1.append(studio.clip(media["wide"], 0, 20, name="wide"))
    return p
