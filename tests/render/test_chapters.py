"""Chapters from markers: which markers, exact spans, YouTube's list and its rules."""

from __future__ import annotations

import itertools
from fractions import Fraction
from pathlib import Path

import av
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from timeline_lab.errors import ProjectError
from timeline_lab.model import Clip, MediaReference, Project, ProjectSettings, TimeRange
from timeline_lab.model.marker import Marker
from timeline_lab.model.time import RationalTime
from timeline_lab.render.chapters import Chapter, chapters, container_chapters, youtube_chapters

NTSC = Fraction(30000, 1001)


def project(frames: int, rate: Fraction = Fraction(25)) -> Project:
    """One clip of ``frames`` frames at ``rate`` (the media is never opened)."""
    media = MediaReference(
        path="/nowhere/a.mp4",
        rate=rate,
        available_range=TimeRange.from_frames(0, 10**6, rate),
        width=64,
        height=36,
    )
    p = Project(name="ch", settings=ProjectSettings(frame_rate=rate))
    p.add_track().append(Clip(media=media, source_range=TimeRange.from_frames(0, frames, rate)))
    return p


def mark(p: Project, frame: int, name: str = "", *, span: int = 0, color: str = "#ffcc00") -> None:
    rate = p.settings.frame_rate
    p.add_marker(
        Marker(
            time=RationalTime.from_frames(frame, rate),
            duration=RationalTime.from_frames(span, rate),
            name=name,
            color=color,
        )
    )


def test_point_markers_make_chapters_to_the_end() -> None:
    p = project(1000)
    mark(p, 0, "Intro")
    mark(p, 400, "Middle")
    mark(p, 250, "Hit", span=30)  # a region (recognition hit): not a chapter by default
    mark(p, 700)
    assert chapters(p) == [
        Chapter(0, 400, "Intro"),
        Chapter(400, 700, "Middle"),
        Chapter(700, 1000, "Chapter 3"),
    ]
    assert [c.title for c in chapters(p, "all")] == ["Intro", "Hit", "Middle", "Chapter 4"]
    assert chapters(p, "none") == []


@pytest.mark.parametrize(
    ("select", "error"),
    [("auto", None), ("all", None), ("none", None), ("#FF0000", None), ("red", "chapters: expected")],
)
def test_select_is_checked(select: str, error: str | None) -> None:
    p = project(100)
    mark(p, 10, "A", color="#ff0000")
    if error:
        with pytest.raises(ValueError, match=error):
            chapters(p, select)
    else:
        chapters(p, select)


def test_colour_selects_like_resolve() -> None:
    p = project(300)
    mark(p, 0, "red one", color="#ff0000")
    mark(p, 100, "yellow one")
    mark(p, 200, "red two", span=5, color="#FF0000")
    assert [c.title for c in chapters(p, "#ff0000")] == ["red one", "red two"]


def test_markers_past_the_end_and_duplicates_are_dropped() -> None:
    p = project(100)
    mark(p, 50, "first")
    mark(p, 50, "second")
    mark(p, 100, "at end")
    assert chapters(p) == [Chapter(50, 100, "first")]


def test_container_chapters_are_exact_frames_at_ntsc() -> None:
    p = project(3000, NTSC)
    mark(p, 0, "A")
    mark(p, 1001, "B")
    got = container_chapters(chapters(p), NTSC)
    assert got[1]["start"] == 1001 and got[1]["time_base"] == Fraction(1001, 30000)
    assert got[0]["metadata"] == {"title": "A"} and got[1]["end"] == 3000


@pytest.mark.slow
@pytest.mark.parametrize(("suffix", "tick"), [(".mp4", Fraction(1, 1000)), (".mkv", None), (".gif", None)])
def test_renders_carry_the_chapters(tmp_path: Path, suffix: str, tick: Fraction | None) -> None:
    from timeline_lab.media.reference import reference_for
    from timeline_lab.media.synth import make_clip
    from timeline_lab.render import ExportSettings, compile_plan, execute

    media = reference_for(make_clip(tmp_path / "src.mp4", width=64, height=48, rate=NTSC, frames=40))
    p = Project(name="ch", settings=ProjectSettings(frame_rate=NTSC, width=64, height=48))
    p.add_track().append(Clip(media=media, source_range=TimeRange.from_frames(0, 40, NTSC)))
    mark(p, 0, "Opening")
    mark(p, 17, "Second é")
    mark(p, 25, "region", span=5)
    out = tmp_path / f"out{suffix}"
    plan = compile_plan(p, ExportSettings(out))
    execute(plan)
    with av.open(str(out)) as c:
        got = c.chapters()
    if suffix == ".gif":
        assert plan.chapters == () and got == []
        return
    assert [c["metadata"]["title"] for c in got] == ["Opening", "Second é"]
    for chapter, (start, end) in zip(got, [(0, 17), (17, 40)], strict=True):
        base = Fraction(chapter["time_base"])
        for value, frame in ((chapter["start"], start), (chapter["end"], end)):
            exact = Fraction(frame) / NTSC
            # MP4 keeps milliseconds; Matroska nanoseconds
            assert abs(value * base - exact) <= (tick or Fraction(1, 10**9)) / 2 + Fraction(1, 10**9)


def test_export_settings_check_the_choice(tmp_path: Path) -> None:
    from timeline_lab.render import ExportSettings

    with pytest.raises(ValueError, match="chapters: expected"):
        ExportSettings(tmp_path / "x.mp4", chapters="blue")


def test_youtube_list_and_rules() -> None:
    p = project(25 * 3700)
    for n, secs in enumerate([0, 65, 3605]):
        mark(p, secs * 25, f"part {n}")
    assert youtube_chapters(p) == "0:00:00 part 0\n0:01:05 part 1\n1:00:05 part 2\n"
    short = project(25 * 60)
    for secs in (0, 5, 30):
        mark(short, secs * 25, f"at {secs}")
    with pytest.raises(ProjectError, match=r"'at 0' lasts 5\.00 s"):
        youtube_chapters(short)
    assert youtube_chapters(short, strict=False).startswith("0:00 at 0\n0:05 at 5\n")
    late = project(25 * 60)
    for secs in (1, 20, 40):
        mark(late, secs * 25, "x")
    with pytest.raises(ProjectError, match="first chapter at 0:00"):
        youtube_chapters(late)
    with pytest.raises(ProjectError, match="at least 3 chapters"):
        youtube_chapters(project(100))


@settings(max_examples=60, deadline=None)
@given(
    frames=st.integers(1, 5000),
    marks=st.lists(st.tuples(st.integers(0, 6000), st.booleans()), max_size=12),
    rate=st.sampled_from([Fraction(24), Fraction(25), NTSC, Fraction(60000, 1001)]),
)
def test_chapters_tile_from_first_marker_to_end(
    frames: int, marks: list[tuple[int, bool]], rate: Fraction
) -> None:
    p = project(frames, rate)
    for f, is_span in marks:
        mark(p, f, span=3 if is_span else 0)
    got = chapters(p)
    points = sorted({f for f, is_span in marks if not is_span and f < frames})
    assert [c.start for c in got] == points
    for a, b in itertools.pairwise(got):
        assert a.end == b.start
    if got:
        assert got[-1].end == frames and all(c.end > c.start for c in got)


@pytest.mark.slow
def test_smart_render_writes_the_same_chapters(tmp_path: Path) -> None:
    from timeline_lab.media.synth import make_clip
    from timeline_lab.render import ExportSettings, compile_plan, execute
    from timeline_lab.render.smart import smart_render
    from timeline_lab.studio import Studio

    studio = Studio(workspace=tmp_path)
    src = make_clip(tmp_path / "a.mp4", width=160, height=120, rate=NTSC, frames=120, tag=1, tone_hz=440.0)
    p = studio.new_project(width=160, height=120, frame_rate=NTSC)
    p.tracks[0].append(studio.clip(src, 13, 45))
    p.tracks[0].append(studio.clip(src, 60, 30))
    mark(p, 0, "one")
    mark(p, 45, "two")
    smart = smart_render(p, ExportSettings(tmp_path / "smart.mp4"))
    full = execute(compile_plan(p, ExportSettings(tmp_path / "full.mp4")))
    with av.open(str(smart)) as a, av.open(str(full)) as b:
        got = [
            [(Fraction(c["start"] * c["time_base"]), c["metadata"]["title"]) for c in x.chapters()]
            for x in (a, b)
        ]
    for (smart_at, smart_title), (full_at, full_title) in zip(*got, strict=True):
        assert smart_title == full_title and abs(smart_at - full_at) <= Fraction(1, 1000)
    assert [title for _, title in got[0]] == ["one", "two"]
