"""The widget draws eased gain envelopes with the model's easing (extension/widgets/src/keyframes.ts).

A committed fixture (extension/widgets/test/fixtures/eases.json) holds the model's named eases and
``keyframes._bezier`` at 101 points of each of 28 handle sets (24 of them seeded random): this test
checks the model still gives them, and ``test/keyframes.test.ts`` (vitest) that the TypeScript's
``EASES`` and ``bezierAt`` do.
Regenerate it (after a deliberate change of the easing): ``python tests/widgets/test_ease_parity.py``.
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

from timeline_lab.model.keyframes import EASES, _bezier

FIXTURE = Path(__file__).resolve().parents[2] / "extension/widgets/test/fixtures/eases.json"
_RNG = random.Random(21)  # seeded: the fixture is committed
HANDLES = {
    **EASES,
    "css-ease": (0.25, 0.1, 0.25, 1.0),
    "overshoot": (0.3, -0.4, 0.7, 1.4),
    # any handles a user's bezier keyframe may carry: x in 0..1 (CSS's rule), y past 0..1 too
    **{
        f"random-{n}": (_RNG.random(), _RNG.uniform(-1, 2), _RNG.random(), _RNG.uniform(-1, 2))
        for n in range(24)
    },
}


def table() -> dict[str, object]:
    """The named eases, and y at u = 0, 0.01 .. 1 for each handle set (named eases included)."""
    us = [k / 100 for k in range(101)]
    return {
        "eases": {name: list(h) for name, h in EASES.items()},
        "samples": {
            name: {"handles": list(h), "y": [_bezier(h, u) for u in us]} for name, h in HANDLES.items()
        },
    }


def test_the_fixture_is_the_models_easing() -> None:
    fixture = json.loads(FIXTURE.read_text("utf-8"))
    assert fixture == table(), f"regenerate {FIXTURE.name}: see this module's docstring"


if __name__ == "__main__":
    FIXTURE.write_text(json.dumps(table(), indent=1) + "\n", "utf-8")
    sys.exit(0)
