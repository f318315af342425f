"""render/chapters.py: one-line titles, and chapters that start where their markers are in MP4/MOV."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from timeline_lab.model import Clip, MediaReference, Project, ProjectSettings, TimeRange
from timeline_lab.model.marker import Marker
from timeline_lab.model.time import RationalTime
from timeline_lab.render.chapters import chapters, container_chapters, youtube_chapters

R = Fraction(25)


def _project(frames: int, media: MediaReference | None = None) -> Project:
    media = media or MediaReference(
        path="/nowhere/a.mp4", rate=R, available_range=TimeRange.from_frames(0, 10**6, R), width=64, height=48
    )
    p = Project(name="ch", settings=ProjectSettings(frame_rate=R, width=64, height=48))
    p.add_track().append(Clip(media=media, source_range=TimeRange.from_frames(0, frames, R)))
    return p


def _mark(p: Project, frame: int, name: str) -> None:
    p.add_marker(Marker(time=RationalTime.from_frames(frame, R), name=name))


WORDS = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Zs", "Zl", "Zp")), min_size=1, max_size=6
)
SPACE = st.text(alphabet=" \t\n\r\x0b\x0c\u2028\u00a0", min_size=1, max_size=3)


@settings(max_examples=60, deadline=None)
@given(parts=st.lists(st.tuples(SPACE, WORDS), min_size=1, max_size=4), tail=SPACE)
def test_titles_are_one_line_with_single_spaces(parts: list[tuple[str, str]], tail: str) -> None:
    name = "".join(sp + w for sp, w in parts) + tail
    p = _project(1000)
    _mark(p, 0, "Intro")
    _mark(p, 300, name)
    _mark(p, 600, "End")
    words = [w for _, w in parts]
    assert chapters(p)[1].title == " ".join(" ".join(words).split())
    listing = youtube_chapters(p)
    assert listing.count("\n") == 3 and listing.splitlines()[1] == f"0:12 {chapters(p)[1].title}"
    for c in container_chapters(chapters(p), R):
        assert "\n" not in c["metadata"]["title"]


@pytest.mark.parametrize("first", [0, 1, 13, 50])
def test_container_chapters_cover_the_opening_with_an_untitled_one(first: int) -> None:
    p = _project(250)
    _mark(p, first, "A")
    _mark(p, 125, "B")
    got = [(c["start"], c["end"], c["metadata"]["title"]) for c in container_chapters(chapters(p), R)]
    want = [(first, 125, "A"), (125, 250, "B")]
    assert got == ([(0, first, "")] if first else []) + want
    assert [c["id"] for c in container_chapters(chapters(p), R)] == list(range(1, len(got) + 1))


@pytest.mark.slow
@pytest.mark.parametrize("suffix", [".mp4", ".mov", ".mkv"])
@pytest.mark.parametrize("first", [0, 10, 27])
def test_renders_start_each_chapter_at_its_marker(tmp_path: Path, suffix: str, first: int) -> None:
    from timeline_lab.media.reference import reference_for
    from timeline_lab.media.synth import make_clip
    from timeline_lab.render import ExportSettings, compile_plan, execute

    media = reference_for(
        make_clip(tmp_path / "src.mp4", width=64, height=48, rate=R, frames=60, audio=False)
    )
    p = _project(60, media)
    _mark(p, first, "A\nline two")
    _mark(p, 40, "B")
    out = tmp_path / f"out{suffix}"
    execute(compile_plan(p, ExportSettings(out)))
    with av.open(str(out)) as c:
        got = [
            (Fraction(ch["start"] * Fraction(ch["time_base"])), ch["metadata"].get("title", ""))
            for ch in c.chapters()
        ]
    want = [(Fraction(first, 25), "A line two"), (Fraction(40, 25), "B")]
    titled = [(at, title) for at, title in got if title]
    assert len(titled) == 2
    for (at, title), (w_at, w_title) in zip(titled, want, strict=True):
        assert title == w_title and abs(at - w_at) <= Fraction(1, 1000)
    assert got[0][0] == 0 and (got[0][1] == "" if first else got[0][1] == "A line two")
