"""Tests for timeline_lab.interchange.otio: lossless round trips and exact import of foreign OTIO files."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path
from typing import Any

import opentimelineio as otio
import pytest

from timeline_lab.errors import MediaError, ProjectFileError, TimelineLabError
from timeline_lab.interchange.otio import from_otio, read_otio, to_otio, write_otio
from timeline_lab.media.reference import reference_for
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
    Transition,
)

NTSC = Fraction(30000, 1001)
ORT = otio.opentime.RationalTime
OTR = otio.opentime.TimeRange


def dump(project: Project) -> dict[str, Any]:
    return project.model_dump(mode="json")


def _ref(path: Path, rate: int | Fraction, frames: int, **kw: Any) -> MediaReference:
    path.write_bytes(b"")  # the importer checks that media exist; our own metadata is not re-probed
    return MediaReference(path=str(path), rate=rate,
                          available_range=TimeRange.from_frames(0, frames, rate), **kw)  # fmt: skip


def build_project(folder: Path) -> Project:
    """29.97 project: gaps, a transition, a speed-2 clip, text, audio, subtitles, markers."""
    a = _ref(folder / "a.mp4", 25, 250, has_audio=True, width=320, height=240)
    n = _ref(folder / "n b.mov", NTSC, 300)  # a space, to exercise file:// URLs
    w = _ref(folder / "tone.wav", 48000, 480000, has_video=False, has_audio=True)
    p = Project(id="prj_otio", name="otio round trip", settings=ProjectSettings(frame_rate=NTSC),
                metadata={"client": "tests"})  # fmt: skip
    v1 = p.add_track(track=Track(id="trk_v1", name="V1"))
    v2 = p.add_track(track=Track(id="trk_v2", name="V2", enabled=False))
    a1 = p.add_track(track=Track(id="trk_a1", kind="audio", name="A1", volume=0.8))
    s1 = p.add_track(track=Track(id="trk_s1", kind="subtitle", name="Subs", locked=False))
    v1.append(Clip(id="clip_a", name="a", media=a, source_range=TimeRange.from_frames(10, 50, 25)))
    v1.overwrite(Clip(id="clip_fast", name="fast", media=n,
                      source_range=TimeRange.from_frames(20, 100, NTSC), speed=2), 100)  # fmt: skip
    v1.append(Clip(id="clip_c", name="c", media=a, source_range=TimeRange.from_frames(100, 40, 25),
                   enabled=False, opacity=0.5))  # fmt: skip
    v1.add_transition(Transition(id="tr_1", from_clip="clip_fast", to_clip="clip_c",
                                 duration=RationalTime(6, NTSC), kind="wipe_left"))  # fmt: skip
    v2.insert(TextClip(id="text_t", text="Title", duration=RationalTime(45, NTSC)), 15)
    a1.overwrite(Clip(id="clip_w", media=w, source_range=TimeRange.from_frames(0, 96000, 48000)), 30)
    s1.append(TextClip(id="text_s", text="subtitle", duration=RationalTime(20, NTSC)))
    p.add_marker(Marker(id="mk_1", time=RationalTime(12, NTSC), name="one"))
    p.add_marker(Marker(id="mk_2", time=RationalTime(40, NTSC), duration=RationalTime(5, NTSC),
                        name="two", color="#00ff00"))  # fmt: skip
    return p


@pytest.fixture
def project(tmp_path: Path) -> Project:
    return build_project(tmp_path)


# --- our own files: lossless -----------------------------------------------------------------


def test_round_trip_in_memory(project: Project) -> None:
    back = from_otio(to_otio(project))
    assert dump(back) == dump(project)
    assert not back.history.can_undo
    back.validate_timeline()


def test_round_trip_through_file(project: Project, tmp_path: Path) -> None:
    path = write_otio(project, tmp_path / "p.otio")
    assert path == tmp_path / "p.otio"
    assert [p.name for p in tmp_path.iterdir() if p.suffix == ".part"] == []
    json.loads(path.read_text(encoding="utf-8"))  # plain OTIO JSON
    assert isinstance(otio.adapters.read_from_file(str(path)), otio.schema.Timeline)
    assert dump(read_otio(path)) == dump(project)


def test_round_trip_survives_editing_after_import(project: Project) -> None:
    back = from_otio(to_otio(project))
    v1 = back.track("trk_v1")
    v1.slip("clip_a", 3)
    back.undo()
    assert dump(back) == dump(project)


def test_exported_structure_is_plain_otio(project: Project) -> None:
    tl = to_otio(project)
    assert tl.name == "otio round trip"
    assert [t.kind for t in tl.tracks][:3] == [otio.schema.TrackKind.Video,
                                                otio.schema.TrackKind.Video,
                                                otio.schema.TrackKind.Audio]  # fmt: skip
    v1 = tl.tracks[0]
    assert [type(c).__name__ for c in v1] == ["Clip", "Gap", "Clip", "Transition", "Clip"]
    rate = float(NTSC)
    a, gap, fast, tr, c = list(v1)
    # a: 50 frames of 25 fps media = 2 s = 59.94 -> 60 project frames
    assert gap.source_range.duration.rate == pytest.approx(rate)
    assert gap.source_range.duration.value == 40
    assert v1.range_of_child_at_index(2).start_time.to_frames() == 100
    assert a.media_reference.target_url == Path(project.tracks[0].items[0].media.path).as_uri()
    assert "%20" in fast.media_reference.target_url
    assert [type(e).__name__ for e in fast.effects] == ["LinearTimeWarp"]
    assert fast.effects[0].time_scalar == 2.0
    # 100 source frames at speed 2 last 50 project frames
    assert fast.source_range.duration.rescaled_to(rate).value == pytest.approx(50)
    assert tr.in_offset.value == 3 and tr.out_offset.value == 3
    assert c.enabled is False
    assert [m.name for m in tl.tracks.markers] == ["one", "two"]
    assert tl.tracks.markers[1].marked_range.duration.value == 5
    assert tl.tracks[1].enabled is False


def test_ntsc_rate_recovered_exactly(project: Project) -> None:
    tl = otio.adapters.read_from_string(otio.adapters.write_to_string(to_otio(project), "otio_json"),
                                        "otio_json")  # fmt: skip
    back = from_otio(tl)
    assert back.settings.frame_rate == NTSC
    for track in back.tracks:
        for item in track.items:
            assert item.start.rate == NTSC
            assert item.start.is_frame_aligned(NTSC)


def test_missing_media_on_reimport(project: Project, tmp_path: Path) -> None:
    path = write_otio(project, tmp_path / "p.otio")
    (tmp_path / "n b.mov").unlink()
    with pytest.raises(MediaError, match=r"n b\.mov"):
        read_otio(path)


# --- files that are not OTIO timelines -------------------------------------------------------


def test_not_an_otio_file(tmp_path: Path) -> None:
    bad = tmp_path / "garbage.otio"
    bad.write_text("this is not json {", encoding="utf-8")
    with pytest.raises(ProjectFileError, match=r"garbage\.otio: not a readable OpenTimelineIO file"):
        read_otio(bad)
    txt = tmp_path / "notes.txt"
    txt.write_text("hello", encoding="utf-8")
    with pytest.raises(ProjectFileError, match=r"notes\.txt"):
        read_otio(txt)
    tlproj = tmp_path / "p.tlproj"
    tlproj.write_text('{"schema": "Project.1"}', encoding="utf-8")
    with pytest.raises(ProjectFileError, match=r"p\.tlproj"):
        read_otio(tlproj)


def test_otio_file_holding_a_clip(tmp_path: Path) -> None:
    path = tmp_path / "clip.otio"
    otio.adapters.write_to_file(otio.schema.Clip(name="x"), str(path))
    with pytest.raises(ProjectFileError, match=r"clip\.otio: holds a Clip, not a Timeline"):
        read_otio(path)


def test_missing_otio_file(tmp_path: Path) -> None:
    with pytest.raises(ProjectFileError, match=r"nope\.otio: no such timeline file"):
        read_otio(tmp_path / "nope.otio")
    with pytest.raises(ProjectFileError):
        read_otio(tmp_path)


# --- foreign files (no timeline_lab metadata) ------------------------------------------------


def _foreign_clip(name: str, url: str, start: int, frames: int, rate: float = 25) -> otio.schema.Clip:
    ref = otio.schema.ExternalReference(target_url=url,
                                        available_range=OTR(ORT(0, rate), ORT(30, rate)))  # fmt: skip
    return otio.schema.Clip(name=name, media_reference=ref,
                            source_range=OTR(ORT(start, rate), ORT(frames, rate)))  # fmt: skip


def _timeline(*children: Any) -> otio.schema.Timeline:
    tl = otio.schema.Timeline(name="foreign")
    track = otio.schema.Track(name="V")
    for child in children:
        track.append(child)
    tl.tracks.append(track)
    return tl


def test_missing_media_names_the_file(tmp_path: Path) -> None:
    missing = tmp_path / "gone away.mp4"
    tl = _timeline(_foreign_clip("a", missing.as_uri(), 0, 10))
    with pytest.raises(
        MediaError, match=r"missing: gone away\.mp4 \(was .*gone away\.mp4, at tracks\[0\]\[0\]\)"
    ):
        from_otio(tl)
    path = tmp_path / "f.otio"
    otio.adapters.write_to_file(tl, str(path))
    with pytest.raises(MediaError, match=rf"^{path}: 1 media file\(s\) missing: gone away\.mp4"):
        read_otio(path)


@pytest.mark.parametrize(
    ("reference", "fragment"),
    [
        (otio.schema.ExternalReference(target_url="https://example.invalid/a.mp4"), "not a local file"),
        (otio.schema.ImageSequenceReference(target_url_base="https://example.invalid/"), "not a local file"),
    ],
    ids=["http", "http-image-sequence"],  # a MissingReference is a gap: test_otio_foreign.py
)
def test_non_local_media_is_refused(reference: Any, fragment: str) -> None:
    clip = otio.schema.Clip(name="a", media_reference=reference,
                            source_range=OTR(ORT(0, 25), ORT(10, 25)))  # fmt: skip
    with pytest.raises(ProjectFileError, match=fragment):
        from_otio(_timeline(clip))


@pytest.fixture(scope="module")
def real_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny real 25 fps, 30-frame clip (name with a space, to exercise URL quoting)."""
    pytest.importorskip("timeline_lab.media.probe")
    from timeline_lab.media.synth import make_clip

    return make_clip(tmp_path_factory.mktemp("otio") / "src clip.mp4", width=64, height=48, rate=25,
                     frames=30)  # fmt: skip


def _foreign(real_clip: Path) -> otio.schema.Timeline:
    """a [0,10) src 5..14 | gap 7 | b [17,25) src 0..7 | dissolve 2+2 | c [25,31) src 12..17."""
    url = real_clip.as_uri()
    tl = _timeline(
        _foreign_clip("a", url, 5, 10),
        otio.schema.Gap(source_range=OTR(ORT(0, 25), ORT(7, 25))),
        _foreign_clip("b", url, 0, 8),
        otio.schema.Transition(in_offset=ORT(2, 25), out_offset=ORT(2, 25)),
        _foreign_clip("c", url, 12, 6),
    )
    tl.tracks.markers.append(otio.schema.Marker(name="mk", marked_range=OTR(ORT(3, 25), ORT(0, 25))))
    return tl


def test_foreign_timeline_imports_exact_positions(real_clip: Path) -> None:
    p = from_otio(_foreign(real_clip))
    assert p.settings.frame_rate == 25
    assert p.name == "foreign"
    (track,) = p.tracks
    ref = reference_for(real_clip)
    got = [(i.name, i.start, i.frames(Fraction(25))) for i in track.items]
    assert got == [("a", RationalTime(0, 25), 10), ("b", RationalTime(17, 25), 8),
                   ("c", RationalTime(25, 25), 6)]  # fmt: skip
    for item, (first, count) in zip(track.items, [(5, 10), (0, 8), (12, 6)], strict=True):
        assert isinstance(item, Clip)
        assert item.media == ref
        assert item.source_range == TimeRange.from_frames(first, count, 25)
        assert item.speed == 1
    (tr,) = track.transitions
    b, c = track.items[1].id, track.items[2].id
    assert (tr.from_clip, tr.to_clip) == (b, c)
    assert tr.duration == RationalTime(4, 25)
    assert tr.handles(Fraction(25)) == (2, 2)
    assert [(m.name, m.time) for m in p.markers] == [("mk", RationalTime(3, 25))]
    assert not p.history.can_undo


def test_foreign_file_imports(real_clip: Path, tmp_path: Path) -> None:
    path = tmp_path / "foreign.otio"
    otio.adapters.write_to_file(_foreign(real_clip), str(path))
    p = read_otio(path)
    assert [(i.name, i.start) for i in p.tracks[0].items] == [
        ("a", RationalTime(0, 25)), ("b", RationalTime(17, 25)), ("c", RationalTime(25, 25)),
    ]  # fmt: skip
    # and then it round-trips losslessly as our own file
    assert dump(from_otio(to_otio(p))) == dump(p)


def test_foreign_timeline_conformed_to_requested_rate(real_clip: Path) -> None:
    p = from_otio(_foreign(real_clip), rate=NTSC)
    assert p.settings.frame_rate == NTSC
    got = [(i.name, i.start.to_frames(NTSC), i.frames(NTSC)) for i in p.tracks[0].items]
    # 10 frames @25 = 0.4 s -> 12; the 7-frame gap -> 8; 8 frames -> 10; 6 frames -> 7
    assert got == [("a", 0, 12), ("b", 20, 10), ("c", 30, 7)]


def test_foreign_speed_from_linear_time_warp(real_clip: Path) -> None:
    clip = _foreign_clip("fast", real_clip.as_uri(), 2, 5)
    clip.effects.append(otio.schema.LinearTimeWarp(time_scalar=2.0))
    p = from_otio(_timeline(clip))
    (item,) = p.tracks[0].items
    assert isinstance(item, Clip)
    assert item.speed == 2
    assert item.source_range == TimeRange.from_frames(2, 10, 25)  # 5 timeline frames at 2x
    assert item.frames(Fraction(25)) == 5


def test_foreign_markers_without_media() -> None:
    tl = _timeline(otio.schema.Gap(source_range=OTR(ORT(0, 24), ORT(48, 24))))
    tl.tracks.markers.append(otio.schema.Marker(name="m", marked_range=OTR(ORT(12, 24), ORT(6, 24))))
    p = from_otio(tl, rate=Fraction(24))
    assert [(m.name, m.time, m.duration) for m in p.markers] == [
        ("m", RationalTime(12, 24), RationalTime(6, 24)),
    ]  # fmt: skip


def test_foreign_empty_timeline() -> None:
    tl = _timeline(otio.schema.Gap(source_range=OTR(ORT(0, 24), ORT(48, 24))))
    p = from_otio(tl)
    assert p.settings.frame_rate == NTSC  # nothing to guess from: the project default
    assert [t.items for t in p.tracks] == [[]]
    assert p.tracks[0].name == "V"


def test_errors_share_the_root() -> None:
    assert issubclass(MediaError, TimelineLabError)
    assert issubclass(ProjectFileError, TimelineLabError)
