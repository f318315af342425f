"""FCPX story elements on their own clocks (review 5, items A and B): a secondary storyline's
``offset`` is on the clock of the clip it hangs from and its children count from 0 (B-roll hung
partway into a clip started at the clip's head); a compound clip's ``start`` is on its sequence's
clock, which starts at that sequence's ``tcStart`` (a compound starting at 01:00:00:00 was black)."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest

from timeline_lab.interchange.otio import read_otio
from timeline_lab.media.synth import read_frame_index
from timeline_lab.model import Project
from timeline_lab.model.items import SequenceClip
from timeline_lab.studio import Studio

from ..render.conftest import decode_video
from .test_fcpx_elements import RATES, _at, _doc, _layout, _t


def _shown(tmp_path: Path, project: Project) -> list[tuple[int, int] | None]:
    out = Studio(workspace=tmp_path).render(project, tmp_path / "out.mp4", progress=False)
    return [read_frame_index(f) if f.mean() > 8 else None for f in decode_video(out)]


@pytest.mark.parametrize("rate", RATES)
@pytest.mark.parametrize(("head", "into"), [(0, 0), (0, 5), (24, 7), (24, 0), (10, 13)])
def test_a_secondary_storyline_starts_where_its_offset_is_on_its_clips_clock(
    tmp_path: Path, rate: Fraction, head: int, into: int
) -> None:
    """B-roll (two clips of c) hung ``into`` frames into clip A, which shows a from its frame ``head``."""
    spine = (
        f'<gap name="Gap" offset="{_at(rate, 0)}" start="3600s" duration="{_t(10, rate)}"/>'
        f'<asset-clip ref="r2" offset="{_at(rate, 10)}" name="A" start="{_at(rate, head)}" '
        f'duration="{_t(30, rate)}"><spine lane="1" offset="{_at(rate, head + into)}" format="r1">'
        f'<asset-clip ref="r3" offset="0s" name="b1" start="{_t(60, rate)}" duration="{_t(4, rate)}"/>'
        f'<asset-clip ref="r3" offset="{_t(4, rate)}" name="b2" start="{_t(100, rate)}" '
        f'duration="{_t(3, rate)}"/></spine></asset-clip>'
    )
    project = read_otio(_doc(tmp_path, rate, spine))
    placed = [(name, start, src, n) for _, name, start, src, n, _ in _layout(project) if name]
    assert placed == [("A", 10, head, 30), ("b1", 10 + into, 60, 4), ("b2", 14 + into, 100, 3)]
    if rate == 25 and head == 24 and into == 7:  # one render: the frames those places say
        shown = _shown(tmp_path, project)[10:40]
        want = [(head + k, 1) for k in range(30)]
        want[into : into + 7] = [(60 + k, 2) for k in range(4)] + [(100 + k, 2) for k in range(3)]
        assert shown == want


@pytest.mark.parametrize("rate", RATES)
@pytest.mark.parametrize("tc_start", [0, 3600, 10])
@pytest.mark.parametrize("into", [0, 5, None])
def test_a_compound_clip_counts_its_start_from_its_own_tc_start(
    tmp_path: Path, rate: Fraction, tc_start: int, into: int | None
) -> None:
    """A compound whose sequence starts at ``tc_start`` seconds (its clip of c from frame 60), shown
    ``into`` frames in (None: no ``start``, its head)."""
    origin = round(tc_start * rate)
    extra = (
        f'<media id="r6" name="Compound"><sequence format="r1" duration="{_t(40, rate)}" '
        f'tcStart="{_t(origin, rate)}"><spine><asset-clip ref="r3" offset="{_t(origin, rate)}" name="c" '
        f'start="{_t(60, rate)}" duration="{_t(40, rate)}"/></spine></sequence></media>'
    )
    start = "" if into is None else f'start="{_t(origin + into, rate)}" '
    spine = f'<ref-clip ref="r6" offset="{_at(rate, 0)}" name="Comp" {start}duration="{_t(8, rate)}"/>'
    project = read_otio(_doc(tmp_path, rate, spine, extra=extra))
    (shown_span,) = [i for t in project.tracks for i in t.items if isinstance(i, SequenceClip)]
    first = into or 0
    assert shown_span.source_range.start.to_frames(rate) == first
    assert "import_notes" not in project.metadata
    if rate == 25 and tc_start == 3600 and into == 5:  # one render: the compound's frames, not black
        assert _shown(tmp_path, project)[:8] == [(60 + first + k, 2) for k in range(8)]
