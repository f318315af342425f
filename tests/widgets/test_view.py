"""The widget's view of a project and the diffs that keep a browser copy in step."""

from __future__ import annotations

import json

from timeline_lab.model import Project, RationalTime, Transition
from timeline_lab.widgets.view import diff, is_empty, view_of


def test_view_has_frames_handles_and_media(project: Project) -> None:
    view = view_of(project)
    v1 = project.tracks[0]
    items = [view.items[i.id] for i in v1.items]
    # 30 ntsc frames conform to 25 frames at 25 fps; 20 frames at 24 fps to 21
    assert [(i["start"], i["frames"]) for i in items] == [(0, 20), (20, 25), (45, 21)]
    pal = items[0]
    assert pal["head"] == 0 and pal["tail"] == 10  # 30-frame media, 20 used from frame 0
    assert pal["has_video"] and pal["has_audio"] and pal["media"].endswith("pal.mp4")
    assert view.to_json()["rate"] == [25, 1]
    assert view.duration == 66
    json.dumps(view.to_json())  # crosses the comm as JSON


def test_transition_drawn_across_the_cut(project: Project) -> None:
    v1 = project.tracks[0]
    a, b = v1.items[0], v1.items[1]
    v1.add_transition(
        Transition(from_clip=a.id, to_clip=b.id, duration=RationalTime(6, 25), alignment="start")
    )
    (tr,) = view_of(project).transitions.values()
    assert (tr["start"], tr["frames"]) == (20, 6)  # starts at the cut, made of pal's tail


def test_diff_of_a_trim_is_one_item(project: Project) -> None:
    before = view_of(project)
    v1 = project.tracks[0]
    v1.trim_out(v1.items[2].id, -5)
    patch = diff(before, view_of(project, 1))
    assert [i["id"] for i in patch["items"]] == [v1.items[2].id]
    assert patch["tracks"] == [] and patch["order"] is None and patch["duration"] == 61


def test_diff_of_ripple_delete_and_new_track(project: Project) -> None:
    before = view_of(project)
    v1 = project.tracks[0]
    gone = v1.items[0].id
    v1.ripple_delete(gone)
    titles = project.add_track("video", "Titles")
    patch = diff(before, view_of(project, 1))
    assert patch["removed_items"] == [gone]
    assert {i["start"] for i in patch["items"]} == {
        0,
        25,
    }  # ntsc and wide moved left by 20  # the two shifted clips
    assert patch["order"] == [v1.id, titles.id]
    assert not is_empty(patch)
    assert is_empty(diff(view_of(project), view_of(project)))


def test_large_project_edits_send_small_diffs(project: Project) -> None:
    """500 clips: the first view is big, an edit's diff is a tiny fraction of it."""
    from timeline_lab.model import Track
    from timeline_lab.model._base import new_id

    clip = project.tracks[0].items[2]
    many = [
        clip.model_copy(update={"id": new_id("clip"), "start": RationalTime(21 * k, 25)}) for k in range(500)
    ]
    v2 = project.add_track(track=Track(kind="video", name="many", items=many))
    full = view_of(project)
    v2.trim_out(v2.items[-1].id, -1)
    patch = diff(full, view_of(project, 1))
    assert len(patch["items"]) == 1
    assert len(json.dumps(patch)) * 50 < len(json.dumps(full.to_json()))
