"""The smart render's edge encoder: thread counts that suit short stretches."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest

from timeline_lab.render.plan import ExportSettings
from timeline_lab.render.smart.edges import SHORT, x264_options
from timeline_lab.render.smart.plan import Plan


def plan(options: dict[str, str]) -> Plan:
    export, size = ExportSettings(Path("x.mp4")), (1920, 1080)
    return Plan(export, (), 0, Fraction(25), size, 48000, 2, (0, 0, 0), b"", 4, 0, options)


@pytest.mark.parametrize(
    ("options", "frames", "threads"),
    [
        ({"preset": "veryfast"}, 8, "1"),  # a cut edge: one thread, the pool runs edges side by side
        ({"preset": "veryfast"}, SHORT, "1"),
        ({"preset": "veryfast"}, SHORT + 1, None),  # a long stretch (a gap, a short clip): x264 decides
        ({"preset": "veryfast", "threads": "3"}, 8, "3"),  # the export's own setting wins
    ],
)
def test_short_stretches_encode_on_one_thread(
    options: dict[str, str], frames: int, threads: str | None
) -> None:
    got = x264_options(plan(options), frames)
    assert got.get("threads") == threads and got["preset"] == "veryfast"
