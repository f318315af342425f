"""titles: a lower third's parts are tied by the group id ``place`` gives them, not by their start frame.

Two speakers' lower thirds placed on one frame: renaming one rewrote the other. Projects placed
before group ids (or pasted copies) fall back to the start frame, and refuse when it is ambiguous.
"""

from __future__ import annotations

from fractions import Fraction

import pytest

from timeline_lab import titles
from timeline_lab.errors import ProjectError
from timeline_lab.model import Project, ProjectSettings, TextClip
from timeline_lab.model.io import dumps
from timeline_lab.widgets import TimelineWidget

from ..widgets.conftest import record

RATE = Fraction(25)
SPEAKERS = [("Ada Lovelace", "Analyst"), ("Alan Turing", "Codebreaker"), ("Edsger Dijkstra", "Professor")]


def _project() -> Project:
    return Project(settings=ProjectSettings(width=640, height=360, frame_rate=RATE))


def _texts(project: Project) -> list[list[str]]:
    return [[i.text for i in t.items if isinstance(i, TextClip)] for t in project.tracks]


def _legacy_place(project: Project, title: titles.Title, at: int) -> list[TextClip]:
    """What ``place`` did before group ids: the template's clips with their own random ids."""
    out = []
    with project.group("place"):
        for (clip,) in title.layers:
            item = project.add_track("video").overwrite(clip, at)
            assert isinstance(item, TextClip)
            out.append(item)
    return out


def test_placed_parts_share_one_group_and_titles_differ() -> None:
    p = _project()
    a = titles.place(p, titles.lower_third(p, *SPEAKERS[0]), at=0)
    b = titles.place(p, titles.lower_third(p, *SPEAKERS[1]), at=0)
    assert [c.name for c in a] == ["lower_third:bar", "lower_third:name", "lower_third:role"], "names kept"
    assert len({titles.placed_group(c) for c in a}) == 1 and titles.placed_group(a[0]) is not None
    assert titles.placed_group(a[0]) != titles.placed_group(b[0])


@pytest.mark.parametrize("count", [2, 3])
@pytest.mark.parametrize("by", ["bar", "name", "role"])
def test_relabel_one_of_several_lower_thirds_on_one_frame_changes_only_it(count: int, by: str) -> None:
    p = _project()
    placed = [titles.place(p, titles.lower_third(p, n, r), at=5) for n, r in SPEAKERS[:count]]
    for k in range(count):
        before = _texts(p)
        clip = next(c for c in placed[k] if c.name == f"lower_third:{by}")
        new = titles.relabel_lower_third(p, clip.id, name=f"Speaker {k}")
        assert {c.id for c in new} == {c.id for c in placed[k]}
        after = _texts(p)
        changed = [n for n, (x, y) in enumerate(zip(before, after, strict=True)) if x != y]
        assert changed == [3 * k, 3 * k + 1], "only this lower third's bar and name changed"
        assert after[3 * k + 1] == [f"Speaker {k}"]


def test_a_lower_third_placed_before_group_ids_still_relabels() -> None:
    p = _project()
    _, name, role = _legacy_place(p, titles.lower_third(p, *SPEAKERS[0]), at=3)
    assert titles.placed_group(name) is None
    titles.relabel_lower_third(p, role.id, role="Mathematician")
    assert _texts(p) == [["Ada Lovelace\nMathematician"], ["Ada Lovelace"], ["Mathematician"]]


@pytest.mark.parametrize("by", [0, 1, 2])
def test_ambiguous_legacy_lower_thirds_are_refused_and_nothing_changes(by: int) -> None:
    p = _project()
    first = _legacy_place(p, titles.lower_third(p, *SPEAKERS[0]), at=0)
    _legacy_place(p, titles.lower_third(p, *SPEAKERS[1]), at=0)
    before, steps = dumps(p), len(p.history)
    with pytest.raises(ProjectError, match="more than one lower third"):
        titles.relabel_lower_third(p, first[by].id, name="Grace Hopper")
    assert dumps(p) == before and len(p.history) == steps


def test_a_grouped_and_a_legacy_lower_third_on_one_frame_stay_apart() -> None:
    p = _project()
    old = _legacy_place(p, titles.lower_third(p, *SPEAKERS[0]), at=0)
    new = titles.place(p, titles.lower_third(p, *SPEAKERS[1]), at=0)
    titles.relabel_lower_third(p, old[1].id, name="Grace Hopper")
    titles.relabel_lower_third(p, new[1].id, name="Barbara Liskov")
    assert _texts(p) == [
        ["Grace Hopper\nAnalyst"],
        ["Grace Hopper"],
        ["Analyst"],
        ["Barbara Liskov\nCodebreaker"],
        ["Barbara Liskov"],
        ["Codebreaker"],
    ]


@pytest.mark.parametrize("which", [0, 1])
def test_widget_title_edit_renames_the_lower_third_it_names(which: int) -> None:
    p = _project()
    placed = [titles.place(p, titles.lower_third(p, *s), at=0) for s in SPEAKERS[:2]]
    w = TimelineWidget(p)
    sent = record(w)
    name = placed[which][1]
    w._on_msg(w, {"kind": "title_edit", "seq": 7, "item": name.id, "fields": {"text": "Grace Hopper"}}, [])
    assert sent.last("ack")["seq"] == 7 and "refused" not in sent.kinds()
    names = [t[0] for t in _texts(p)[1::3]]
    assert names == ["Grace Hopper" if k == which else SPEAKERS[k][0] for k in range(2)]


def test_widget_refuses_an_ambiguous_legacy_relabel_with_a_message_and_no_change() -> None:
    p = _project()
    first = _legacy_place(p, titles.lower_third(p, *SPEAKERS[0]), at=0)
    _legacy_place(p, titles.lower_third(p, *SPEAKERS[1]), at=0)
    w = TimelineWidget(p)
    sent = record(w)
    before, steps = dumps(p), len(p.history)
    w._on_msg(w, {"kind": "title_edit", "seq": 3, "item": first[1].id, "fields": {"text": "Grace"}}, [])
    refused = sent.last("refused")
    assert refused["seq"] == 3 and "more than one lower third" in refused["error"]
    assert dumps(p) == before and len(p.history) == steps
