"""Title templates as model objects: placed as one undo step, saved and loaded, refused clearly."""

from __future__ import annotations

from fractions import Fraction
from itertools import pairwise

import pytest

from timeline_lab import titles
from timeline_lab.errors import ProjectError
from timeline_lab.model import Project, ProjectSettings, TextClip
from timeline_lab.model.io import dumps, loads
from timeline_lab.model.keyframe_ops import add_keyframe
from timeline_lab.model.keyframes import value_at
from timeline_lab.render.compile.text import measure_text

RATE = Fraction(25)


def project() -> Project:
    return Project(settings=ProjectSettings(width=640, height=360, frame_rate=RATE))


def every_template(p: Project) -> list[titles.Title]:
    credits: list[titles.Credit] = ["Cast", *[(f"Role {n}", f"Name {n}") for n in range(12)]]
    return [
        titles.lower_third(p, "Ada Lovelace", "Analyst"),
        titles.full_screen(p, "Chapter One", rise=20, card="#000000a0"),
        titles.caption(p, "A subtitle-style line"),
        titles.credits_roll(p, credits, speed=3),
    ]


@pytest.mark.parametrize("n", range(4))
def test_placing_a_template_is_one_undo_step_and_round_trips(n: int) -> None:
    p = project()
    before = dumps(p)
    title = every_template(p)[n]
    placed = titles.place(p, title, at=10)
    assert len(p.tracks) == len(title.layers)
    assert {titles.template_of(c) for c in placed} == {title.template}
    assert all(c.start.to_frames(RATE) >= 10 and c.keyframes for c in placed)
    after = dumps(p)
    again = loads(after)
    assert dumps(again) == after, "saved and loaded unchanged: keyframes, style and names included"
    p.undo()
    assert dumps(p) == before, "one undo step removes the whole template, tracks too"
    p.redo()
    assert dumps(p) == after


def test_a_placed_template_edits_like_any_title() -> None:
    p = project()
    bar, name, _ = titles.place(p, titles.lower_third(p, "Ada", "Analyst", duration=50), at=0)
    name_track = next(t for t in p.tracks if any(i.id == name.id for i in t.items))
    add_keyframe(name_track, name.id, "opacity", 30, 0.5)
    edited = name_track.item(name.id)
    assert isinstance(edited, TextClip) and value_at(edited, "opacity", 30, RATE) == 0.5
    assert value_at(bar, "x", 0, RATE) < 0 < bar.x, "the bar starts off the canvas, left"
    assert value_at(bar, "x", 49, RATE) < 0, "and leaves the same way"


def test_place_on_given_tracks() -> None:
    p = project()
    t = p.add_track("video", "titles")
    (clip,) = titles.place(p, titles.caption(p, "hi", duration=20), at=5, tracks=[t])
    assert t.items == [clip] and len(p.tracks) == 1
    with pytest.raises(ProjectError, match="needs 3 tracks"):
        titles.place(p, titles.lower_third(p, "a", "b"), at=0, tracks=[t])


def test_the_roll_moves_at_its_exact_speed_and_leaves_the_frame() -> None:
    p = project()
    title = titles.credits_roll(p, [("Director", "Ada")] * 30, speed=Fraction(5, 2))
    for layer in title.layers:
        assert [c.start for c in layer] == sorted(c.start for c in layer)
        for a, b in pairwise(layer):
            assert a.start + a.duration <= b.start, "chunks on one track never overlap"
    first = min((c for layer in title.layers for c in layer), key=lambda c: c.start)
    ys = [value_at(first, "y", k, RATE) * 360 for k in range(first.frames(RATE))]
    assert all(abs((a - b) - Fraction(5, 2)) < 1e-9 for a, b in pairwise(ys))


@pytest.mark.parametrize(
    ("build", "error"),
    [
        (lambda p: titles.credits_roll(p, ["a"], speed=0), r"speed must be within 0\.\.90"),
        (lambda p: titles.credits_roll(p, ["a"], speed=200), "speed must be within"),
        (lambda p: titles.credits_roll(p, ["", " "]), "no credits to roll"),
        (lambda p: titles.lower_third(p, "Ada", duration=20), "duration 20 frames is too short"),
        (lambda p: titles.lower_third(p, " "), "the name is empty"),
        (lambda p: titles.lower_third(p, "Ada " * 40), "does not fit the safe area"),
        (lambda p: titles.full_screen(p, "x", duration=10, in_frames=5, out_frames=5), "does not fit fades"),
        (lambda p: titles.full_screen(p, "x" * 200), "larger than the canvas"),
    ],
)
def test_bad_parameters_are_refused_saying_what(build: object, error: str) -> None:
    with pytest.raises(ProjectError, match=error):
        build(project())  # type: ignore[operator]


def test_a_template_built_for_another_rate_is_refused() -> None:
    other = Project(settings=ProjectSettings(width=640, height=360, frame_rate=30))
    with pytest.raises(ProjectError, match="built at 25 fps"):
        titles.place(other, titles.caption(project(), "hi"), at=0)


def test_columns_put_roles_left_and_names_right_of_the_gutter_on_one_line() -> None:
    p = project()
    credits: list[titles.Credit] = ["Cast", ("Analyst", "Ada Lovelace"), ("Admiral", "Grace Hopper")]
    title = titles.credits_roll(p, credits, speed=4, layout="columns", gutter=30, size=24)
    clips = {c.name.split(":")[1]: c for layer in title.layers for c in layer}
    assert set(clips) == {"roles", "names", "centre"}
    roles, names = clips["roles"], clips["names"]
    right = roles.x * 640 + measure_text(roles.text, roles.style).width / 2
    left = names.x * 640 - measure_text(names.text, names.style).width / 2
    assert (right, left) == (320 - 15, 320 + 15)
    assert roles.keyframes == names.keyframes == clips["centre"].keyframes, "one roll moves every column"
    assert roles.text.split("\n") == ["", "", "Analyst", "", "Admiral"]
    assert clips["centre"].text.split("\n")[0] == "Cast" and roles.style.align == "right"
    with pytest.raises(ProjectError, match="layout must be"):
        titles.credits_roll(p, credits, layout="grid")  # type: ignore[arg-type]


def test_relabel_a_lower_third_refits_its_bar_and_keeps_its_timing() -> None:
    p = project()
    lt = titles.lower_third(
        p, "Ada", "Analyst", duration=60, in_frames=9, out_frames=7, text_fade=5, margin=0.05
    )
    bar, name, role = titles.place(p, lt, at=12)
    before = dumps(p)
    new_bar, new_name, new_role = titles.relabel_lower_third(p, role.id, name="Grace Brewster Hopper")
    assert (new_name.text, new_role.text, new_bar.text) == (
        "Grace Brewster Hopper",
        "Analyst",
        "Grace Brewster Hopper\nAnalyst",
    )
    want = titles.lower_third(
        p,
        "Grace Brewster Hopper",
        "Analyst",
        duration=60,
        in_frames=9,
        out_frames=7,
        text_fade=5,
        margin=0.05,
    )
    for got, (built,) in zip((new_bar, new_name, new_role), want.layers, strict=True):
        assert (got.x, got.y, got.style, got.keyframes) == (built.x, built.y, built.style, built.keyframes)
        assert got.start == bar.start and got.id in (bar.id, name.id, role.id)
    assert measure_text(new_bar.text, new_bar.style).width > measure_text(bar.text, bar.style).width
    p.undo()
    assert dumps(p) == before, "one undo step"
    with pytest.raises(ProjectError, match="cannot be added or removed"):
        titles.relabel_lower_third(p, bar.id, role="")
    with pytest.raises(ProjectError, match="not part of a placed lower third"):
        titles.relabel_lower_third(p, "nope")
