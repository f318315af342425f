"""Title templates from the timeline widget's Python side: placed at the playhead, edited, undone."""

from __future__ import annotations

import pytest

from timeline_lab import titles
from timeline_lab.errors import ProjectError
from timeline_lab.model import Project, TextClip
from timeline_lab.widgets import TimelineWidget

from .conftest import record


def test_add_title_at_the_playhead_then_edit_it_one_undo_step_each(project: Project) -> None:
    w = TimelineWidget(project)
    record(w)
    w.playhead = 7
    bar, name, role = w.add_title(titles.lower_third(project, "Ada", "Analyst", duration=50))
    assert w.selection == [bar.id, name.id, role.id] and name.start.to_frames(25) == 7
    edited = w.edit_title(name.id, text="Grace", style={"color": "#ffff00"})
    assert isinstance(edited, TextClip) and edited.text == "Grace" and edited.style.color == "#ffff00"
    assert edited.style.font_size == name.style.font_size, "a partial style keeps the rest"
    assert edited.keyframes == name.keyframes and titles.template_of(edited) == "lower_third"
    w.undo()
    reverted = next(t for t in project.tracks if t.items and t.items[0].id == name.id).items[0]
    assert isinstance(reverted, TextClip) and reverted.text == "Ada"
    w.undo()
    assert len(project.tracks) == 1, "placing the template was one undo step"
    with pytest.raises(ProjectError, match="no title"):
        w.edit_title(project.tracks[0].items[0].id, text="x")


def test_a_new_name_for_a_lower_third_refits_its_bar(project: Project) -> None:
    w = TimelineWidget(project)
    record(w)
    bar, name, _ = w.add_title(titles.lower_third(project, "Ada", "Analyst", duration=50), at=0)
    w.edit_title(name.id, text="Grace Brewster Hopper")
    new_bar = next(t for t in project.tracks if t.items and t.items[0].id == bar.id).items[0]
    assert isinstance(new_bar, TextClip) and new_bar.text == "Grace Brewster Hopper\nAnalyst"
    w.undo()
    reverted = next(t for t in project.tracks if t.items and t.items[0].id == bar.id).items[0]
    assert isinstance(reverted, TextClip) and reverted.text == "Ada\nAnalyst", "the relabel was one undo step"
