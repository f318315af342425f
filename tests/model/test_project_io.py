"""Tests for timeline_lab.model.io: .tlproj save/load, atomic writes, load errors, migrations, schema."""

from __future__ import annotations

import copy
import json
import os
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

from timeline_lab.errors import ProjectError, ProjectFileError, TimelineLabError
from timeline_lab.model import (
    Clip,
    Effect,
    Marker,
    MediaReference,
    Project,
    ProjectSettings,
    RationalTime,
    TextClip,
    TimeRange,
    Track,
    Transition,
    io,
)

NTSC = Fraction(30000, 1001)


def _media(path: str, rate: int | Fraction = 25, frames: int = 250, **kw: Any) -> MediaReference:
    return MediaReference(path=path, rate=rate, available_range=TimeRange.from_frames(0, frames, rate),
                          **kw)  # fmt: skip


A = _media("/media/a.mp4", has_audio=True, width=320, height=240)
N = _media("/media/ntsc.mov", rate=NTSC, frames=300)
WAV = _media("/media/tone.wav", rate=48000, frames=480000, has_video=False, has_audio=True)


def dump(project: Project) -> dict[str, Any]:
    return project.model_dump(mode="json")


def rich_project() -> Project:
    """A 29.97 project touching every field type the file format carries."""
    p = Project(id="prj_io", name="Round trip ✓", settings=ProjectSettings(frame_rate=NTSC),
                metadata={"author": "tests", "tags": ["a", "b"]})  # fmt: skip
    v1 = p.add_track(track=Track(id="trk_v1", name="V1"))
    v2 = p.add_track(track=Track(id="trk_v2", name="Titles"))
    a1 = p.add_track(track=Track(id="trk_a1", kind="audio", name="A1", volume=0.5, muted=True))
    v1.append(
        Clip(
            id="clip_a",
            name="a",
            media=A,
            source_range=TimeRange.from_frames(10, 100, 25),
            opacity=0.75,
            effects=[Effect(id="fx_1", kind="blur", params={"sigma": 3.0})],
        )
    )
    v1.append(
        Clip(
            id="clip_b",
            name="b",
            media=N,
            source_range=TimeRange.from_frames(30, 90, NTSC),
            speed=Fraction(3, 2),
        )
    )
    v1.append(
        Clip(
            id="clip_c",
            name="c",
            media=A,
            source_range=TimeRange.from_frames(0, 50, 25),
            speed=Fraction(1, 3),
        )
    )
    v1.add_transition(
        Transition(
            id="tr_ab", from_clip="clip_a", to_clip="clip_b", duration=RationalTime(8, NTSC), kind="wipe_left"
        )
    )
    v1.split(37)
    v2.insert(TextClip(id="text_t", text="Hello", duration=RationalTime.from_seconds(2, NTSC)), 45)
    a1.append(Clip(id="clip_w", media=WAV, source_range=TimeRange.from_frames(1001, 48000, 48000)))
    p.add_marker(Marker(id="mk_1", time=RationalTime(12, NTSC), name="start", note="n"))
    p.add_marker(Marker(id="mk_2", time=RationalTime(90, NTSC), duration=RationalTime(30, NTSC)))
    return p


def assert_file_error(text: str | bytes, *fragments: str) -> str:
    with pytest.raises(ProjectFileError) as info:
        io.loads(text, source="proj.tlproj")
    msg = str(info.value)
    assert msg.startswith("proj.tlproj: "), msg
    for fragment in fragments:
        assert fragment in msg, f"{fragment!r} not in {msg!r}"
    return msg


@pytest.fixture
def doc() -> dict[str, Any]:
    """A saved project as parsed JSON, to be broken by the tests."""
    return json.loads(io.dumps(rich_project()))


def leftovers(folder: Path, keep: set[str]) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name not in keep)


# --- round trip ------------------------------------------------------------------------------


def test_save_load_round_trip(tmp_path: Path) -> None:
    p = rich_project()
    path = io.save(p, tmp_path / "p.tlproj")
    assert path == tmp_path / "p.tlproj"
    back = io.load(path)
    assert dump(back) == dump(p)
    assert back.settings.frame_rate == NTSC
    assert [t._project is back for t in back.tracks] == [True] * 3
    assert not back.history.can_undo
    # the loaded project is editable and saves to the same bytes
    assert io.dumps(back) == path.read_text(encoding="utf-8")


def test_round_trip_is_a_fixed_point(tmp_path: Path) -> None:
    p = rich_project()
    io.save(p, tmp_path / "1.tlproj")
    io.save(io.load(tmp_path / "1.tlproj"), tmp_path / "2.tlproj")
    assert (tmp_path / "1.tlproj").read_bytes() == (tmp_path / "2.tlproj").read_bytes()


def test_file_text_keeps_fractions_exact(tmp_path: Path) -> None:
    io.save(rich_project(), tmp_path / "p.tlproj")
    text = (tmp_path / "p.tlproj").read_text(encoding="utf-8")
    data = json.loads(text)
    assert next(iter(data)) == "schema"
    assert data["schema"] == io.SCHEMA == "Project.1"
    assert data["settings"]["frame_rate"] == "30000/1001"
    assert '"frame_rate": "30000/1001"' in text
    assert "29.97" not in text
    b = data["tracks"][0]["items"]
    assert {"value": 37, "rate": "30000/1001"} in [i["start"] for i in b]
    assert [i["speed"] for i in b] == [1, 1, "3/2", "1/3"]
    assert data["tracks"][2]["items"][0]["source_range"]["start"] == {"value": 1001, "rate": 48000}
    assert "Round trip ✓" in text  # UTF-8, not \u escapes

    def no_floats(x: object, where: str = "") -> None:
        if isinstance(x, dict):
            for k, v in x.items():
                no_floats(v, f"{where}.{k}")
        elif isinstance(x, list):
            for n, v in enumerate(x):
                no_floats(v, f"{where}[{n}]")
        elif isinstance(x, float):
            # only non-time properties (opacity, volume, transform, colour, effect params) may be floats
            allowed = ("opacity", "volume", "transform", "color", "params", "crop", "style", ".x", ".y")
            assert any(k in where for k in allowed), where

    no_floats(data)


def test_loaded_split_half_keeps_exact_source(tmp_path: Path) -> None:
    p = rich_project()
    io.save(p, tmp_path / "p.tlproj")
    back = io.load(tmp_path / "p.tlproj")
    for a, b in zip(p.tracks[0].items, back.tracks[0].items, strict=True):
        assert isinstance(a, Clip) and isinstance(b, Clip)
        assert a.source_range.start.strictly_equal(b.source_range.start)
        assert a.source_range.duration.strictly_equal(b.source_range.duration)


def test_empty_project_round_trip() -> None:
    p = Project()
    assert dump(io.loads(io.dumps(p))) == dump(p)


# --- atomic save -----------------------------------------------------------------------------


def test_failed_save_of_invalid_project_leaves_file_untouched(tmp_path: Path) -> None:
    target = tmp_path / "p.tlproj"
    p = rich_project()
    io.save(p, target)
    original = target.read_bytes()
    # direct mutation (bypassing the edit API) makes the timeline invalid
    p.tracks[0].items[1].start = RationalTime(5, NTSC)
    with pytest.raises(ProjectError, match=r"tracks\[0\] \(V1\).*overlaps"):
        io.save(p, target)
    assert target.read_bytes() == original
    assert leftovers(tmp_path, {"p.tlproj"}) == []


def test_save_into_missing_folder_leaves_nothing(tmp_path: Path) -> None:
    with pytest.raises((OSError, TimelineLabError)):
        io.save(rich_project(), tmp_path / "missing" / "p.tlproj")
    assert leftovers(tmp_path, set()) == []


@pytest.mark.parametrize("fail", ["fsync", "replace"])
def test_crash_during_write_keeps_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fail: str
) -> None:
    target = tmp_path / "p.tlproj"
    io.save(rich_project(), target)
    original = target.read_bytes()
    p = rich_project()
    p.tracks[0].update("clip_a", opacity=0.1)

    def boom(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, fail, boom)
    with pytest.raises(OSError, match="No space"):
        io.save(p, target)
    monkeypatch.undo()
    assert target.read_bytes() == original
    assert leftovers(tmp_path, {"p.tlproj"}) == []


def test_save_replaces_existing_file(tmp_path: Path) -> None:
    target = tmp_path / "p.tlproj"
    io.save(Project(name="an earlier save"), target)
    p = rich_project()
    io.save(p, target)
    assert dump(io.load(target)) == dump(p)
    assert leftovers(tmp_path, {"p.tlproj"}) == []
    assert target.stat().st_mode & 0o777 == 0o644


# --- load errors -----------------------------------------------------------------------------


def test_malformed_json_names_line_and_column() -> None:
    assert_file_error('{"schema": "Project.1",\n  "name": }', "not valid JSON", "line 2", "column 11")


def test_not_utf8() -> None:
    assert_file_error(b'{"name": "\xff\xfe"}', "UTF-8")


@pytest.mark.parametrize(
    ("text", "kind"), [("[]", "list"), ('"x"', "str"), ("3", "int"), ("null", "NoneType")]
)
def test_not_an_object(text: str, kind: str) -> None:
    assert_file_error(text, "expected a JSON object", kind)


def test_missing_schema(doc: dict[str, Any]) -> None:
    del doc["schema"]
    assert_file_error(json.dumps(doc), "schema: missing", '"Project.1"')


@pytest.mark.parametrize("label", ["Project.9", "Project.0", "Clip.1", ""])
def test_unknown_schema(doc: dict[str, Any], label: str) -> None:
    doc["schema"] = label
    assert_file_error(json.dumps(doc), "unknown version", repr(label), "Project.1")


def test_non_string_schema(doc: dict[str, Any]) -> None:
    doc["schema"] = 1
    assert_file_error(json.dumps(doc), "schema")


def _item(doc: dict[str, Any], n: int = 0) -> dict[str, Any]:
    item: dict[str, Any] = doc["tracks"][0]["items"][n]
    return item


@pytest.mark.parametrize(
    ("mutate", "fragments"),
    [
        (lambda d: _item(d)["source_range"]["duration"].update(value=0),
         ("tracks[0].items[0].source_range", "> 0")),
        (lambda d: _item(d)["source_range"]["duration"].update(value=-4),
         ("tracks[0].items[0].source_range", ">= 0")),
        (lambda d: _item(d)["source_range"]["start"].update(value=-1),
         ("tracks[0].items[0].source_range", "start", ">= 0")),
        (lambda d: _item(d)["start"].update(value=1.0),
         ("tracks[0].items[0].start", "float")),
        (lambda d: _item(d)["source_range"]["start"].update(rate=25.0),
         ("tracks[0].items[0].source_range", "float")),
        (lambda d: d["settings"].update(frame_rate=29.97), ("settings.frame_rate", "float")),
        (lambda d: _item(d).update(speed=1.5), ("tracks[0].items[0].speed", "float")),
        (lambda d: _item(d)["media"].update(rate=25.0), ("tracks[0].items[0].media.rate", "float")),
        (lambda d: d["markers"][0]["time"].update(value=0.5), ("markers[0].time", "float")),
        (lambda d: d["tracks"][0]["transitions"][0]["duration"].update(value=8.0),
         ("tracks[0].transitions[0].duration", "float")),
        (lambda d: _item(d).update(bogus=1), ("tracks[0].items[0].bogus", "Extra inputs")),
        (lambda d: d.update(colour="red"), ("colour", "Extra inputs")),
        (lambda d: d["settings"].update(fps=25), ("settings.fps", "Extra inputs")),
        (lambda d: _item(d)["start"].update(scale=1), ("tracks[0].items[0].start",)),
        (lambda d: _item(d).update(type="video"), ("tracks[0].items[0]", "'video'")),
        (lambda d: _item(d).pop("media"), ("tracks[0].items[0].media", "Field required")),
        (lambda d: _item(d)["start"].update(value="abc"), ("tracks[0].items[0].start", "'abc'")),
        (lambda d: d["settings"].update(width=1919), ("settings.width", "even")),
    ],
    ids=[
        "zero-source", "negative-source", "negative-source-start", "float-start", "float-rate",
        "float-frame-rate", "float-speed", "float-media-rate", "float-marker", "float-transition",
        "unknown-item-key", "unknown-top-key", "unknown-settings-key", "unknown-time-key",
        "unknown-item-type", "missing-media", "bad-number", "odd-width",
    ],
)  # fmt: skip
def test_invalid_field_names_its_path(doc: dict[str, Any], mutate: Any, fragments: tuple[str, ...]) -> None:
    mutate(doc)
    assert_file_error(json.dumps(doc), *fragments)


def test_overlapping_clips_in_file(doc: dict[str, Any]) -> None:
    _item(doc, 1)["start"] = {"value": 20, "rate": "30000/1001"}
    assert_file_error(json.dumps(doc), "tracks[0] (V1)", "overlaps", "'a'")


def test_timeline_invariants_checked_on_load(doc: dict[str, Any]) -> None:
    bad = copy.deepcopy(doc)
    _item(bad)["source_range"]["duration"]["value"] = 260  # past the 250-frame media
    assert_file_error(json.dumps(bad), "tracks[0] (V1).items[0] 'a'", "past media end")
    bad = copy.deepcopy(doc)
    bad["tracks"][0]["transitions"][0]["to_clip"] = "clip_c"
    assert_file_error(json.dumps(bad), "tracks[0] (V1).transitions[0]", "not adjacent")
    bad = copy.deepcopy(doc)
    _item(bad)["start"] = {"value": 1, "rate": 25}
    assert_file_error(json.dumps(bad), "tracks[0] (V1).items[0]", "frame grid")


def test_load_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(ProjectFileError, match="no such project file"):
        io.load(tmp_path / "nope.tlproj")
    with pytest.raises(ProjectFileError, match="is a directory"):
        io.load(tmp_path)


def test_load_error_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.tlproj"
    path.write_text("{", encoding="utf-8")
    with pytest.raises(ProjectFileError, match=r"broken\.tlproj: not valid JSON \(line 1, column 2"):
        io.load(path)


# --- migrations ------------------------------------------------------------------------------


def test_registered_migration_upgrades_old_file(doc: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[str] = []

    def upgrade(data: dict[str, Any]) -> dict[str, Any]:
        seen.append(data["schema"])
        data["name"] = data.pop("title")
        return data

    monkeypatch.setitem(io.MIGRATIONS, "Project.0", ("Project.1", upgrade))
    doc["schema"] = "Project.0"
    doc["title"] = doc.pop("name")
    back = io.loads(json.dumps(doc))
    assert seen == ["Project.0"]
    assert dump(back) == dump(rich_project())


def test_migrations_chain(doc: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    def rename(data: dict[str, Any]) -> dict[str, Any]:
        data["name"] = data.pop("label")
        return data

    def relabel(data: dict[str, Any]) -> dict[str, Any]:
        data["label"] = data.pop("title")
        return data

    monkeypatch.setitem(io.MIGRATIONS, "Project.a", ("Project.b", relabel))
    monkeypatch.setitem(io.MIGRATIONS, "Project.b", ("Project.1", rename))
    doc["schema"] = "Project.a"
    doc["title"] = doc.pop("name")
    assert io.loads(json.dumps(doc)).name == "Round trip ✓"


def test_migration_cycle_is_refused(doc: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(io.MIGRATIONS, "Project.x", ("Project.y", dict))
    monkeypatch.setitem(io.MIGRATIONS, "Project.y", ("Project.x", dict))
    doc["schema"] = "Project.x"
    assert_file_error(json.dumps(doc), "unknown version")


def test_unknown_schema_lists_registered_migrations(
    doc: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(io.MIGRATIONS, "Project.0", ("Project.1", dict))
    doc["schema"] = "Project.9"
    assert_file_error(json.dumps(doc), "'Project.9'", "Project.1, Project.0")


# --- JSON schema -----------------------------------------------------------------------------


def test_json_schema_shape() -> None:
    schema = io.json_schema()
    assert schema["properties"]["schema"] == {"const": "Project.1"}
    assert "schema" in schema["required"]
    assert schema["$id"].endswith("Project.1.json")
    assert schema["additionalProperties"] is False
    json.dumps(schema)  # plain JSON


def test_json_schema_validates_saved_file(tmp_path: Path) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = io.json_schema()
    validator_cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)
    validator_cls.check_schema(schema)
    validator = validator_cls(schema)
    io.save(rich_project(), tmp_path / "p.tlproj")
    data = json.loads((tmp_path / "p.tlproj").read_text(encoding="utf-8"))
    validator.validate(data)
    # and it rejects what the loader rejects
    for mutate in (
        lambda d: d.pop("schema"),
        lambda d: d.update(schema="Project.9"),
        lambda d: d["settings"].update(frame_rate=29.97),
        lambda d: d["tracks"][0]["items"][0]["start"].update(value=1.5),
        lambda d: d["tracks"][0]["items"][0].update(bogus=1),
    ):
        bad = copy.deepcopy(data)
        mutate(bad)
        assert not validator.is_valid(bad)


def test_deeply_nested_files_are_refused_by_name(tmp_path: Path) -> None:
    """A 100,000-deep JSON document is a clear error naming the file, not a RecursionError."""
    deep = tmp_path / "deep.tlproj"
    deep.write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(ProjectFileError, match=r"deep\.tlproj: nested too deeply"):
        io.load(deep)


def test_a_failed_save_names_the_file_and_keeps_the_old_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno

    target = tmp_path / "p.tlproj"
    target.write_text("old")

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(OSError, match=r"p.tlproj: cannot save \(No space left on device\)"):
        io.atomic_write_bytes(target, b"new")
    assert target.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["p.tlproj"]


def test_save_never_replaces_a_file_that_is_not_a_project(tmp_path: Path) -> None:
    """``save(p, "notes.txt")`` replaced the notes with JSON; now only with overwrite=True."""
    target = tmp_path / "notes.txt"
    target.write_text("my notes", encoding="utf-8")
    with pytest.raises(ProjectFileError, match=r"notes\.txt: exists and is not a timeline_lab project"):
        io.save(Project(name="p"), target)
    assert target.read_text(encoding="utf-8") == "my notes"
    io.save(Project(name="p"), target, overwrite=True)
    assert io.load(target).name == "p"
