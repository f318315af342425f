"""Property tests of timeline_lab.model.io: any project saves, loads back equal and re-saves the same bytes.

Also what makes loading a large project fast without changing the file: each distinct media reference
is validated once and shared by the clips that use it, and a broken one is still reported where it is.
"""

from __future__ import annotations

import json
import tempfile
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from timeline_lab.errors import ProjectFileError
from timeline_lab.model import (
    Clip,
    Marker,
    MediaReference,
    Project,
    ProjectSettings,
    RationalTime,
    TextClip,
    TimeRange,
    Track,
    io,
)

RATES = (Fraction(25), Fraction(24), Fraction(30000, 1001), Fraction(24000, 1001), Fraction(60000, 1001))
SPEEDS = (Fraction(1), Fraction(2), Fraction(1, 2), Fraction(3, 2), Fraction(2, 3))


@st.composite
def medias(draw: st.DrawFn, base: Path) -> MediaReference:
    """A media file in the project's folder (saved relative) or elsewhere (saved absolute)."""
    audio_only = draw(st.booleans()) and draw(st.booleans())
    rate = 48000 if audio_only else draw(st.sampled_from(RATES))
    frames = draw(st.integers(10, 400)) * (1000 if audio_only else 1)
    folder = base if draw(st.booleans()) else Path("/media/elsewhere")
    name = draw(st.sampled_from(["a.mp4", "b roll.mov", "ü.mkv", "tone.wav"]))
    return MediaReference(
        path=str(folder / name),
        rate=rate,
        available_range=TimeRange.from_frames(draw(st.integers(0, 3)), frames, rate),
        has_video=not audio_only,
        has_audio=audio_only or draw(st.booleans()),
        width=None if audio_only else 320,
        height=None if audio_only else 180,
        size=draw(st.none() | st.integers(0, 2**40)),
    )


def _clip(draw: st.DrawFn, media: MediaReference, n: int) -> Clip:
    first, count = media.available_range.to_frames(media.rate)
    start = draw(st.integers(first, first + count - 1))
    length = draw(st.integers(1, min(first + count - start, 60 * (1000 if media.rate == 48000 else 1))))
    return Clip(
        id=f"clip_{n}",
        name=draw(st.sampled_from(["", "take 1", "✓"])),
        media=media,
        source_range=TimeRange.from_frames(start, length, media.rate),
        speed=draw(st.sampled_from(SPEEDS)),
        opacity=draw(st.sampled_from([1.0, 0.5, 0.25])),
    )


@st.composite
def projects(draw: st.DrawFn, base: Path) -> Project:
    """A project made by the edit API: tracks of clips and text with gaps, markers, a nested sequence."""
    rate = draw(st.sampled_from(RATES))
    p = Project(id="prj_p", name=draw(st.text(max_size=6)), settings=ProjectSettings(frame_rate=rate))
    pool = draw(st.lists(medias(base), min_size=1, max_size=4))
    n = 0
    for t in range(draw(st.integers(0, 3))):
        kind = draw(st.sampled_from(["video", "audio"]))
        track = p.add_track(track=Track(id=f"trk_{t}", kind=kind))
        usable = [m for m in pool if (m.has_video if kind == "video" else m.has_audio)]
        for _ in range(draw(st.integers(0, 6)) if usable else 0):
            n += 1
            if kind == "video" and draw(st.integers(0, 4)) == 0:
                frames = draw(st.integers(1, 50))
                item: Clip | TextClip = TextClip(
                    id=f"text_{n}", text="hi", duration=RationalTime(frames, rate)
                )
            else:
                item = _clip(draw, draw(st.sampled_from(usable)), n)
            track.append(item)
            if draw(st.booleans()):  # leave a gap after it
                track.move(item.id, track.items_end() - item.frames(rate) + draw(st.integers(1, 30)))
    if draw(st.booleans()):
        video = [m for m in pool if m.has_video]
        if video:
            seq = Project(id="prj_seq", name="nested", settings=ProjectSettings(frame_rate=rate))
            seq.add_track(track=Track(id="trk_s")).append(_clip(draw, video[0], 999))
            p.add_track(track=Track(id="trk_n")).append(p.sequence_clip(seq))
    for k in range(draw(st.integers(0, 2))):
        p.add_marker(Marker(id=f"mk_{k}", time=RationalTime(draw(st.integers(0, 500)), rate)))
    p.history.clear()
    return p


def _dump(project: Project) -> dict[str, Any]:
    return project.model_dump(mode="json")


@settings(max_examples=60, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_save_load_save_is_byte_identical_and_equal(data: st.DataObject) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp).resolve()
        p = data.draw(projects(base))
        first = io.save(p, base / "p.tlproj").read_bytes()
        back = io.load(base / "p.tlproj")
        assert _dump(back) == _dump(p)
        assert back == p, "a project read back equals the one saved (history and owner links aside)"
        assert back.tracks == p.tracks and back.settings == p.settings
        second = io.save(back, base / "q.tlproj").read_bytes()
        assert second == first
        assert io.dumps(back, base=base) == first.decode("utf-8")
        for a, b in zip(p.clips(), back.clips(), strict=True):
            assert a.source_range.start.strictly_equal(b.source_range.start)
            assert a.source_range.duration.strictly_equal(b.source_range.duration)
            assert a.start.strictly_equal(b.start)


def _many(n: int, refs: list[MediaReference]) -> Project:
    p = Project(id="prj_many", settings=ProjectSettings(frame_rate=25))
    track = p.add_track(track=Track(id="trk_v"))
    for k in range(n):
        track.append(
            Clip(id=f"c{k}", media=refs[k % len(refs)], source_range=TimeRange.from_frames(k % 50, 10, 25))
        )
    return p


A = MediaReference(path="/media/a.mp4", rate=25, available_range=TimeRange.from_frames(0, 250, 25))
B = MediaReference(
    path="/media/b.mp4", rate=25, available_range=TimeRange.from_frames(0, 250, 25), has_audio=True
)


def test_clips_using_one_file_share_its_reference_after_load() -> None:
    back = io.loads(io.dumps(_many(40, [A, B])))
    refs = {id(c.media) for c in back.clips()}
    assert len(refs) == 2
    assert [c.media for c in back.clips()] == [A, B] * 20


@pytest.mark.parametrize(
    ("index", "change", "fragments"),
    [
        (0, {"rate": 25.0}, ("tracks[0].items[0].media.rate", "float")),
        (7, {"rate": 25.0}, ("tracks[0].items[7].media.rate", "float")),
        (5, {"bogus": 1}, ("tracks[0].items[5].media.bogus", "Extra inputs")),
        (9, {"width": -1, "path": 3}, ("tracks[0].items[9].media.path",)),
    ],
)
def test_a_broken_reference_is_named_where_it_is(
    index: int, change: dict[str, Any], fragments: tuple[str, ...]
) -> None:
    doc = json.loads(io.dumps(_many(12, [A])))
    doc["tracks"][0]["items"][index]["media"].update(change)
    with pytest.raises(ProjectFileError) as info:
        io.loads(json.dumps(doc), source="p.tlproj")
    for fragment in fragments:
        assert fragment in str(info.value)


def test_the_settings_error_comes_first_as_in_the_file() -> None:
    """A bad media reference does not jump ahead of an earlier error in the document."""
    doc = json.loads(io.dumps(_many(3, [A])))
    doc["settings"]["frame_rate"] = 25.5
    doc["tracks"][0]["items"][2]["media"]["rate"] = 25.0
    with pytest.raises(ProjectFileError, match=r"settings\.frame_rate"):
        io.loads(json.dumps(doc))


def test_relative_media_stay_relative_and_shared(tmp_path: Path) -> None:
    root = tmp_path.resolve()
    local = A.model_copy(update={"path": str(root / "media" / "a.mp4")})
    io.save(_many(6, [local, B]), root / "p.tlproj")
    doc = json.loads((root / "p.tlproj").read_text("utf-8"))
    assert [i["media"]["path"] for i in doc["tracks"][0]["items"]] == ["media/a.mp4", "/media/b.mp4"] * 3
    back = io.load(root / "p.tlproj")
    assert [c.media.path for c in back.clips()] == [local.path, B.path] * 3
    assert len({id(c.media) for c in back.clips()}) == 2


@pytest.mark.parametrize(
    "text",
    [
        '{"schema": "Project.1", "name": "\\ud800"}',  # a lone surrogate: only the standard parser reads it
        '{"schema": "Project.1", "name": "x", "metadata": {"big": 123456789012345678901234567890}}',
    ],
)
def test_documents_only_the_standard_parser_reads_still_load(text: str) -> None:
    assert io.loads(text).name in ("\ud800", "x")


def test_a_media_path_only_the_standard_parser_reads_still_loads() -> None:
    doc = json.loads(io.dumps(_many(3, [A])))
    doc["tracks"][0]["items"][1]["media"]["path"] = "/media/\ud800.mp4"
    back = io.loads(json.dumps(doc))
    assert [c.media.path for c in back.clips()] == ["/media/a.mp4", "/media/\ud800.mp4", "/media/a.mp4"]


def test_big_integers_in_metadata_round_trip() -> None:
    p = Project(metadata={"big": 2**100, "neg": -(2**70)})
    assert io.loads(io.dumps(p)).metadata == {"big": 2**100, "neg": -(2**70)}


def test_writing_a_file_leaves_other_dumps_as_they_were(tmp_path: Path) -> None:
    """Paths are made relative only in the file: the model's own dumps keep them absolute."""
    root = tmp_path.resolve()
    local = A.model_copy(update={"path": str(root / "a.mp4")})
    p = _many(4, [local, local.model_copy(), B])
    before = _dump(p)
    text = io.dumps(p, base=root)
    assert [i["media"]["path"] for i in json.loads(text)["tracks"][0]["items"]] == [
        "a.mp4",
        "a.mp4",
        B.path,
        "a.mp4",
    ]
    assert _dump(p) == before
    assert local.model_dump()["path"] == str(root / "a.mp4")


def test_an_edit_after_loading_makes_the_projects_differ(tmp_path: Path) -> None:
    p = _many(5, [A, B])
    back = io.load(io.save(p, tmp_path / "p.tlproj"))
    assert back == p and back is not p
    back.tracks[0].trim_out(back.tracks[0].items[-1].id, -1)
    assert back != p
    p.tracks[0].trim_out(p.tracks[0].items[-1].id, -1)
    assert back == p, "the same edit on both: equal again, though their histories differ"
