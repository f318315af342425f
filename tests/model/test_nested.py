"""Nested sequences (compound clips): OTIO's nested stacks and tracks become sequences of the
project, render as OpenTimelineIO maps them, edit like any timeline and go back out nested."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import opentimelineio as otio
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from timeline_lab.errors import ProjectError
from timeline_lab.interchange.otio import read_otio, write_otio
from timeline_lab.media.synth import read_frame_index
from timeline_lab.model import Project, TimeRange, io
from timeline_lab.model.items import SequenceClip
from timeline_lab.render.frame import timeline_frame
from timeline_lab.studio import Studio

from ..render.conftest import decode_video
from ._otio_parts import MEDIA_FRAMES, ORT, OTR, otio_clip, otio_gap

pytestmark = pytest.mark.slow


# --- the oracle: what OpenTimelineIO's own time mapping puts on screen ---------------------------


def _track_at(track: otio.schema.Track, t: int) -> int | None:
    """Media frame a track shows at its frame ``t`` (None: nothing, i.e. a gap or past its end)."""
    for i, child in enumerate(track):
        rng = track.range_of_child_at_index(i)
        start, n = round(rng.start_time.value), round(rng.duration.value)
        if not start <= t < start + n:
            continue
        if isinstance(child, otio.schema.Gap):
            return None
        inner = round(child.trimmed_range().start_time.value) + t - start
        if isinstance(child, otio.schema.Clip):
            return inner
        return _stack_at(child, inner) if isinstance(child, otio.schema.Stack) else _track_at(child, inner)
    return None


def _stack_at(stack: otio.schema.Stack, t: int) -> int | None:
    """The topmost track showing something at ``t`` (opaque full-frame clips cover what is below)."""
    for track in reversed(list(stack)):
        shown = _track_at(track, t)
        if shown is not None:
            return shown
    return None


def _oracle(tl: otio.schema.Timeline) -> list[int | None]:
    return [_stack_at(tl.tracks, t) for t in range(round(tl.duration().value))]


def _shown(path: Path, tmp: Path) -> list[int | None]:
    studio = Studio(workspace=tmp)
    out = studio.render(studio.open(path), tmp / "out.mp4", progress=False)
    return [None if f.mean() < 8 else read_frame_index(f)[0] for f in decode_video(out)]


# --- random nested timelines ---------------------------------------------------------------------


def _draw_track(draw: st.DrawFn, url: str, depth: int) -> otio.schema.Track:
    track = otio.schema.Track()
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(
            st.sampled_from(["clip", "clip", "gap", "stack", "track"] if depth < 2 else ["clip", "gap"])
        )
        if kind == "clip":
            n = draw(st.integers(1, 6))
            track.append(otio_clip(url, draw(st.integers(0, MEDIA_FRAMES - n)), n))
        elif kind == "gap":
            track.append(otio_gap(draw(st.integers(1, 3))))
        else:
            inner: Any = (
                otio.schema.Stack(name=f"nest{depth}")
                if kind == "stack"
                else _draw_track(draw, url, depth + 1)
            )
            if kind == "stack":
                for _ in range(draw(st.integers(1, 2))):
                    inner.append(_draw_track(draw, url, depth + 1))
            length = round(inner.duration().value)
            if length == 0:
                continue
            first = draw(st.integers(0, length - 1))
            n = draw(st.integers(1, length - first + 2))  # may pass the content: OTIO shows nothing there
            inner.source_range = OTR(ORT(first, 24), ORT(n, 24))
            track.append(inner)
    return track


@st.composite
def _timelines(draw: st.DrawFn, url: str) -> otio.schema.Timeline:
    tl = otio.schema.Timeline(name="nested")
    for _ in range(draw(st.integers(1, 2))):
        tl.tracks.append(_draw_track(draw, url, 0))
    return tl


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_random_nested_timelines_render_as_otio_maps_them(
    cam: Path, tmp_path_factory: pytest.TempPathFactory, data: st.DataObject
) -> None:
    """Stacks and tracks inside tracks, two levels deep, trimmed anywhere (even past their content)."""
    tl = data.draw(_timelines(cam.as_uri()))
    if tl.duration().value == 0 or not list(tl.find_clips()):
        return
    tmp = tmp_path_factory.mktemp("nested-prop")
    otio.adapters.write_to_file(tl, str(tmp / "t.otio"))
    assert _shown(tmp / "t.otio", tmp) == _oracle(tl)
    # and back out as nested OTIO: the same model again, and OTIO maps the export the same way
    project = read_otio(tmp / "t.otio")
    write_otio(project, tmp / "back.otio")
    assert read_otio(tmp / "back.otio").model_dump(mode="json") == project.model_dump(mode="json")
    assert _oracle(otio.adapters.read_from_file(str(tmp / "back.otio"))) == _oracle(tl)


# --- one small nested project, in every way a user meets it -------------------------------------


def _nested_project(studio: Studio, cam: Path) -> tuple[Project, Project]:
    project = studio.new_project(width=176, height=144, frame_rate=24)
    inner = studio.new_project(width=176, height=144, frame_rate=24, name="inner")
    inner.tracks[0].append(studio.clip(cam, 30, 4))
    inner.tracks[0].append(studio.clip(cam, 10, 6))
    project.add_sequence(inner)
    v1 = project.tracks[0]
    v1.append(studio.clip(cam, 0, 3))
    v1.append(SequenceClip(name="nest", sequence=inner.id, source_range=TimeRange.from_frames(2, 6, 24)))
    v1.append(studio.clip(cam, 20, 3))
    return project, inner


def test_a_nested_sequence_renders_edits_and_previews(cam: Path, tmp_path: Path) -> None:
    studio = Studio(workspace=tmp_path)
    project, inner = _nested_project(studio, cam)
    frames = decode_video(studio.render(project, tmp_path / "a.mp4", progress=False))
    assert [read_frame_index(f)[0] for f in frames] == [0, 1, 2, 32, 33, 10, 11, 12, 13, 20, 21, 22]
    # the paused preview shows what the render shows
    still = timeline_frame(project, 4, scale=1)
    assert read_frame_index(still)[0] == 33
    # editing the sequence changes what the clip shows; the outer timeline is untouched
    inner.tracks[0].slip(inner.tracks[0].items[1].id, 5)
    frames = decode_video(studio.render(project, tmp_path / "b.mp4", progress=False))
    assert [read_frame_index(f)[0] for f in frames][5:9] == [15, 16, 17, 18]
    # the outer clip trims like any clip (its source is the sequence)
    nest = project.tracks[0].items[1]
    project.tracks[0].trim(nest.id, "in", 1, ripple=True)
    assert project.tracks[0].items[1].source_range.start.to_frames(24) == 3
    project.undo()
    # and undo/redo on the outer timeline work as for any clip
    assert project.tracks[0].items[1].source_range.start.to_frames(24) == 2


def test_a_nested_sequence_on_a_layer_shows_what_is_below_its_empty_parts(cam: Path, tmp_path: Path) -> None:
    studio = Studio(workspace=tmp_path)
    project = studio.new_project(width=176, height=144, frame_rate=24)
    project.tracks[0].append(studio.clip(cam, 0, 8))
    inner = studio.new_project(width=176, height=144, frame_rate=24)
    inner.tracks[0].append(studio.clip(cam, 40, 2))
    inner.tracks[0].insert(studio.clip(cam, 30, 2), 4)  # frames 2-3 of the sequence are empty
    v2 = project.add_track("video")
    v2.append(project.sequence_clip(inner))  # all of it (6 frames), the sequence added to the project
    shown = [
        read_frame_index(f)[0]
        for f in decode_video(studio.render(project, tmp_path / "l.mp4", progress=False))
    ]
    assert shown == [40, 41, 2, 3, 30, 31, 6, 7]


def test_nested_sequences_refuse_what_cannot_be(cam: Path, tmp_path: Path) -> None:
    studio = Studio(workspace=tmp_path)
    project, inner = _nested_project(studio, cam)
    with pytest.raises(ProjectError, match="sequence 'nope' is not in this project's sequences"):
        project.tracks[0].append(SequenceClip(sequence="nope", source_range=TimeRange.from_frames(0, 2, 24)))
    with pytest.raises(ProjectError, match=r"shows sequence 'inner' up to .* but it is 10 frames long"):
        project.tracks[0].append(
            SequenceClip(sequence=inner.id, source_range=TimeRange.from_frames(5, 6, 24))
        )
    other = studio.new_project(frame_rate=25)
    with pytest.raises(ProjectError, match="is at 25 fps; this project is at 24"):
        project.add_sequence(other)
    # cutting the sequence shorter than a clip shows is refused, naming that clip
    refused = r"lift refused: sequence 'inner' would be 4 frames .*items\[1\] 'nest'"
    with pytest.raises(ProjectError, match=refused):
        inner.tracks[0].lift(inner.tracks[0].items[1].id)
    # and a document saved that way elsewhere is named when it is checked
    doc = json.loads(io.dumps(project))
    doc["sequences"][0]["tracks"][0]["items"].pop()
    with pytest.raises(ProjectError, match=r"items\[1\] 'nest': shows sequence 'inner' up to"):
        io.loads(json.dumps(doc))


def test_saved_and_moved_with_media_in_nested_sequences(cam: Path, tmp_path: Path) -> None:
    """A .tlproj keeps nested media relative too, and relinks them when the folder moves."""
    import shutil

    here = tmp_path / "a"
    here.mkdir()
    media = Path(shutil.copy(cam, here / "cam.mp4"))
    studio = Studio(workspace=tmp_path)
    project, _ = _nested_project(studio, media)
    saved = studio.save(project, here / "p.tlproj")
    doc = json.loads(saved.read_text())
    assert {m["path"] for m in io.media_refs(doc)} == {"cam.mp4"}
    moved = Path(shutil.move(here, tmp_path / "b"))
    back = studio.open(moved / "p.tlproj")
    assert {c.media.path for c in back.clips()} == {str(moved / "cam.mp4")}
    frames = decode_video(studio.render(back, tmp_path / "m.mp4", progress=False))
    assert [read_frame_index(f)[0] for f in frames][3:9] == [32, 33, 10, 11, 12, 13]


@pytest.mark.parametrize("suffix", [".otio", ".fcpxml", ".xml", ".edl"])
def test_exported_formats_show_the_same_frames(cam: Path, tmp_path: Path, suffix: str) -> None:
    """OTIO, FCPX and FCP 7 XML keep the nesting; an EDL cannot, so it gets the clips shown."""
    studio = Studio(workspace=tmp_path)
    project, _ = _nested_project(studio, cam)
    path = studio.save(project, tmp_path / f"cut{suffix}")
    back = studio.open(path, rate=24)
    assert bool(back.sequences) == (suffix != ".edl")
    frames = decode_video(studio.render(back, tmp_path / f"r{suffix}.mp4", progress=False))
    assert [read_frame_index(f)[0] for f in frames] == [0, 1, 2, 32, 33, 10, 11, 12, 13, 20, 21, 22]


def test_a_nested_track_and_a_disabled_stack(cam: Path, tmp_path: Path) -> None:
    url = cam.as_uri()
    tl = otio.schema.Timeline(name="tracks in tracks")
    outer, nested = otio.schema.Track(name="V1"), otio.schema.Track(name="inner")
    for child in (otio_clip(url, 5, 2), otio_gap(1), otio_clip(url, 9, 2)):
        nested.append(child)
    off = otio.schema.Stack(name="off")
    off.append(otio.schema.Track())
    off[0].append(otio_clip(url, 40, 3))
    off.enabled = False
    for child in (nested, off, otio_clip(url, 0, 2)):
        outer.append(child)
    tl.tracks.append(outer)
    otio.adapters.write_to_file(tl, str(tmp_path / "t.otio"))
    project = read_otio(tmp_path / "t.otio")
    assert [type(i).__name__ for i in project.tracks[0].items] == ["SequenceClip", "SequenceClip", "Clip"]
    assert _shown(tmp_path / "t.otio", tmp_path) == [5, 6, None, 9, 10, None, None, None, 0, 1]
