"""model/subtitles.py: overlapping cues (two speakers at once) are all kept on import, each at its own
frames, on further subtitle tracks drawn above; they were shifted late or dropped silently."""

from __future__ import annotations

import itertools
import logging
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from timeline_lab.model import Project, ProjectSettings, RationalTime, TextClip
from timeline_lab.model.subtitles import (
    Cue,
    cue_lanes,
    cues_to_text_clips,
    import_subtitles,
    write_srt,
    write_vtt,
)

NTSC = Fraction(30000, 1001)


def cue(start: int, end: int, text: str = "x") -> Cue:
    return Cue(RationalTime(start, 1000), RationalTime(end, 1000), text)


def frames(c: TextClip, rate: Fraction) -> tuple[int, int]:
    first = c.start.to_frames(rate)
    return first, first + c.frames(rate)


cue_lists = st.lists(
    st.tuples(
        st.integers(0, 20_000), st.integers(1, 6_000), st.sampled_from(["a", "b c", "two\nlines", " "])
    ),
    max_size=25,
).map(lambda xs: [cue(s, s + n, t) for s, n, t in xs])


@settings(max_examples=200, deadline=None)
@given(cues=cue_lists, rate=st.sampled_from([Fraction(25), NTSC, Fraction(24)]))
def test_every_cue_is_kept_at_its_own_frames_and_no_lane_overlaps(cues: list[Cue], rate: Fraction) -> None:
    lanes = cue_lanes(cues, rate)
    want = sorted(
        (c.start.to_frames(rate, "nearest"), c.end.to_frames(rate, "nearest"), c.text)
        for c in cues
        if c.text.strip() and c.end.to_frames(rate, "nearest") > c.start.to_frames(rate, "nearest")
    )
    got = sorted((*frames(c, rate), c.text) for lane in lanes for c in lane)
    assert got == want, "each cue once, neither shifted nor dropped"
    for lane in lanes:
        spans = [frames(c, rate) for c in lane]
        assert all(a[1] <= b[0] for a, b in itertools.pairwise(spans)), "a lane is one track"
    # as few lanes as cues ever shown at once
    most = max((sum(f <= t < e for f, e, _ in want) for t in {f for f, _, _ in want}), default=0)
    assert len(lanes) == most


OVERLAPPING = [
    cue(1000, 5000, "- Where were you?"),
    cue(2000, 3000, "[phone rings]"),
    cue(4000, 6000, "- Out."),
]


@pytest.mark.parametrize("suffix", [".srt", ".vtt"])
@pytest.mark.parametrize("height", [240, 360, 1080])
def test_import_puts_overlapping_cues_on_tracks_drawn_above(tmp_path: Path, suffix: str, height: int) -> None:
    path = (write_srt if suffix == ".srt" else write_vtt)(OVERLAPPING, tmp_path / f"o{suffix}")
    p = Project(settings=ProjectSettings(width=height * 16 // 9, height=height, frame_rate=25))
    steps = len(p.history)
    first = import_subtitles(p, path, name="EN")
    assert [(t.name, t.kind) for t in p.tracks] == [("EN", "subtitle"), ("EN 2", "subtitle")]
    assert first is p.tracks[0]
    shown = [
        [(*frames(c, Fraction(25)), c.text) for c in t.items if isinstance(c, TextClip)] for t in p.tracks
    ]
    assert shown == [[(25, 125, "- Where were you?")], [(50, 75, "[phone rings]"), (100, 150, "- Out.")]]
    p.validate_timeline()
    low, high = p.tracks[0].items[0], p.tracks[1].items[0]
    assert isinstance(low, TextClip) and isinstance(high, TextClip)
    line = low.style.font_size * low.style.line_spacing / height
    assert high.y <= low.y - line, "the second lane is drawn above the first, both readable"
    assert len(p.history) == steps + 1, "one undo step"
    p.undo()
    assert p.tracks == []


def test_a_file_without_overlaps_is_still_one_track(tmp_path: Path) -> None:
    path = write_srt([cue(0, 1000, "a"), cue(1000, 2000, "b")], tmp_path / "s.srt")
    p = Project(settings=ProjectSettings(width=320, height=180, frame_rate=25))
    import_subtitles(p, path)
    assert [t.name for t in p.tracks] == ["Subtitles"] and p.history.last is not None
    assert p.history.last.op == "add_track"


def test_one_track_clips_log_each_shifted_or_dropped_cue(caplog: pytest.LogCaptureFixture) -> None:
    cues = [cue(0, 4000, "long"), cue(1000, 2000, "inside"), cue(3000, 6000, "late"), cue(7000, 7010, "blip")]
    with caplog.at_level(logging.WARNING, logger="timeline_lab.model.subtitles"):
        clips = cues_to_text_clips(cues, 25)
    assert [c.text for c in clips] == ["long", "late"]
    logged = caplog.text
    assert "'inside' at 1.000 s overlaps the one before: left out" in logged
    assert "'late' at 3.000 s overlaps the one before: starts 25 frame(s) late" in logged
    assert "'blip' at 7.000 s is shorter than a frame: left out" in logged
