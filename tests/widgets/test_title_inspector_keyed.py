"""widgets/timeline.py edit_title: a new x, y or opacity of a keyframed title property moves its
curve along (x and y by the change, opacity in proportion), so what is on screen follows the
inspector; a move that would put a keyframe out of its bounds is refused naming it."""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction

import pytest

from timeline_lab import titles
from timeline_lab.errors import ProjectError
from timeline_lab.model import Project, ProjectSettings, TextClip, io
from timeline_lab.model.keyframes import value_at
from timeline_lab.widgets.timeline import TimelineWidget

R = Fraction(25)
TEMPLATES: dict[str, Callable[[Project], titles.Title]] = {
    "lower_third": lambda p: titles.lower_third(p, "Ada Lovelace", "Analyst"),
    "full_screen": lambda p: titles.full_screen(p, "Chapter One"),
    "caption": lambda p: titles.caption(p, "A caption"),
    "credits": lambda p: titles.credits_roll(p, ["Cast", ("Analyst", "Ada Lovelace")], speed=3),
}


def _curve(clip: TextClip, prop: str) -> list[float]:
    return [value_at(clip, prop, f, R) for f in range(clip.frames(R))]


@pytest.mark.parametrize("template", list(TEMPLATES))
@pytest.mark.parametrize(
    ("prop", "value"), [("x", 0.5), ("x", 0.1), ("y", 0.3), ("opacity", 0.5), ("opacity", 0.25)]
)
def test_a_keyed_property_edited_in_the_inspector_changes_what_is_on_screen(
    template: str, prop: str, value: float
) -> None:
    p = Project(settings=ProjectSettings(frame_rate=R, width=640, height=360))
    w = TimelineWidget(p)
    placed = w.add_title(TEMPLATES[template](p), at=0)
    keyed = [c for c in placed if c.keyframes.get(prop)]
    if not keyed:
        pytest.skip(f"{template} keys no {prop}")
    for clip in keyed:
        before, saved = _curve(clip, prop), io.dumps(p)
        old = float(getattr(clip, prop))
        try:
            edited = w.edit_title(clip.id, **{prop: value})
        except ProjectError as exc:  # a keyframe moved out of its bounds: named, nothing changed
            assert f"keyframes {prop!r}" in str(exc)
            assert io.dumps(p) == saved
            continue
        scaled = prop == "opacity"  # a fade stays a fade; x and y move by the change
        want = [v * value / old if scaled else v + value - old for v in before]
        assert _curve(edited, prop) == pytest.approx(want, abs=1e-9)
        assert getattr(edited, prop) == value
        w.undo()
        assert io.dumps(p) == saved  # one undo step
