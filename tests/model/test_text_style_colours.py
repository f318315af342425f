"""model/properties.py: a TextStyle colour is one Pillow (which draws titles) can read, checked where it
is typed, edited or loaded; 'banana' was accepted and the render failed later naming no clip."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from timeline_lab.errors import ProjectFileError
from timeline_lab.model import Project, ProjectSettings, TextClip
from timeline_lab.model.io import dumps, loads
from timeline_lab.model.properties import TextStyle
from timeline_lab.model.time import RationalTime
from timeline_lab.render.compile.text import _color
from timeline_lab.widgets import TimelineWidget

from ..widgets.conftest import record

FIELDS = ["color", "outline_color", "shadow_color", "box_color"]
BAD = ["banana", "", "#12", "#gggggg", "#1234567", "rgb(1,2)", "not-a-colour", " #fff"]
GOOD = ["#fff", "#FFFFFF", "#ffffff80", "#0a0f", "red", "Gold", "rgb(1,2,3)", "hsl(120,50%,50%)"]


@pytest.mark.parametrize("field", FIELDS)
@pytest.mark.parametrize("value", BAD)
def test_bad_colours_are_refused_naming_the_field(field: str, value: str) -> None:
    with pytest.raises(ValidationError, match=rf"(?s)\b{field}\b.*bad colour"):
        TextStyle(**{field: value})


@pytest.mark.parametrize("field", FIELDS)
@pytest.mark.parametrize("value", GOOD)
def test_colours_pillow_reads_are_kept_as_written(field: str, value: str) -> None:
    assert getattr(TextStyle(**{field: value}), field) == value


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=12) | st.from_regex(r"#[0-9a-fA-Fg]{0,9}", fullmatch=True))
def test_the_model_accepts_exactly_the_colours_the_title_renderer_draws(value: str) -> None:
    try:
        TextStyle(color=value)
        kept = True
    except ValidationError:
        kept = False
    try:
        _color(TextStyle.model_construct(color=value), "color")  # the renderer, given it unchecked
        drawn = True
    except ValueError:
        drawn = False
    assert kept == drawn


@pytest.mark.parametrize("field", FIELDS)
def test_a_project_file_with_a_bad_colour_is_refused_naming_the_field(field: str) -> None:
    p = Project(settings=ProjectSettings(width=160, height=90, frame_rate=25))
    p.add_track("video").append(TextClip(text="hi", duration=RationalTime(1)))
    data = json.loads(dumps(p))
    (item,) = data["tracks"][0]["items"]
    item["style"][field] = "banana"
    with pytest.raises(ProjectFileError, match=rf"style\.{field}.*bad colour 'banana'"):
        loads(json.dumps(data), source="p.tlproj")


@pytest.mark.parametrize("field", ["color", "box_color"])
@pytest.mark.parametrize("value", ["banana", "#12", "rgb(1,2)"])
def test_the_title_inspector_refuses_a_bad_colour_and_changes_nothing(field: str, value: str) -> None:
    p = Project(settings=ProjectSettings(width=160, height=90, frame_rate=25))
    clip = p.add_track("video").append(TextClip(text="hi", duration=RationalTime(1)))
    w = TimelineWidget(p)
    sent = record(w)
    before = dumps(p)
    w._on_msg(w, {"kind": "title_edit", "seq": 5, "item": clip.id, "fields": {field: value}}, [])
    refused = sent.last("refused")
    assert refused["seq"] == 5 and f"style.{field}" in refused["error"] and "bad colour" in refused["error"]
    assert dumps(p) == before and "ack" not in sent.kinds()
