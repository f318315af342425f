"""titles/_relabel.py: a new name or role changes only the text and the bar's fit; what the title
inspector set on any part since it was placed (colours, sizes, y, x, opacity keyframes) stays."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from timeline_lab import titles
from timeline_lab.model import Project, ProjectSettings, TextClip
from timeline_lab.render.compile.text import measure_text
from timeline_lab.widgets.timeline import TimelineWidget

PARTS = ["bar", "name", "role"]
EDITS = st.sampled_from(
    [
        {"style": {"color": "#ff0000"}},
        {"style": {"font_size": 30}},
        {"style": {"outline_color": "#00ff00", "outline_width": 2}},
        {"y": 0.7},
        {"y": 0.55},
        {"x": 0.3},
        {"opacity": 0.5},
    ]
)


def _find(p: Project, clip_id: str) -> TextClip:
    item = next(t.item(clip_id) for t in p.tracks if clip_id in t.id_map())
    assert isinstance(item, TextClip)
    return item


@settings(max_examples=60, deadline=None)
@given(
    edits=st.lists(st.tuples(st.sampled_from(PARTS), EDITS), max_size=3),
    which=st.sampled_from(["name", "role"]),
    text=st.sampled_from(["Mathematician", "Grace Brewster Hopper", "Al"]),
)
def test_relabel_keeps_every_inspector_edit(
    edits: list[tuple[str, dict[str, Any]]], which: str, text: str
) -> None:
    p = Project(settings=ProjectSettings(frame_rate=Fraction(25), width=640, height=360))
    w = TimelineWidget(p)
    ids = {
        c.name.partition(":")[2]: c.id
        for c in w.add_title(titles.lower_third(p, "Ada Lovelace", "Analyst"), at=10)
    }
    for part, change in edits:
        w.edit_title(ids[part], **change)
    before = {part: _find(p, i) for part, i in ids.items()}
    w.edit_title(ids[which], text=text)
    after = {part: _find(p, i) for part, i in ids.items()}
    for part in PARTS:
        b, a = before[part], after[part]
        assert (a.style, a.y, a.opacity, a.start, a.duration) == (
            b.style,
            b.y,
            b.opacity,
            b.start,
            b.duration,
        ), part
        assert [k.time for k in a.keyframes.get("x", [])] == [k.time for k in b.keyframes.get("x", [])], part
        if part != "bar":
            assert a.keyframes == b.keyframes, part
            assert a.text == (text if part == which else b.text), part
    edited, was = after[which], before[which]
    left = lambda c: c.x * 640 - measure_text(c.text, c.style).width / 2  # noqa: E731
    assert abs(left(edited) - left(was)) <= 0.5  # the left edge stays
    assert after["bar"].text == f"{after['name'].text}\n{after['role'].text}"
    w.undo()
    assert {part: _find(p, i) for part, i in ids.items()} == before
