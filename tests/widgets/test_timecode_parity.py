"""The widget's timecode (extension/widgets/src/timecode.ts) writes what Python's does, on every frame.

Both sides hash each timecode hour of 24 hours at 29.97 DF, 59.94 DF, 23.976, 24, 25 and 30 fps
into a small committed list (extension/widgets/test/fixtures/timecode-hours.json): this test checks
that Python's ``format_timecode`` still produces those hashes, and ``test/timecode.test.ts`` (vitest)
that the TypeScript does; together they compare the two on all 14.6 million frames.
Regenerate the list (after a deliberate change of the format):
``python tests/widgets/test_timecode_parity.py``.
"""

from __future__ import annotations

import hashlib
import json
import sys
from fractions import Fraction
from pathlib import Path

import pytest

from timeline_lab.model import Project
from timeline_lab.model.rational_time import RationalTime
from timeline_lab.model.timecode import format_timecode
from timeline_lab.widgets.view import view_of

FIXTURE = Path(__file__).resolve().parents[2] / "extension/widgets/test/fixtures/timecode-hours.json"
HOURS = 24
# name -> (rate, drop-frame)
RATES = {
    "29.97 DF": (Fraction(30000, 1001), True),
    "59.94 DF": (Fraction(60000, 1001), True),
    "23.976": (Fraction(24000, 1001), False),
    "24": (Fraction(24), False),
    "25": (Fraction(25), False),
    "30": (Fraction(30), False),
}


def frames_per_hour(rate: Fraction, drop_frame: bool) -> int:
    """Frames from ``00:00:00:00`` to ``01:00:00:00`` (54 minutes of each hour drop frames)."""
    dropped = {Fraction(30000, 1001): 2, Fraction(60000, 1001): 4}.get(rate, 0) if drop_frame else 0
    return -(-rate.numerator // rate.denominator) * 3600 - 54 * dropped


def hour_hash(rate: Fraction, drop_frame: bool, hour: int) -> str:
    """First 16 hex digits of the SHA-256 of one hour's timecodes, one per line (as the vitest hashes)."""
    per_hour = frames_per_hour(rate, drop_frame)
    start = hour * per_hour
    text = "\n".join(format_timecode(f, rate, drop_frame) for f in range(start, start + per_hour))
    return hashlib.sha256(text.encode("ascii")).hexdigest()[:16]


def generate() -> dict[str, object]:
    """The whole list, from Python's formatter (about a minute)."""
    return {
        "about": "per rate, sha256(one timecode hour's strings joined by newlines)[:16], from Python's "
        "format_timecode; see tests/widgets/test_timecode_parity.py",
        "rates": {
            name: {
                "rate": [rate.numerator, rate.denominator],
                "drop_frame": drop,
                "frames_per_hour": frames_per_hour(rate, drop),
                "hours": [hour_hash(rate, drop, h) for h in range(HOURS)],
            }
            for name, (rate, drop) in RATES.items()
        },
    }


def committed() -> dict[str, dict[str, object]]:
    rates: dict[str, dict[str, object]] = json.loads(FIXTURE.read_text("utf-8"))["rates"]
    return rates


def test_the_list_covers_each_rate_and_the_hour_boundaries() -> None:
    rates = committed()
    assert set(rates) == set(RATES)
    for name, (rate, drop) in RATES.items():
        assert rates[name]["frames_per_hour"] == frames_per_hour(rate, drop)
        assert len(rates[name]["hours"]) == HOURS  # type: ignore[arg-type]
        one = "01:00:00;00" if drop else "01:00:00:00"
        assert RationalTime.from_frames(frames_per_hour(rate, drop), rate).to_timecode(rate, drop) == one


@pytest.mark.parametrize("name", list(RATES))
def test_python_writes_the_committed_first_and_last_hour(name: str) -> None:
    rate, drop = RATES[name]
    hours = committed()[name]["hours"]
    for hour in (0, HOURS - 1):
        assert hour_hash(rate, drop, hour) == hours[hour], f"{name}, hour {hour}"  # type: ignore[index]


@pytest.mark.parametrize(
    ("rate", "drop_frame"),
    [
        (Fraction(30000, 1001), True),
        (Fraction(60000, 1001), True),
        (Fraction(24000, 1001), False),
        (Fraction(25), False),
    ],
)
def test_the_view_says_when_timecode_is_drop_frame(rate: Fraction, drop_frame: bool) -> None:
    project = Project(name="tc")
    project.settings = project.settings.model_copy(update={"frame_rate": rate})
    doc = view_of(project).to_json()
    assert doc["drop_frame"] is drop_frame
    assert (";" in RationalTime.from_frames(1800, rate).to_timecode()) is drop_frame


@pytest.mark.slow
def test_python_writes_the_committed_hours_on_every_frame_of_24_hours() -> None:
    fix = f"python {Path(__file__).relative_to(FIXTURE.parents[4])}"
    assert generate()["rates"] == committed(), f"Python's timecode changed: if meant, run `{fix}`"


if __name__ == "__main__":
    FIXTURE.parent.mkdir(parents=True, exist_ok=True)
    FIXTURE.write_text(json.dumps(generate(), indent=1) + "\n", "utf-8")
    sys.stdout.write(f"wrote {FIXTURE}\n")
