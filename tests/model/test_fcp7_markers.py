"""A clip marker in FCP 7 / Premiere XML counts from the media's first frame (its ``<in>``), while the
clip's source range is on the media's timecode clock: on a camera file starting at 01:00:00:00 every
clip marker fell an hour early and was left out, noted "outside the part shown"."""

from __future__ import annotations

import logging
from fractions import Fraction
from pathlib import Path

import pytest

from timeline_lab.interchange.otio import read_otio
from timeline_lab.media.synth import make_clip

from ._fcp7_xml import clipitem, file_xml, sequence

MEDIA_FRAMES = 80
CASES = [
    (Fraction(24000, 1001), "01:00:00:00"),
    (Fraction(24), None),
    (Fraction(25), "10:00:00:00"),
    (Fraction(30000, 1001), "01:00:00;00"),
    (Fraction(30000, 1001), "00:59:58;02"),
    (Fraction(50), "00:00:00:00"),
]


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> dict[Fraction, Path]:
    folder = tmp_path_factory.mktemp("fcp7-markers")
    rates = sorted({r for r, _ in CASES})
    return {
        r: make_clip(
            folder / f"m{k}.mov", width=64, height=48, rate=r, frames=MEDIA_FRAMES, tag=k, audio=False
        )
        for k, r in enumerate(rates)
    }


def _markers(path: Path) -> tuple[list[tuple[str, int]], list[str]]:
    logging.disable(logging.WARNING)
    try:
        project = read_otio(path)
    finally:
        logging.disable(logging.NOTSET)
    r = project.settings.frame_rate
    return [(m.name, m.time.to_frames(r)) for m in project.markers], project.metadata.get("import_notes", [])


@pytest.mark.parametrize(("rate", "timecode"), CASES, ids=str)
@pytest.mark.parametrize(("at", "src_in", "marker_in"), [(0, 24, 40), (12, 5, 5), (30, 10, 33)])
def test_a_clip_marker_lands_where_its_media_frame_is_shown(
    media: dict[Fraction, Path],
    tmp_path: Path,
    rate: Fraction,
    timecode: str | None,
    at: int,
    src_in: int,
    marker_in: int,
) -> None:
    marker = f"<marker><name>m</name><comment>c</comment><in>{marker_in}</in><out>-1</out></marker>"
    past = (
        "<marker><name>past</name><in>79</in><out>-1</out></marker>"  # a media frame the clip does not show
    )
    inner = file_xml(media[rate], rate, MEDIA_FRAMES, timecode) + marker + past
    item = clipitem("c", rate, at, at + 36, src_in, src_in + 36, inner, MEDIA_FRAMES)
    markers, notes = _markers(sequence(tmp_path / "s.xml", rate, [item]))
    assert markers == [("m", at + marker_in - src_in)]
    where = f"tracks[0][{int(at > 0)}]"  # after the leading gap
    assert notes == [f'{where}: marker "past" is outside the part shown and is left out']
