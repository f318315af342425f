"""A preview frame or a range of a long timeline costs what its window holds: ``excerpt`` and
``safe_window`` look only at the items near the window (and a range is validated as its excerpt),
where they copied, validated and measured every item of every track (one preview frame of 8,000
clips took 3.5 s). Checked against the same functions looking at every item, on random timelines
of cuts, gaps, dissolves, fades from and to black, fades and whole-clip effects."""

from __future__ import annotations

from typing import Any

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from timeline_lab.errors import ProjectError
from timeline_lab.model import Clip, MediaReference, Project, ProjectSettings, TimeRange, Transition
from timeline_lab.model.properties import Effect
from timeline_lab.model.time import RationalTime
from timeline_lab.model.track import Track
from timeline_lab.render.compile import excerpt as ex

MEDIA = MediaReference(
    path="/m/a.mp4", rate=25, available_range=TimeRange.from_frames(0, 5000, 25), has_audio=True
)
TWO = RationalTime(2, 25)

CLIPS = st.lists(
    st.tuples(
        st.integers(0, 6),  # gap before
        st.integers(2, 20),  # length
        st.sampled_from(["", "fade_in", "fade_out", "reverse", "freeze"]),
        st.sampled_from(["", "dissolve", "fade"]),  # transition at its start
    ),
    min_size=1,
    max_size=25,
)


def _project(tracks: list[list[tuple[int, int, str, str]]]) -> Project:
    p = Project(settings=ProjectSettings(frame_rate=25))
    for n, clips in enumerate(tracks):
        t = p.add_track("video", f"V{n + 1}")
        at, prev = 0, None
        for gap, length, effect, tr in clips:
            at += gap
            fx = []
            if effect in ("fade_in", "fade_out"):
                fx = [Effect(kind=effect, params={"frames": min(3, length)})]
            elif effect == "freeze":
                fx = [Effect(kind="freeze", params={"frame": length // 2})]
            elif effect:
                fx = [Effect(kind=effect)]
            c = Clip(media=MEDIA, source_range=TimeRange.from_frames(100 + at, length, 25),
                     start=RationalTime(at, 25), effects=fx)  # fmt: skip
            t.items.append(c)
            if tr == "dissolve" and prev is not None and gap == 0 and length >= 4 and prev[1] >= 4:
                t.transitions.append(
                    Transition(from_clip=prev[0].id, to_clip=c.id, duration=RationalTime(2, 25))
                )
            elif tr == "fade" and gap >= 2 and length >= 4:
                t.transitions.append(Transition(from_clip=None, to_clip=c.id, duration=TWO))
            prev = (c, length)
            at += length
    try:
        p.validate_timeline()
    except ProjectError:
        assume(False)  # the generator's transition did not fit
    return p


def _everything(track: Track, first: int, end: int) -> list[Any]:
    return list(track.items)


@settings(max_examples=120, deadline=None, database=None)
@given(st.lists(CLIPS, min_size=1, max_size=3), st.data())
def test_the_window_and_the_excerpt_are_the_whole_timelines(tracks: list[Any], data: st.DataObject) -> None:
    p = _project(tracks)
    total = p.duration().to_frames(25)
    first = data.draw(st.integers(0, total - 1))
    end = data.draw(st.integers(first + 1, min(total, first + 12)))
    near_window = ex.safe_window(p, first, end, sound=True)
    near = ex.excerpt(p, *near_window)
    whole = ex._near
    ex._near = _everything  # type: ignore[assignment]
    try:
        all_window = ex.safe_window(p, first, end, sound=True)
        every = ex.excerpt(p, *all_window)
    finally:
        ex._near = whole  # type: ignore[assignment]
    assert near_window == all_window
    assert near.model_dump(exclude={"id"}) == every.model_dump(exclude={"id"})
