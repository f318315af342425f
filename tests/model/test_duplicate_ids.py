"""Duplicate track or sequence ids in a project file are refused on load: edits find them by id,
so a copied track's twin took the edits (and undos) meant for it."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from timeline_lab.errors import ProjectFileError
from timeline_lab.model import Project, ProjectSettings, RationalTime, TextClip, Track, io


def _doc(tracks: int = 3, sequences: int = 0) -> dict[str, Any]:
    p = Project(id="prj_main", settings=ProjectSettings(frame_rate=25))
    for n in range(tracks):
        t = p.add_track(track=Track(id=f"trk_{n}", name=f"V{n + 1}"))
        t.append(TextClip(id=f"txt_{n}", text="t", duration=RationalTime(10, 25)))
    for n in range(sequences):
        seq = Project(id=f"prj_seq{n}", name=f"S{n}", settings=ProjectSettings(frame_rate=25))
        seq.add_track(track=Track(id=f"trk_s{n}"))
        p.add_sequence(seq)
    data: dict[str, Any] = json.loads(io.dumps(p))
    return data


def _dup(field: str, src: int, dst: int) -> Any:
    def edit(doc: dict[str, Any]) -> None:
        doc[field][dst]["id"] = doc[field][src]["id"]

    return edit


def _nested(doc: dict[str, Any]) -> None:
    seq = doc["sequences"][0]
    seq["tracks"].append(copy.deepcopy(seq["tracks"][0]))


def _appended(doc: dict[str, Any]) -> None:
    doc["tracks"].append(copy.deepcopy(doc["tracks"][0]))  # a hand-merged file: the same track twice


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (_dup("tracks", 0, 1), r"tracks\[1\]\.id: 'trk_0' is also tracks\[0\]'s id"),
        (_dup("tracks", 0, 2), r"tracks\[2\]\.id: 'trk_0' is also tracks\[0\]'s id"),
        (_dup("tracks", 1, 2), r"tracks\[2\]\.id: 'trk_1' is also tracks\[1\]'s id"),
        (_appended, r"tracks\[3\]\.id: 'trk_0' is also tracks\[0\]'s id"),
        (_dup("sequences", 0, 1), r"sequences\[1\]\.id: 'prj_seq0' is also sequences\[0\]'s id"),
        (_nested, r"(sequences\[0\] \(S0\): )?tracks\[1\]\.id: 'trk_s0' is also tracks\[0\]'s id"),
        (None, None),
    ],
)
def test_duplicate_ids_are_refused_by_place(edit: Any, expected: str | None) -> None:
    doc = _doc(sequences=2)
    if edit is not None:
        edit(doc)
    text = json.dumps(doc)
    if expected is None:
        assert [t.id for t in io.loads(text).tracks] == ["trk_0", "trk_1", "trk_2"]
        return
    with pytest.raises(ProjectFileError, match=r"^p\.tlproj: " + expected):
        io.loads(text, source="p.tlproj")


def test_a_sequence_may_reuse_an_id_of_the_main_timeline() -> None:
    """Ids are looked up within one timeline (``Project.track``), so only a repeat there is refused."""
    doc = _doc(sequences=1)
    doc["sequences"][0]["tracks"][0]["id"] = "trk_0"
    assert io.loads(json.dumps(doc)).sequences[0].tracks[0].id == "trk_0"


def test_a_saved_file_with_a_duplicated_track_does_not_open(tmp_path: Path) -> None:
    doc = _doc()
    _appended(doc)
    (tmp_path / "dup.tlproj").write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(ProjectFileError, match=r"dup\.tlproj: tracks\[3\]\.id: 'trk_0'"):
        io.load(tmp_path / "dup.tlproj")
