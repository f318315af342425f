"""shot_boundaries and shots refuse a width that is not a whole number of columns, naming it."""

from __future__ import annotations

from pathlib import Path

import pytest

from timeline_lab.analysis import shot_boundaries, shots
from timeline_lab.media.synth import make_clip


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_clip(tmp_path_factory.mktemp("w") / "c.mp4", width=64, height=48, frames=5, audio=False)


@pytest.mark.parametrize("fn", [shot_boundaries, shots])
@pytest.mark.parametrize("width", [0, -1, -64, 2.5, True, "64", None])
def test_a_bad_width_is_refused_by_name(clip: Path, fn: object, width: object) -> None:
    with pytest.raises(ValueError, match=r"^width: expected columns >= 1.*got"):
        fn(clip, width=width)  # type: ignore[operator]


@pytest.mark.parametrize("width", [1, 8, 64])
def test_a_good_width_runs(clip: Path, width: int) -> None:
    assert shot_boundaries(clip, width=width).is_empty()
