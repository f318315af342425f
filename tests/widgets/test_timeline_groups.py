"""The timeline widget over the model's groups and operations (issue 14): a gesture of several
operations is one undo step of the project itself, and a marker (M) is an operation."""

from __future__ import annotations

from timeline_lab.model import Project

from .test_live_view import browser
from .test_timeline_widget import ready


def test_a_gesture_is_one_step_of_the_project_history(project: Project) -> None:
    w, _ = ready(project)
    v1 = project.tracks[0]
    depth = len(project.history)
    ops = [{"op": "split", "track": v1.id, "at": 10}, {"op": "split", "track": v1.id, "at": 30}]
    w._on_msg(w, {"kind": "edit", "seq": 1, "ops": ops}, [])
    assert len(project.history) == depth + 1
    last = project.history.last
    assert last is not None and last.op == "group" and [c.op for c in last.children] == ["split", "split"]
    project.undo()  # Python's undo undoes the widget's gesture whole, too
    assert len(v1.items) == 3


def test_a_marker_from_the_widget_is_undone(project: Project) -> None:
    w, sent = ready(project)
    w._on_msg(w, {"kind": "marker", "frame": 12}, [])
    assert project.history.last is not None and project.history.last.op == "add_marker"
    w._on_msg(w, {"kind": "undo"}, [])
    assert project.markers == []
    assert browser(sent)["markers"] == []
