"""Hand-written ``.otio`` files with impossible times (issue 15, lesser item): ``Infinity``/``NaN``
values, zero and negative rates are a ProjectFileError naming the file and the field, never an
OverflowError or a message that says neither."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from timeline_lab.errors import ProjectFileError
from timeline_lab.interchange.otio import read_otio


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("timeline_lab.media.probe")
    from timeline_lab.media.synth import make_clip

    return make_clip(
        tmp_path_factory.mktemp("otio-rates") / "src.mp4", width=64, height=48, rate=25, frames=30
    )


def _t(value: float, rate: float = 25) -> dict[str, Any]:
    return {"OTIO_SCHEMA": "RationalTime.1", "value": value, "rate": rate}


def _range(start: float, duration: float) -> dict[str, Any]:
    return {"OTIO_SCHEMA": "TimeRange.1", "start_time": _t(start), "duration": _t(duration)}


def _clip(name: str, url: str, start: float) -> dict[str, Any]:
    return {
        "OTIO_SCHEMA": "Clip.2",
        "name": name,
        "source_range": _range(start, 10),
        "media_references": {
            "DEFAULT_MEDIA": {
                "OTIO_SCHEMA": "ExternalReference.1",
                "target_url": url,
                "available_range": _range(0, 30),
            }
        },
        "active_media_reference_key": "DEFAULT_MEDIA",
    }


def _document(media: Path) -> dict[str, Any]:
    """Clip "A" | a 2+2 dissolve | clip "B", a marker, a global start time: what editors write."""
    url = media.as_uri()
    marker = {"OTIO_SCHEMA": "Marker.2", "name": "M", "marked_range": _range(3, 0)}
    track = {
        "OTIO_SCHEMA": "Track.1",
        "name": "V1",
        "kind": "Video",
        "children": [
            _clip("A", url, 0),
            {
                "OTIO_SCHEMA": "Transition.1",
                "name": "dissolve",
                "transition_type": "SMPTE_Dissolve",
                "in_offset": _t(2),
                "out_offset": _t(2),
            },
            _clip("B", url, 5),
        ],
    }
    stack = {"OTIO_SCHEMA": "Stack.1", "name": "tracks", "children": [track], "markers": [marker]}
    return {"OTIO_SCHEMA": "Timeline.1", "name": "t", "global_start_time": _t(0), "tracks": stack}


def _children(doc: dict[str, Any]) -> list[dict[str, Any]]:
    return doc["tracks"]["children"][0]["children"]  # type: ignore[no-any-return]


_FIELDS: dict[str, tuple[Callable[[dict[str, Any]], dict[str, Any]], str]] = {
    "source_range.duration": (
        lambda d: _children(d)[0]["source_range"]["duration"],
        'tracks[0][0] clip "A" source_range.duration',
    ),
    "source_range.start_time": (
        lambda d: _children(d)[2]["source_range"]["start_time"],
        'tracks[0][2] clip "B" source_range.start_time',
    ),
    "available_range.duration": (
        lambda d: _children(d)[0]["media_references"]["DEFAULT_MEDIA"]["available_range"]["duration"],
        'tracks[0][0] clip "A" media_reference.available_range.duration',
    ),
    "available_range.start_time": (
        lambda d: _children(d)[2]["media_references"]["DEFAULT_MEDIA"]["available_range"]["start_time"],
        'tracks[0][2] clip "B" media_reference.available_range.start_time',
    ),
    "global_start_time": (lambda d: d["global_start_time"], "timeline global_start_time"),
    "transition.in_offset": (
        lambda d: _children(d)[1]["in_offset"],
        'tracks[0][1] transition "dissolve" in_offset',
    ),
    "transition.out_offset": (
        lambda d: _children(d)[1]["out_offset"],
        'tracks[0][1] transition "dissolve" out_offset',
    ),
    "marker": (
        lambda d: d["tracks"]["markers"][0]["marked_range"]["start_time"],
        'marker "M" marked_range.start_time',
    ),
}
# (attribute, bad value as written in the file, what the message says it got)
_BAD = [
    ("rate", "Infinity", "inf"),
    ("rate", "NaN", "nan"),
    ("rate", "-Infinity", "-inf"),
    ("rate", "0", "0.0"),
    ("rate", "-24", "-24.0"),
    ("value", "Infinity", "inf"),
    ("value", "NaN", "nan"),
]


def _write(tmp_path: Path, doc: dict[str, Any], name: str = "edit.otio") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(doc, allow_nan=True))  # json writes Infinity/NaN as editors' files do
    return path


def test_the_hand_written_file_is_valid(media: Path, tmp_path: Path) -> None:
    project = read_otio(_write(tmp_path, _document(media)))
    assert [i.name for i in project.tracks[0].items] == ["A", "B"]
    assert len(project.tracks[0].transitions) == 1 and [m.name for m in project.markers] == ["M"]


@pytest.mark.parametrize(("attr", "written", "shown"), _BAD, ids=[f"{a}={w}" for a, w, _ in _BAD])
@pytest.mark.parametrize("field", list(_FIELDS))
def test_impossible_times_name_the_file_and_the_field(
    media: Path, tmp_path: Path, field: str, attr: str, written: str, shown: str
) -> None:
    doc = _document(media)
    locate, label = _FIELDS[field]
    locate(doc)[attr] = float(written)
    path = _write(tmp_path, doc, "my edit.otio")
    with pytest.raises(ProjectFileError) as caught:
        read_otio(path)
    must = "a positive finite number" if attr == "rate" else "a finite number"
    assert str(caught.value) == f"{path}: {label}.{attr}: must be {must}, got {shown}"
