"""Every field of a saved project replaced in turn with a hostile value (a list, an object, null, a
huge or over-long number, NaN, a NUL, a very long text...): the file loads and plans, or is refused
with the package's error naming the file and the field. A list frame rate, a 5000-digit width, a
speed of 10^400 and a NUL in a media path raised bare TypeError, ValueError or OverflowError."""

from __future__ import annotations

import copy
import json
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from timeline_lab.errors import ProjectFileError, TimelineLabError
from timeline_lab.media.synth import make_clip
from timeline_lab.model import io
from timeline_lab.model.items import TextClip
from timeline_lab.model.marker import Marker
from timeline_lab.model.properties import Effect, TextStyle
from timeline_lab.model.time import RationalTime
from timeline_lab.model.transition import Transition
from timeline_lab.render.compile.text_cache import DEFAULT_FONT
from timeline_lab.studio import Studio

Where = tuple[int | str, ...]

_DIGITS = "9" * 5000
"""More digits than Python reads as an integer (its ``int_max_str_digits`` is 4300)."""

CUBE = "LUT_3D_SIZE 2\n" + "".join(f"{r} {g} {b}\n" for b in (0, 1) for g in (0, 1) for r in (0, 1))
"""An identity .cube LUT."""

HOSTILE: dict[str, Any] = {
    "list": [25],
    "object": {},
    "null": None,
    "true": True,
    "zero": 0,
    "negative": -1,
    "huge negative": -(10**30),
    "10^400": 10**400,
    "5000 digits": _DIGITS,  # written as a bare number (see _text)
    "text 10^400": "1" + "0" * 400,
    "text 10^-400": "1/1" + "0" * 400,
    "1e300": 1e300,
    "NaN": float("nan"),
    "Infinity": float("inf"),
    "NUL": "media/a\x00b.mp4",
    "long text": "x" * 5000,
    "empty text": "",
}


@dataclass(frozen=True)
class Base:
    """A saved project using most kinds of field, and the folder it renders in."""

    doc: dict[str, Any]
    folder: Path
    studio: Studio


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Base:
    folder = tmp_path_factory.mktemp("hostile")
    media = make_clip(folder / "a.mp4", width=64, height=48, rate=25, frames=20)
    studio = Studio(workspace=folder)
    p = studio.new_project("p", width=64, height=48, frame_rate=25)
    v1 = p.tracks[0]
    kinds = ["blur", "fade_in", "grain", "chroma_key", "sharpen", "vignette"]
    v1.append(studio.clip(media, 0, 10).model_copy(update={"effects": [Effect(kind=k) for k in kinds]}))
    v1.append(studio.clip(media, 2, 8, speed=2))
    v1.append(
        studio.clip(media, 3, 5).model_copy(update={"effects": [Effect(kind="freeze", params={"frame": 1})]})
    )
    (folder / "id.cube").write_text(CUBE)
    lut = Effect(kind="lut", params={"path": str(folder / "id.cube")})
    effects = [Effect(kind="reverse"), Effect(kind="fade_out"), lut]
    v1.append(studio.clip(media, 3, 5).model_copy(update={"effects": effects}))
    first = v1.items[0]
    v1.add_transition(Transition(from_clip=first.id, to_clip=v1.items[1].id, duration=RationalTime(2, 25)))
    font = str(folder / "font.ttf")
    shutil.copyfile(DEFAULT_FONT, font)
    v2 = p.add_track("video")
    v2.append(
        TextClip(text="hi", duration=RationalTime(10, 25), fade_in_frames=2, style=TextStyle(font=font))
    )
    a1 = p.add_track("audio")
    a1.append(studio.clip(media, 0, 10))
    p.add_marker(Marker(time=RationalTime(1, 25), duration=RationalTime(2, 25), name="m"))
    keys = [
        (v1, first, "opacity", 4, 0.5, "linear"),
        (v1, first, "transform.x", 0, 3, "ease_in"),
        (v1, first, "transform.x", 4, 9, "linear"),
        (v1, v1.items[1], "crop.left", 2, 4, "linear"),
        (v1, first, f"effects[{first.effects[0].id}].sigma", 4, 4, "linear"),
        (a1, a1.items[0], "speed", 0, 1, "linear"),
        (a1, a1.items[0], "speed", 3, 2, "linear"),
        (v2, v2.items[0], "x", 3, 0.2, "linear"),
    ]
    for track, item, prop, frame, value, interp in keys:
        op = {"op": "add_keyframe", "track": track.id, "item_id": item.id, "property": prop}
        p.apply({**op, "frame": frame, "value": value, "interp": interp})
    io.save(p, folder / "base.tlproj")
    studio.plan(io.load(folder / "base.tlproj"), folder / "out.mp4")  # the unchanged file plans
    doc = json.loads((folder / "base.tlproj").read_text())
    return Base(doc, folder, studio)


def _leaves(value: Any, where: Where = ()) -> Iterator[Where]:
    """The place of every number, text, true/false and null in a document."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _leaves(item, (*where, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _leaves(item, (*where, i))
    elif where != ("schema",):
        yield where


def _dotted(where: Where) -> str:
    """A place as the package's errors write it (``tracks[0].items[1].speed``)."""
    return "".join(f"[{k}]" if isinstance(k, int) else f".{k}" for k in where).lstrip(".")


def _text(doc: dict[str, Any], where: Where, value: Any) -> str:
    """The project file with the value at ``where`` replaced (5000 digits as a bare JSON number)."""
    doc = copy.deepcopy(doc)
    holder: Any = doc
    for key in where[:-1]:
        holder = holder[key]
    holder[where[-1]] = value
    text = json.dumps(doc)  # NaN and Infinity as Python's json writes them (and reads them)
    return text.replace(f'"{_DIGITS}"', _DIGITS) if value is _DIGITS else text


def _outcome(base: Base, path: Path) -> str | None:
    """None when the file loads and plans, or is refused as it should be; else what went wrong."""
    try:
        project = io.load(path)
    except ProjectFileError as exc:
        # (a field is named as pydantic's path, ``tracks[0].items[1].speed``, or as the timeline's
        # checks name it, ``tracks[0] (V1).transitions[0] dissolve``)
        tops = "|".join(key for key in base.doc if key != "schema")
        named = re.match(rf"{re.escape(str(path))}: (?:{tops})\b\S*( \([^)]*\)\S*)?:? ", str(exc))
        return None if named else f"refused without naming the file and a field: {exc}"
    except Exception as exc:
        return f"load raised {type(exc).__name__}: {str(exc)[:200]}"
    try:
        base.studio.plan(project, base.folder / "out.mp4")
    except TimelineLabError:
        return None
    except Exception as exc:
        return f"plan raised {type(exc).__name__}: {str(exc)[:200]}"
    return None


@pytest.mark.parametrize("name", list(HOSTILE))
def test_every_field_with_a_hostile_value_loads_or_is_refused_by_name(base: Base, name: str) -> None:
    places = list(_leaves(base.doc))
    assert len(places) > 300  # the generator reaches settings, clips, media, effects, keyframes, text
    wrong = []
    for where in places:
        path = base.folder / "hostile.tlproj"
        path.write_text(_text(base.doc, where, HOSTILE[name]))
        if (what := _outcome(base, path)) is not None:
            wrong.append(f"{_dotted(where)} = {name}: {what}")
    assert not wrong, "\n".join(wrong[:20])


def _nodes(value: Any, where: Where = ()) -> Iterator[Where]:
    """The place of every object and list below the top of a document."""
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, dict | list):
                yield (*where, key)
            yield from _nodes(item, (*where, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            if isinstance(item, dict | list):
                yield (*where, i)
            yield from _nodes(item, (*where, i))


@pytest.mark.parametrize("value", [None, True, 1.5, -1, "x", [], {}, [[]], [None]], ids=repr)
def test_every_object_and_list_with_a_wrong_shape_loads_or_is_refused_by_name(base: Base, value: Any) -> None:
    """Items that are null, a track that is a number, a clip's media that is a list...: a
    ``tracks[0].items: null`` raised a bare TypeError while the file's media were gathered."""
    places = list(_nodes(base.doc))
    assert len(places) > 40
    wrong = []
    for where in places:
        path = base.folder / "shape.tlproj"
        path.write_text(_text(base.doc, where, value))
        if (what := _outcome(base, path)) is not None:
            wrong.append(f"{_dotted(where)} = {value!r}: {what}")
    assert not wrong, "\n".join(wrong[:20])


_EXACT = "expected an integer or a 'num/den' string"
_SPEED = ("tracks", 0, "items", 1, "speed")
_MEDIA = ("tracks", 0, "items", 1, "media", "path")

REFUSALS: list[tuple[Where, Any, str]] = [
    (("settings", "frame_rate"), [25], f"settings.frame_rate: {_EXACT}, got list"),
    (("settings", "frame_rate"), None, f"settings.frame_rate: {_EXACT}, got null"),
    (("settings", "frame_rate"), True, f"settings.frame_rate: {_EXACT}, got bool"),
    (_SPEED, {}, f"tracks[0].items[1].speed: {_EXACT}, got dict"),
    (("settings", "width"), _DIGITS, "settings.width: number too long (5000 digits)"),
    (("markers", 0, "time", "value"), _DIGITS, "markers[0].time.value: number too long (5000 digits)"),
    (_SPEED, "1" + "0" * 400, "tracks[0].items[1].speed: must be within 0.01..100 (got about 10^400)"),
    (_SPEED, "1/1000", "tracks[0].items[1].speed: must be within 0.01..100 (got 1/1000)"),
    (_SPEED, 101, "tracks[0].items[1].speed: must be within 0.01..100 (got 101)"),
    (("tracks", 0, "items", 0, "crop", "top"), 10**400, "tracks[0].items[0].crop.top: Input should be less"),
    (("tracks", 0, "items", 1, "media", "rate"), 0, "tracks[0].items[1].media.rate: must be > 0 (got 0)"),
    (_MEDIA, "a\x00.mp4", "tracks[0].items[1].media.path: holds a NUL character"),
    (_MEDIA, "d/" + "n" * 256, "tracks[0].items[1].media.path: has a name part 256 characters long"),
    (("tracks", 1, "items", 0, "style", "font"), "f\x00.ttf", "tracks[1].items[0].style.font: holds a NUL"),
]
"""A value at a place, and what the refusal of the file says after its name."""


@pytest.mark.parametrize(("where", "value", "refusal"), REFUSALS, ids=[r[2][:48] for r in REFUSALS])
def test_the_refusal_names_the_file_and_the_field(
    base: Base, where: Where, value: Any, refusal: str, tmp_path: Path
) -> None:
    path = tmp_path / "bad.tlproj"
    path.write_text(_text(base.doc, where, value))
    with pytest.raises(ProjectFileError) as caught:
        io.load(path)
    assert str(caught.value).startswith(f"{path}: ")
    assert refusal in str(caught.value)


@pytest.mark.parametrize(
    ("where", "value"),
    [
        (("settings", "frame_rate"), [25]),
        (("settings", "width"), _DIGITS),
        (_SPEED, "1" + "0" * 400),
        (_MEDIA, "a\x00.mp4"),
    ],
)
def test_the_command_line_prints_one_line(base: Base, where: Where, value: Any, tmp_path: Path) -> None:
    path = tmp_path / "bad.tlproj"
    path.write_text(_text(base.doc, where, value))
    args = [sys.executable, "-m", "timeline_lab", "render", str(path), "-o", str(tmp_path / "x.mp4")]
    r = subprocess.run(args, capture_output=True, text=True, timeout=120, check=False)
    assert r.returncode != 0
    assert "Traceback" not in r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and str(path) in lines[0] and _dotted(where) in lines[0], r.stderr
    assert not (tmp_path / "x.mp4").exists()


def test_a_storable_url_keeps_its_long_parts(base: Base, tmp_path: Path) -> None:
    """A signed URL's query is longer than a file name may be: only file paths are held to 255."""
    path = tmp_path / "url.tlproj"
    url = "https://example.invalid/a.mp4?sig=" + "s" * 600
    path.write_text(_text(base.doc, _MEDIA, url))
    assert io.load(path).tracks[0].items[1].media.path == url  # type: ignore[union-attr]
