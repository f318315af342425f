"""widgets/view.py: a clip's head and tail (how far the widget lets its edges be dragged out) are the
largest trims the model accepts, for reversed, sped-up, slowed and speed-ramped clips."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from timeline_lab.errors import ProjectError
from timeline_lab.model import Clip, MediaReference, Project, ProjectSettings, RationalTime, TimeRange, Track
from timeline_lab.widgets.view import view_of

SPEEDS = [Fraction(1), Fraction(1, 2), Fraction(3, 2), Fraction(2), Fraction(1, 3)]


def _accepts(p: Project, edge: str, delta: int) -> bool:
    try:
        p.apply({"op": "trim", "track": "V1", "item_id": "c", "edge": edge, "delta": delta})
    except ProjectError:
        return False
    p.undo()
    return True


@st.composite
def clips(draw: st.DrawFn) -> tuple[Project, str]:
    media_rate = draw(st.sampled_from([25, 30, Fraction(30000, 1001)]))
    length = draw(st.integers(40, 300))
    media = MediaReference(
        path="/media/a.mp4", rate=media_rate, available_range=TimeRange.from_frames(0, length, media_rate)
    )
    start = draw(st.integers(0, length - 10))
    span = draw(st.integers(4, min(60, length - start)))
    kind = draw(st.sampled_from(["plain", "reversed", "ramp"]))
    speed = draw(st.sampled_from(SPEEDS)) if kind != "ramp" else Fraction(1)
    p = Project(settings=ProjectSettings(frame_rate=draw(st.sampled_from([24, 25, 30]))))
    v = p.add_track(track=Track(id="V1"))
    fx = [{"kind": "reverse"}] if kind == "reversed" else []
    clip = Clip(
        id="c",
        media=media,
        source_range=TimeRange.from_frames(start, span, media_rate),
        speed=speed,
        effects=fx,
    )
    v.overwrite(clip, RationalTime(1000, p.settings.frame_rate))  # room before it on the timeline
    if kind == "ramp":
        for _ in range(draw(st.integers(1, 3))):
            n = v.item("c").frames(p.settings.frame_rate)  # each key changes the clip's length
            frame = int(draw(st.floats(0, 1)) * (n - 1))
            value = float(draw(st.sampled_from([Fraction(1, 2), Fraction(3, 4), Fraction(3, 2), 2, 3])))
            key = {"track": "V1", "item_id": "c", "property": "speed", "frame": frame, "value": value}
            p.apply(
                {
                    "op": "add_keyframe",
                    **key,
                    "interp": draw(st.sampled_from(["hold", "linear", "ease_in_out"])),
                }
            )
    return p, kind


@settings(max_examples=150, deadline=None)
@given(clip=clips())
def test_head_and_tail_are_the_largest_trims_the_model_accepts(clip: tuple[Project, str]) -> None:
    p, _ = clip
    view = view_of(p).items["c"]
    for edge, handle, sign in (("in", view["head"], -1), ("out", view["tail"], 1)):
        assert handle >= 0
        if handle:
            assert _accepts(p, edge, sign * handle), (edge, handle)
        assert not _accepts(p, edge, sign * (handle + 1)), (edge, handle)
