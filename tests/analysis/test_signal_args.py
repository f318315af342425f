"""signals() refuses what it cannot honour (an unknown ``per``, a negative ``width``) before it
decodes, naming the argument, and reads a bare string as one signal name, not its letters."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from timeline_lab.analysis import signals
from timeline_lab.media.synth import make_clip


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_clip(tmp_path_factory.mktemp("args") / "c.mp4", width=64, height=48, frames=12)


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"per": "minute"}, "per: expected 'frame' or 'second', got 'minute'"),
        ({"per": "Second"}, "per: expected"),
        ({"per": None}, "per: expected"),
        ({"width": -1}, "width: expected columns >= 0"),
        ({"width": -160}, "width: expected columns >= 0"),
        ({"width": 1.5}, "width: expected columns >= 0"),
        ({"width": True}, "width: expected columns >= 0"),
        ({"names": "lumen"}, r"names: unknown signals \['lumen'\]"),
        ({"names": []}, r"names: unknown signals \[\]"),
        ({"names": ["luma", "nope"]}, r"names: unknown signals \['nope'\]"),
    ],
)
def test_bad_arguments_are_refused_by_name(clip: Path, kwargs: dict[str, Any], error: str) -> None:
    with pytest.raises(ValueError, match=error):
        signals(clip, **kwargs)


@pytest.mark.parametrize("name", ["luma", "motion", "black", "colour"])
def test_a_bare_string_is_one_signal(clip: Path, name: str) -> None:
    assert signals(clip, name).equals(signals(clip, [name]))


@pytest.mark.parametrize(("per", "rows"), [("frame", 12), ("second", 1)])
def test_the_two_pers_still_work(clip: Path, per: Any, rows: int) -> None:
    assert signals(clip, ["luma"], per=per, width=0).height == rows
