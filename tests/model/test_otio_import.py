"""Foreign OpenTimelineIO files as other editors write them (issue 13): the parts that import now.

The rendered frames are compared with OpenTimelineIO's own time mapping (the clip's trimmed range
on the media's clock, minus the media's available start), read back from the frame numbers that
the synthetic media carries in its pixels.
"""

from __future__ import annotations

import json
import os
from fractions import Fraction
from pathlib import Path

import opentimelineio as otio
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from timeline_lab.errors import ProjectFileError
from timeline_lab.interchange.otio import MAX_OTIO_DEPTH, read_otio
from timeline_lab.media.synth import make_clip, read_frame_index
from timeline_lab.model import Clip
from timeline_lab.studio import Studio

from ..render.conftest import decode_video

pytestmark = pytest.mark.slow

ORT, OTR = otio.opentime.RationalTime, otio.opentime.TimeRange
HOUR = 3600 * 24  # 01:00:00:00 at 24 fps


@pytest.fixture(scope="module")
def clip24(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("otio-media")
    return make_clip(folder / "cam.mp4", width=176, height=144, rate=24, frames=48, tag=3)


def _write(tl: otio.schema.Timeline, path: Path) -> Path:
    otio.adapters.write_to_file(tl, str(path))
    return path


def _clip(url: str, source: tuple[int, int] | None, available_start: int = 0) -> otio.schema.Clip:
    ref = otio.schema.ExternalReference(
        target_url=url, available_range=OTR(ORT(available_start, 24), ORT(48, 24))
    )
    rng = OTR(ORT(available_start + source[0], 24), ORT(source[1], 24)) if source else None
    return otio.schema.Clip(name="cam", media_reference=ref, source_range=rng)


def _timeline(*children: otio.core.Composable, start_rate: float | None = None) -> otio.schema.Timeline:
    tl = otio.schema.Timeline(name="from another editor")
    if start_rate is not None:
        tl.global_start_time = ORT(0, start_rate)
    track = otio.schema.Track(name="V1")
    for child in children:
        track.append(child)
    tl.tracks.append(track)
    return tl


def _shown(project_path: Path, tmp_path: Path) -> list[int]:
    studio = Studio(workspace=tmp_path)
    out = studio.render(studio.open(project_path), tmp_path / "out.mp4", progress=False)
    return [read_frame_index(f)[0] for f in decode_video(out)]


def test_a_clip_without_source_range_is_its_whole_available_range(clip24: Path, tmp_path: Path) -> None:
    path = _write(_timeline(_clip(clip24.as_uri(), None)), tmp_path / "whole.otio")
    assert _shown(path, tmp_path) == list(range(48))


def test_camera_timecode_start_is_the_media_clock(clip24: Path, tmp_path: Path) -> None:
    """available_range starts at 01:00:00:00: source 01:00:00:10 is the file's frame 10."""
    tl = _timeline(
        _clip(clip24.as_uri(), (10, 12), available_start=HOUR), _clip(clip24.as_uri(), (0, 4), HOUR)
    )
    path = _write(tl, tmp_path / "tc.otio")
    assert _shown(path, tmp_path) == list(range(10, 22)) + list(range(4))


def test_relative_media_is_found_from_the_otio_files_folder(clip24: Path, tmp_path: Path) -> None:
    folder = tmp_path / "exchange"
    (folder / "media").mkdir(parents=True)
    os.link(clip24, folder / "media" / "cam.mp4")
    path = _write(_timeline(_clip("media/cam.mp4", (2, 3))), folder / "edit.otio")
    elsewhere = tmp_path / "cwd"
    elsewhere.mkdir()
    old = Path.cwd()
    os.chdir(elsewhere)  # the current folder must not matter
    try:
        project = read_otio(path)
    finally:
        os.chdir(old)
    item = project.tracks[0].items[0]
    assert isinstance(item, Clip) and Path(item.media.path) == (folder / "media" / "cam.mp4").resolve()


def test_rate_from_global_start_time_and_size_from_the_media(clip24: Path, tmp_path: Path) -> None:
    path = _write(_timeline(_clip(clip24.as_uri(), (0, 24)), start_rate=25), tmp_path / "rate.otio")
    project = read_otio(path)
    assert project.settings.frame_rate == Fraction(25)
    assert (project.settings.width, project.settings.height) == (176, 144)  # not 1920x1080
    common = _write(
        _timeline(_clip(clip24.as_uri(), (0, 24)), _clip(clip24.as_uri(), (0, 2))), tmp_path / "c.otio"
    )
    assert read_otio(common).settings.frame_rate == Fraction(24)  # the clips' rate, not 29.97


def test_a_nested_sequence_is_imported_not_dropped(clip24: Path, tmp_path: Path) -> None:
    nested = otio.schema.Stack(name="compound")
    inner = otio.schema.Track()
    inner.append(_clip(clip24.as_uri(), (20, 5)))
    nested.append(inner)
    path = _write(_timeline(_clip(clip24.as_uri(), (0, 5)), nested), tmp_path / "nested.otio")
    project = read_otio(path)
    assert [s.name for s in project.sequences] == ["compound"]
    assert _shown(path, tmp_path) == [0, 1, 2, 3, 4, 20, 21, 22, 23, 24]  # more in tests/model/test_nested.py


@pytest.mark.parametrize("depth", [MAX_OTIO_DEPTH + 1, 100_000])
def test_a_hostile_deep_file_is_refused_without_crashing(tmp_path: Path, depth: int) -> None:
    path = tmp_path / "deep.otio"
    path.write_text('{"OTIO_SCHEMA": "Timeline.1", "x": ' + "[" * depth + "]" * depth + "}", "utf-8")
    with pytest.raises(ProjectFileError, match=f"deep.otio: nested more than {MAX_OTIO_DEPTH} levels"):
        read_otio(path)


def test_brackets_inside_strings_do_not_count(clip24: Path, tmp_path: Path) -> None:
    clip = _clip(clip24.as_uri(), (0, 2))
    clip.name = "[" * (MAX_OTIO_DEPTH + 5) + '"\\'
    path = _write(_timeline(clip), tmp_path / "names.otio")
    assert json.loads(path.read_text("utf-8"))  # valid JSON with a hostile name
    assert read_otio(path).tracks[0].items[0].name == clip.name


@pytest.mark.parametrize("suffix", [".otio", ".edl", ".xml", ".fcpxml"])
def test_round_trip_through_each_exchange_format_renders_the_same_frames(
    clip24: Path, tmp_path: Path, suffix: str
) -> None:
    """Export with OpenTimelineIO's adapter for the suffix, import again, render: the same frames."""
    studio = Studio(workspace=tmp_path)
    project = studio.new_project("x", width=176, height=144, frame_rate=24)
    project.tracks[0].append(studio.clip(clip24, 3, 10))
    project.tracks[0].append(studio.clip(clip24, 30, 8))
    exported = studio.save(project, tmp_path / f"cut{suffix}")
    again = studio.open(exported, rate=24)
    out = studio.render(again, tmp_path / "again.mp4", progress=False)
    assert [read_frame_index(f)[0] for f in decode_video(out)] == list(range(3, 13)) + list(range(30, 38))


def test_aaf_is_import_only(clip24: Path, tmp_path: Path) -> None:
    studio = Studio(workspace=tmp_path)
    project = studio.new_project("x", width=176, height=144, frame_rate=24)
    project.tracks[0].append(studio.clip(clip24, 0, 4))
    with pytest.raises(ProjectFileError, match="AAF is imported, not exported"):
        studio.save(project, tmp_path / "cut.aaf")
    assert not (tmp_path / "cut.aaf").exists()


def test_an_aaf_written_by_the_aaf_adapter_imports_frame_exact(clip24: Path, tmp_path: Path) -> None:
    """AAF as a pipeline writes it (pyaaf2 through otio-aaf-adapter): clips, a gap, a sound track."""
    tl = otio.schema.Timeline(name="avid", global_start_time=ORT(0, 24))
    picture, sound = (
        otio.schema.Track(name="V1"),
        otio.schema.Track(name="A1", kind=otio.schema.TrackKind.Audio),
    )
    for first, n in ((3, 10), (30, 8)):
        for track in (picture, sound):
            ref = otio.schema.ExternalReference(
                target_url=clip24.as_uri(), available_range=OTR(ORT(0, 24), ORT(48, 24))
            )
            track.append(
                otio.schema.Clip(
                    name=f"c{first}", media_reference=ref, source_range=OTR(ORT(first, 24), ORT(n, 24))
                )
            )
        if first == 3:
            picture.append(otio.schema.Gap(source_range=OTR(ORT(0, 24), ORT(5, 24))))
            sound.append(otio.schema.Gap(source_range=OTR(ORT(0, 24), ORT(5, 24))))
    tl.tracks.extend([picture, sound])
    path = tmp_path / "avid.aaf"
    otio.adapters.write_to_file(tl, str(path), use_empty_mob_ids=True)
    studio = Studio(workspace=tmp_path)
    project = studio.open(path)
    assert [(t.kind, [(i.start.to_frames(24), i.frames(24)) for i in t.items]) for t in project.tracks] == [
        ("video", [(0, 10), (15, 8)]),
        ("audio", [(0, 10), (15, 8)]),
    ]
    out = studio.render(project, tmp_path / "avid.mp4", progress=False)
    shown = [read_frame_index(f)[0] for f in decode_video(out)]
    assert shown[:10] == list(range(3, 13)) and shown[15:] == list(range(30, 38))


def test_a_missing_adapter_names_the_package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from timeline_lab.interchange import otio as interchange

    monkeypatch.setitem(interchange.ADAPTERS, ".edl", ("no_such_adapter", "otio-cmx3600-adapter"))
    path = tmp_path / "cut.edl"
    path.write_text("TITLE: cut\n", "utf-8")
    with pytest.raises(
        ProjectFileError, match=r"cut\.edl: \.edl files need OpenTimelineIO's otio-cmx3600-adapter"
    ):
        read_otio(path)


def test_every_exported_time_is_a_whole_number_of_frames(clip24: Path, tmp_path: Path) -> None:
    """A 24 fps clip conformed into 29.97 and slowed down: no 36.99999999999999 in the file."""
    studio = Studio(workspace=tmp_path)
    project = studio.new_project("x", width=176, height=144, frame_rate="29.97")
    project.tracks[0].append(studio.clip(clip24, 1, 37))
    project.tracks[0].append(studio.clip(clip24, 0, 9, speed=Fraction(1, 2)))
    doc = json.loads(studio.save(project, tmp_path / "cut.otio").read_text("utf-8"))
    values: list[float] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if node.get("OTIO_SCHEMA", "").startswith("RationalTime"):
                values.append(node["value"])
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(doc)
    assert values and all(float(v).is_integer() for v in values), [
        v for v in values if not float(v).is_integer()
    ]
    again = read_otio(tmp_path / "cut.otio")
    assert again.model_dump(exclude={"history"}) == project.model_dump(
        exclude={"history"}
    )  # the model, not a count


def test_freeze_frames_render_and_unknown_effects_are_reported_once(
    clip24: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    frozen = _clip(clip24.as_uri(), (7, 5))
    frozen.effects.append(otio.schema.FreezeFrame())
    odd = _clip(clip24.as_uri(), (0, 3))
    odd.effects.append(otio.schema.Effect(name="glow", effect_name="Glow"))
    path = _write(_timeline(frozen, odd), tmp_path / "fx.otio")
    with caplog.at_level("WARNING", logger="timeline_lab"):
        project = read_otio(path)
    assert project.metadata["import_notes"] == ["tracks[0][1]: effect 'Glow' is not rendered"]
    assert sum("not imported exactly" in r.getMessage() for r in caplog.records) == 1
    assert _shown(path, tmp_path) == [7] * 5 + [0, 1, 2]  # held on the trimmed range's first frame


def test_transitions_at_edges_beside_gaps_and_asymmetric_come_in_as_otio_defines_them(
    clip24: Path, tmp_path: Path
) -> None:
    def dissolve(a: int, b: int) -> otio.schema.Transition:
        return otio.schema.Transition(in_offset=ORT(a, 24), out_offset=ORT(b, 24))

    url = clip24.as_uri()
    gap = otio.schema.Gap(source_range=OTR(ORT(0, 24), ORT(4, 24)))
    tl = _timeline(
        dissolve(2, 2), _clip(url, (0, 8)), dissolve(5, 1), _clip(url, (10, 8)), dissolve(2, 2), gap
    )
    path = _write(tl, tmp_path / "edges.otio")
    project = read_otio(path)
    # only what cannot exist is left out: frames before the track start
    assert project.metadata["import_notes"] == [
        "V1[0] transition: 2 frame(s) before the track start are left out"
    ]
    first, second = project.tracks[0].items
    sides = [(t.from_clip, t.to_clip, t.handles(Fraction(24))) for t in project.tracks[0].transitions]
    # handles() is (frames after the cut, frames before it): OTIO's (out_offset, in_offset)
    assert sides == [(None, first.id, (2, 0)), (first.id, second.id, (1, 5)), (second.id, None, (2, 2))]
    assert project.duration().to_frames() == 20  # the trailing gap keeps its length
    assert len(_shown(path, tmp_path)) == 20


# --- the class of simple foreign timelines, against OpenTimelineIO's own time mapping ----------------

_CLIP = st.tuples(
    st.just("clip"),
    st.sampled_from([0, HOUR, 3600 * 24 * 10 + 17]),  # the media's own clock starts here
    st.one_of(st.none(), st.tuples(st.integers(0, 40), st.integers(1, 8))),  # None: no source_range
)
_GAP = st.tuples(st.just("gap"), st.integers(1, 4), st.none())


def _oracle(track: otio.schema.Track) -> list[int | None]:
    """Media frame on screen at each timeline frame, as OpenTimelineIO maps it (None: a gap)."""
    shown: list[int | None] = []
    for child in track:
        rng = child.trimmed_range()
        n = round(rng.duration.value)
        if isinstance(child, otio.schema.Gap):
            shown += [None] * n
            continue
        start = child.media_reference.available_range.start_time.value
        shown += [round(rng.start_time.value - start) + i for i in range(n)]
    return shown


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    parts=st.lists(st.one_of(_CLIP, _GAP), min_size=1, max_size=5).filter(
        lambda p: any(k == "clip" for k, _, _ in p)
    )
)
def test_random_foreign_timelines_render_as_otio_maps_them(
    clip24: Path,
    tmp_path_factory: pytest.TempPathFactory,
    parts: list[tuple[str, int, tuple[int, int] | None]],
) -> None:
    """Leading, inner and trailing gaps, camera clocks, clips with and without source_range, in any order."""
    tmp = tmp_path_factory.mktemp("otio-prop")
    track_children = []
    for kind, value, source in parts:
        if kind == "gap":
            track_children.append(otio.schema.Gap(source_range=OTR(ORT(0, 24), ORT(value, 24))))
        else:
            span = source if source is None or source[0] + source[1] <= 48 else (40, 8)
            track_children.append(_clip(clip24.as_uri(), span, available_start=value))
    tl = _timeline(*track_children)
    expected = _oracle(tl.tracks[0])
    shown = _shown(_write(tl, tmp / "t.otio"), tmp)
    assert len(shown) == len(expected)
    assert [s for s, e in zip(shown, expected, strict=True) if e is not None] == [
        e for e in expected if e is not None
    ]
