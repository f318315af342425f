"""Foreign OpenTimelineIO timelines as other editors write them (review 61): positions, rates, the
parts that used to be refused or dropped. Real OTIO objects and files over small real media."""

from __future__ import annotations

import json
import math
import wave
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import opentimelineio as otio
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from timeline_lab.interchange.otio import from_otio, read_otio, write_otio
from timeline_lab.media.synth import make_clip, read_frame_index
from timeline_lab.model import Clip, RationalTime, TextClip
from timeline_lab.studio import Studio

from ..render.conftest import decode_video
from ._otio_parts import otio_clip

ORT, OTR = otio.opentime.RationalTime, otio.opentime.TimeRange
MEDIA_FRAMES = 60


@pytest.fixture(scope="module")
def cam25(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """60 frames at 25 fps (2.4 s): room for any span the strategies below ask for."""
    return make_clip(tmp_path_factory.mktemp("foreign") / "cam25.mp4", width=64, height=48, rate=25,
                     frames=MEDIA_FRAMES)  # fmt: skip


def _clip25(path: Path, first: int, n: int, rate: float = 25) -> otio.schema.Clip:
    """``n`` frames at ``rate`` of 25 fps media, from ``first``."""
    ref = otio.schema.ExternalReference(
        target_url=path.as_uri(), available_range=OTR(ORT(0, 25), ORT(MEDIA_FRAMES, 25))
    )
    return otio.schema.Clip(name=f"c{first}", media_reference=ref,
                            source_range=OTR(ORT(first, rate), ORT(n, rate)))  # fmt: skip


def _timeline(track: otio.schema.Track, rate: float) -> otio.schema.Timeline:
    tl = otio.schema.Timeline(name="foreign", global_start_time=ORT(0, rate))
    tl.tracks.append(track)
    return tl


def _nearest(t: otio.opentime.RationalTime, rate: Fraction) -> int:
    """OTIO's time at ``rate`` to the nearest frame, halves up (exact: no float rounding)."""
    seconds = Fraction(t.value) / Fraction(t.rate).limit_denominator(1001)
    return math.floor(seconds * rate + Fraction(1, 2))


# --- 1. no cumulative drift: every child where OTIO puts it, to the nearest frame ------------------


_RATES = [
    (25.0, Fraction(24)),
    (30000 / 1001, Fraction(24)),
    (25.0, Fraction(30000, 1001)),
    (24.0, Fraction(25)),
]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    rates=st.sampled_from(_RATES),
    parts=st.lists(st.tuples(st.booleans(), st.integers(1, 7)), min_size=1, max_size=40),
)
def test_clips_at_a_foreign_rate_sit_where_otio_places_them(
    cam25: Path, rates: tuple[float, Fraction], parts: list[tuple[bool, int]]
) -> None:
    foreign, project_rate = rates
    track = otio.schema.Track(name="V1")
    for is_gap, n in parts:
        if is_gap:
            track.append(otio.schema.Gap(source_range=OTR(ORT(0, foreign), ORT(n, foreign))))
        else:
            track.append(_clip25(cam25, 0, n, foreign))
    project = from_otio(_timeline(track, float(project_rate)))
    assert project.settings.frame_rate == project_rate
    spans = [
        (_nearest(c.range_in_parent().start_time, project_rate),
         _nearest(c.range_in_parent().end_time_exclusive(), project_rate))
        for c in track if isinstance(c, otio.schema.Clip)
    ]  # fmt: skip
    shown = [(a, b) for a, b in spans if b > a]  # a clip within one frame rounds to none: noted
    items = project.tracks[0].items
    assert [(i.start.to_frames(project_rate), i.start.to_frames(project_rate) + i.frames(project_rate))
            for i in items] == shown  # fmt: skip
    assert len(project.metadata.get("import_notes", [])) == len(spans) - len(shown)
    assert project.duration().to_frames(project_rate) == _nearest(track.duration(), project_rate)


def test_twelve_25fps_clips_in_24fps_do_not_drift(cam25: Path) -> None:
    """The reviewer's case: 3-frame clips at 25 fps are 2.88 frames at 24; the 12th starts at 31.68."""
    track = otio.schema.Track(name="V1")
    for k in range(12):
        track.append(_clip25(cam25, 3 * k, 3))
    project = from_otio(_timeline(track, 24))
    starts = [i.start.to_frames(24) for i in project.tracks[0].items]
    assert starts == [0, 3, 6, 9, 12, 14, 17, 20, 23, 26, 29, 32]
    assert project.duration().to_frames(24) == 35  # 34.56
    first = project.tracks[0].items[0]
    assert isinstance(first, Clip) and first.source_range.start.to_frames(25) == 0


# --- 2. the project rate: never an audio sample clock; the sequence's rate and size through XML ----


@pytest.fixture(scope="module")
def wav(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two seconds of tone, no picture (a sound editor's media)."""
    return make_clip(tmp_path_factory.mktemp("foreign-wav") / "tone.mp4", rate=25, frames=50, video=False)


def _samples(path: Path, first: int, n: int) -> otio.schema.Clip:
    """A clip timed in 48 kHz samples, as sound editors' OTIO and AAF files are."""
    ref = otio.schema.ExternalReference(
        target_url=path.as_uri(), available_range=OTR(ORT(0, 48000), ORT(96000, 48000))
    )
    return otio.schema.Clip(
        name="line", media_reference=ref, source_range=OTR(ORT(first, 48000), ORT(n, 48000))
    )


def _audio_track(*children: otio.core.Composable) -> otio.schema.Track:
    track = otio.schema.Track(name="A1", kind=otio.schema.TrackKind.Audio)
    track.extend(children)
    return track


def test_an_audio_only_timeline_takes_the_default_rate(wav: Path, tmp_path: Path) -> None:
    tl = otio.schema.Timeline(name="dialogue")
    gap = otio.schema.Gap(source_range=OTR(ORT(0, 48000), ORT(12000, 48000)))
    tl.tracks.append(_audio_track(_samples(wav, 0, 24000), gap, _samples(wav, 24000, 24000)))
    path = tmp_path / "dialogue.otio"
    otio.adapters.write_to_file(tl, str(path))
    project = read_otio(path)
    assert project.settings.frame_rate == Fraction(30000, 1001)  # not 48000 (refused)
    assert [i.start.to_frames() for i in project.tracks[0].items] == [0, 22]  # 0.75 s = 22.48 frames


@pytest.mark.parametrize("audio_tracks", [1, 2, 3])
def test_the_rate_is_guessed_from_video_clips_only(cam25: Path, wav: Path, audio_tracks: int) -> None:
    """More clips timed in samples than in frames: the picture's rate still wins."""
    tl = otio.schema.Timeline(name="av")
    picture = otio.schema.Track(name="V1")
    picture.append(_clip25(cam25, 0, 25))
    tl.tracks.append(picture)
    for _ in range(audio_tracks):
        tl.tracks.append(_audio_track(_samples(wav, 0, 48000), _samples(wav, 0, 48000)))
    project = from_otio(tl)
    assert project.settings.frame_rate == Fraction(25)
    assert [t.items[-1].start.to_frames() for t in project.tracks[1:]] == [25] * audio_tracks


@pytest.mark.parametrize(("rate", "size"), [(48, (320, 240)), ("30000/1001", (1280, 720)), (25, (64, 48))])
def test_fcp7_xml_carries_the_sequence_rate_and_size(
    cam25: Path, tmp_path: Path, rate: int | str, size: tuple[int, int]
) -> None:
    studio = Studio(workspace=tmp_path)
    project = studio.new_project("settings", width=size[0], height=size[1], frame_rate=rate)
    project.tracks[0].append(studio.clip(cam25, 0, 25))
    back = read_otio(write_otio(project, tmp_path / "cut.xml"))
    assert back.settings.frame_rate == project.settings.frame_rate
    assert (back.settings.width, back.settings.height) == size  # not the media's 64x48
    assert back.tracks[0].items[0].frames(back.settings.frame_rate) == project.tracks[0].items[0].frames(
        project.settings.frame_rate
    )


# --- 3. Final Cut Pro X: a library's project, NTSC rates both ways ---------------------------------


@pytest.fixture(scope="module")
def ntsc(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """48 frames at 23.976 fps."""
    return make_clip(tmp_path_factory.mktemp("foreign-ntsc") / "ntsc.mp4", width=64, height=48,
                     rate="24000/1001", frames=48)  # fmt: skip


def _fcpx_project(name: str, url: str) -> str:
    """A project as Final Cut Pro X writes one: clip A (source 4..23), a 10-frame gap, clip B (0..17)."""
    return f"""
      <project name="{name}">
        <sequence format="r1" duration="48048/24000s" tcStart="0s" tcFormat="NDF">
          <spine>
            <asset-clip name="A" ref="r2" offset="0s" start="4004/24000s" duration="20020/24000s"
                        format="r1" tcFormat="NDF"/>
            <gap name="Gap" offset="20020/24000s" duration="10010/24000s" start="0s"/>
            <asset-clip name="B" ref="r2" offset="30030/24000s" start="0s" duration="18018/24000s"
                        format="r1" tcFormat="NDF"/>
          </spine>
        </sequence>
      </project>"""


def _fcpx_library(path: Path, media: Path, projects: list[str]) -> Path:
    body = "".join(_fcpx_project(name, media.as_uri()) for name in projects)
    path.write_text(
        f"""<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE fcpxml>
<fcpxml version="1.8">
  <resources>
    <format id="r1" name="FFVideoFormat1080p2398" frameDuration="1001/24000s" width="64" height="48"/>
    <asset id="r2" name="ntsc" uid="A1" src="{media.as_uri()}" start="0s" duration="48048/24000s"
           hasVideo="1" format="r1"/>
  </resources>
  <library><event name="Event">{body}
  </event></library>
</fcpxml>""",
        "utf-8",
    )
    return path


@pytest.mark.parametrize("projects", [["Cut"], ["Cut", "Alt cut", "Old"]])
def test_an_fcpx_library_export_imports_its_project_at_23976(
    ntsc: Path, tmp_path: Path, projects: list[str]
) -> None:
    project = read_otio(_fcpx_library(tmp_path / "lib.fcpxml", ntsc, projects))
    rate = Fraction(24000, 1001)
    assert project.settings.frame_rate == rate  # was 23 (the adapter's int(rate))
    got = [(i.name, i.start.to_frames(rate), i.frames(rate)) for i in project.tracks[0].items]
    assert got == [("A", 0, 20), ("B", 30, 18)]
    first = project.tracks[0].items[0]
    assert isinstance(first, Clip) and first.source_range.start == RationalTime(4, rate)
    notes = project.metadata.get("import_notes", [])
    if len(projects) == 1:
        assert notes == []
    else:
        assert notes == ['lib.fcpxml: holds 3 timelines; imported "Cut", not "Alt cut", "Old"']


@pytest.mark.parametrize("rate", ["24000/1001", "30000/1001", "60000/1001", "48", "24", "25"])
def test_fcpx_round_trip_keeps_every_rate(ntsc: Path, tmp_path: Path, rate: str) -> None:
    """Our .fcpxml opened again: the rate and every position (NTSC and 48 had no frameDuration)."""
    studio = Studio(workspace=tmp_path)
    project = studio.new_project("r", width=64, height=48, frame_rate=rate)
    project.tracks[0].append(studio.clip(ntsc, 5, 20))
    project.tracks[0].append(studio.clip(ntsc, 30, 10))
    r = project.settings.frame_rate
    back = read_otio(write_otio(project, tmp_path / "cut.fcpxml"))
    assert back.settings.frame_rate == r
    # FCPX times a clip's source on the sequence's frame grid: the nearest project frame comes back
    want = [
        (i.start.to_frames(r), i.frames(r), i.source_range.start.snapped(r)) for i in project.tracks[0].items
    ]
    (video,) = [t for t in back.tracks if t.kind == "video"]
    got = [(i.start.to_frames(r), i.frames(r), i.source_range.start.snapped(r)) for i in video.items]
    assert got == want
    for linked in [t for t in back.tracks if t.kind == "audio"]:  # the picture's sound, at the same frames
        assert [(i.start, i.frames(r)) for i in linked.items] == [(i.start, i.frames(r)) for i in video.items]


def test_the_fcpx_patch_is_applied_once() -> None:
    from timeline_lab.interchange._fcpx_rates import exact_fcpx_rates

    exact_fcpx_rates()
    fcpx = otio.adapters.from_name("fcpx_xml").module()
    patched = (fcpx.to_rational_time, fcpx.FcpxOtio._frame_rate_from_element)
    exact_fcpx_rates()
    assert (fcpx.to_rational_time, fcpx.FcpxOtio._frame_rate_from_element) == patched


# --- 6. a hidden or muted track stays off ----------------------------------------------------------


@pytest.mark.parametrize("enabled", [True, False])
@pytest.mark.parametrize("kind", [otio.schema.TrackKind.Video, otio.schema.TrackKind.Audio])
def test_a_disabled_foreign_track_comes_in_disabled(cam25: Path, kind: str, enabled: bool) -> None:
    tl = otio.schema.Timeline(name="dis", global_start_time=ORT(0, 25))
    base = otio.schema.Track(name="V1")
    base.append(_clip25(cam25, 0, 25))
    other = otio.schema.Track(name="other", kind=kind)
    other.append(_clip25(cam25, 30, 12))
    other.enabled = enabled
    tl.tracks.extend([base, other])
    project = from_otio(tl)
    assert [t.enabled for t in project.tracks] == [True, enabled]


@pytest.mark.slow
def test_a_hidden_video_track_is_not_rendered(cam: Path, tmp_path: Path) -> None:
    tl = otio.schema.Timeline(name="dis", global_start_time=ORT(0, 24))
    base, hidden = otio.schema.Track(name="V1"), otio.schema.Track(name="V2 hidden")
    base.append(otio_clip(cam.as_uri(), 0, 12))
    hidden.append(otio_clip(cam.as_uri(), 30, 12))
    hidden.enabled = False
    tl.tracks.extend([base, hidden])
    path = tmp_path / "dis.otio"
    otio.adapters.write_to_file(tl, str(path))
    studio = Studio(workspace=tmp_path)
    out = studio.render(studio.open(path), tmp_path / "out.mp4", progress=False)
    assert [read_frame_index(f)[0] for f in decode_video(out)] == list(range(12))  # not 30..41 on top


# --- 8. clips without a media file: generators and missing media are gaps; image sequences open ----


def _generator() -> otio.schema.GeneratorReference:
    return otio.schema.GeneratorReference(
        generator_kind="SolidColor",
        parameters={"color": "black"},
        available_range=OTR(ORT(0, 25), ORT(250, 25)),
    )


@pytest.mark.parametrize(
    ("reference", "note"),
    [
        (_generator, 'clip "Solid Color" is a SolidColor (GeneratorReference): imported as a gap'),
        (
            otio.schema.MissingReference,
            'clip "Solid Color" has no media (MissingReference): imported as a gap',
        ),
    ],
    ids=["generator", "missing"],
)
@pytest.mark.parametrize("dissolve", [False, True])
def test_a_clip_without_media_is_a_gap_of_its_length(
    cam25: Path, reference: Callable[[], otio.core.MediaReference], note: str, dissolve: bool
) -> None:
    """Between two clips, with or without a dissolve into it (a fade out, then)."""
    track = otio.schema.Track(name="V1")
    track.append(_clip25(cam25, 0, 12))
    if dissolve:
        track.append(otio.schema.Transition(in_offset=ORT(2, 25), out_offset=ORT(2, 25)))
    generated = otio.schema.Clip(
        name="Solid Color", media_reference=reference(), source_range=OTR(ORT(0, 25), ORT(10, 25))
    )
    track.extend([generated, _clip25(cam25, 20, 5)])
    project = from_otio(_timeline(track, 25))
    items = project.tracks[0].items
    assert [(i.name, i.start.to_frames(), i.frames(Fraction(25))) for i in items] == [
        ("c0", 0, 12),
        ("c20", 22, 5),
    ]
    assert project.metadata["import_notes"] == [f"tracks[0][{2 if dissolve else 1}]: {note}"]
    fades = [(t.from_clip, t.to_clip, t.handles(Fraction(25))) for t in project.tracks[0].transitions]
    assert fades == ([(items[0].id, None, (2, 2))] if dissolve else [])


def _image_sequence(folder: Path, start: int, step: int = 1) -> otio.schema.ImageSequenceReference:
    return otio.schema.ImageSequenceReference(
        target_url_base=folder.as_uri() + "/",
        name_prefix="f",
        name_suffix=".png",
        start_frame=start,
        frame_step=step,
        rate=24,
        frame_zero_padding=4,
        available_range=OTR(ORT(0, 24), ORT(48, 24)),
    )


@pytest.fixture(scope="module")
def pngs(cam: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The 24 fps camera media as numbered PNGs from 1, in a folder whose name needs URL quoting."""
    folder = tmp_path_factory.mktemp("isr") / "shot 1 é"
    folder.mkdir()
    with av.open(str(cam)) as c:
        for n, frame in enumerate(c.decode(video=0)):
            frame.to_image().save(folder / f"f{n + 1:04d}.png")
    return folder


@pytest.mark.slow
def test_an_image_sequence_reference_is_an_image_sequence(pngs: Path, tmp_path: Path) -> None:
    clip = otio.schema.Clip(
        name="isr", media_reference=_image_sequence(pngs, 1), source_range=OTR(ORT(5, 24), ORT(6, 24))
    )
    tl = otio.schema.Timeline(name="isr", global_start_time=ORT(0, 24))
    tl.tracks.append(otio.schema.Track(name="V1"))
    tl.tracks[0].append(clip)
    path = tmp_path / "isr.otio"
    otio.adapters.write_to_file(tl, str(path))
    project = read_otio(path)
    (item,) = project.tracks[0].items
    assert isinstance(item, Clip) and item.media.sequence and item.media.rate == 24
    assert Path(item.media.path) == pngs / "f%04d.png"
    studio = Studio(workspace=tmp_path)
    out = studio.render(project, tmp_path / "isr.mp4", progress=False)
    assert [read_frame_index(f)[0] for f in decode_video(out)] == list(range(5, 11))


def test_an_image_sequence_of_every_other_frame_is_a_gap(pngs: Path) -> None:
    clip = otio.schema.Clip(
        name="isr", media_reference=_image_sequence(pngs, 1, 2), source_range=OTR(ORT(0, 24), ORT(6, 24))
    )
    track = otio.schema.Track(name="V1")
    track.append(clip)
    project = from_otio(_timeline(track, 24))
    assert project.tracks[0].items == [] and project.duration().to_frames() == 6
    assert project.metadata["import_notes"] == [
        'tracks[0][0]: clip "isr": an image sequence with frame_step 2 is imported as a gap'
    ]


# --- 9. sound-only media (timed in samples) through the XML formats --------------------------------


@pytest.fixture(scope="module")
def real_wav(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two seconds of a 440 Hz tone as a 48 kHz WAV file, as music is delivered."""
    path = tmp_path_factory.mktemp("foreign-wav") / "music.wav"
    t = np.arange(96000) / 48000
    pcm = (np.sin(2 * np.pi * 440 * t) * 12000).astype("<i2")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(48000)
        w.writeframes(pcm.tobytes())
    return path


@pytest.mark.parametrize("suffix", [".xml", ".fcpxml"])
@pytest.mark.parametrize("first", [0, 4800, 12000, 48000])
def test_a_wav_clip_goes_out_to_xml_on_the_project_frames(
    cam25: Path, real_wav: Path, tmp_path: Path, suffix: str, first: int
) -> None:
    studio = Studio(workspace=tmp_path)
    project = studio.new_project("music", width=64, height=48, frame_rate=24)
    project.tracks[0].append(studio.clip(cam25, 0, 25))
    project.add_track("audio").append(studio.clip(real_wav, first, 48000))  # 1 s, from sample `first`
    back = read_otio(write_otio(project, tmp_path / f"cut{suffix}"))
    if suffix == ".fcpxml":  # FCPX's storyline clips carry their own sound: no linked sound clip
        (sound,) = [t for t in back.tracks if t.kind == "audio"]
        assert [i.volume for i in back.tracks[0].items if isinstance(i, Clip)] == [1.0]
    else:
        sound, linked = [t for t in back.tracks if t.kind == "audio"]  # the picture's own sound: linked
        assert [i.media.path for i in linked.items if isinstance(i, Clip)] == [str(cam25)]
    (item,) = sound.items
    assert isinstance(item, Clip) and item.media.path == str(real_wav)
    assert (item.start.to_frames(), item.frames(Fraction(24))) == (0, 24)
    # the source on the project's frame grid: at most a frame before where it was
    assert 0 <= first - item.source_range.start.to_frames(48000) < 2000


# --- 10. another tool's metadata on the timeline is kept and written back ---------------------------


def test_a_foreign_timelines_metadata_is_kept_and_written_back(cam25: Path, tmp_path: Path) -> None:
    meta = {
        "Resolve_OTIO": {"Resolve OTIO Meta Version": "1.0", "Locked": False},
        "studio": {"show": "ABC", "shot": "010", "takes": [1, 2.5, None], "start": ORT(86400, 24)},
    }
    track = otio.schema.Track(name="V1")
    track.append(_clip25(cam25, 0, 12))
    tl = _timeline(track, 25)
    tl.metadata.update(meta)
    path = tmp_path / "meta.otio"
    otio.adapters.write_to_file(tl, str(path))
    project = read_otio(path)
    start = {"OTIO_SCHEMA": "RationalTime.1", "rate": 24.0, "value": 86400.0}
    assert project.metadata["otio"] == {
        "Resolve_OTIO": {"Resolve OTIO Meta Version": "1.0", "Locked": False},
        "studio": {"show": "ABC", "shot": "010", "takes": [1, 2.5, None], "start": start},
    }
    studio = Studio(workspace=tmp_path)
    again = studio.open(studio.save(project, tmp_path / "meta.tlproj"))  # plain JSON in our own file
    back = json.loads(write_otio(again, tmp_path / "out.otio").read_text("utf-8"))["metadata"]
    assert {k: v for k, v in back.items() if k != "timeline_lab"} == json.loads(path.read_text("utf-8"))[
        "metadata"
    ]


def _foreign(obj: otio.core.SerializableObjectWithMetadata, tag: str) -> None:
    obj.metadata["Resolve_OTIO"] = {"Link Group ID": tag, "Clip Color": "Orange", "ids": [1, None]}


def _without_ours(obj: otio.core.SerializableObjectWithMetadata) -> dict[str, object]:
    return {
        k: v
        for k, v in json.loads(otio.adapters.write_to_string(obj))["metadata"].items()
        if k != "timeline_lab"
    }


def _metadata_of_every_kind(tl: otio.schema.Timeline) -> list[str]:
    """Foreign metadata of each track, clip, stack, transition and marker (a clip's marker comes
    back a timeline marker: we place markers on the timeline), sorted."""
    found: list[dict[str, object]] = []

    def walk(obj: otio.core.Composable) -> None:
        if isinstance(obj, otio.schema.Gap):
            return
        found.append(_without_ours(obj))
        found.extend(_without_ours(m) for m in getattr(obj, "markers", []))
        if isinstance(obj, otio.core.Composition):
            for child in obj:
                walk(child)

    for track in tl.tracks:
        walk(track)
    found.extend(_without_ours(m) for m in tl.tracks.markers)
    return sorted(json.dumps(m, sort_keys=True) for m in found)


def test_other_tools_metadata_on_tracks_clips_transitions_and_markers_is_kept(
    cam25: Path, tmp_path: Path
) -> None:
    track = otio.schema.Track(name="V1")
    _foreign(track, "track")
    a, b = _clip25(cam25, 0, 12), _clip25(cam25, 20, 12)
    _foreign(a, "a")
    b.metadata["pipeline"] = {"shot": "010", "version": 3}
    dissolve = otio.schema.Transition(in_offset=ORT(2, 25), out_offset=ORT(2, 25))
    _foreign(dissolve, "dissolve")
    mark = otio.schema.Marker(name="note", marked_range=OTR(ORT(1, 25), ORT(0, 25)))
    _foreign(mark, "clip marker")
    a.markers.append(mark)
    inner = otio.schema.Track(name="inner")
    inner.append(_clip25(cam25, 30, 6))
    nested = otio.schema.Stack(name="compound", children=[inner])
    _foreign(nested, "stack")
    _foreign(inner, "inner track")
    track.extend([a, dissolve, b, nested])
    tl = _timeline(track, 25)
    top = otio.schema.Marker(name="top", marked_range=OTR(ORT(3, 25), ORT(0, 25)))
    _foreign(top, "timeline marker")
    tl.tracks.markers.append(top)
    path = tmp_path / "items.otio"
    otio.adapters.write_to_file(tl, str(path))
    expected = _metadata_of_every_kind(otio.adapters.read_from_file(str(path)))
    assert sum(1 for m in expected if m != "{}") == 8

    studio = Studio(workspace=tmp_path)
    project = studio.open(studio.save(read_otio(path), tmp_path / "items.tlproj"))  # through our own file
    out = write_otio(project, tmp_path / "out.otio")
    assert _metadata_of_every_kind(otio.adapters.read_from_file(str(out))) == expected
    # our own export, edited by the other tool (its metadata changed), comes back with the file's values
    edited = otio.adapters.read_from_file(str(out))
    edited.tracks[0][0].metadata["Resolve_OTIO"] = {"Link Group ID": "relinked"}
    again = write_otio(from_otio(edited), tmp_path / "again.otio")
    assert _without_ours(otio.adapters.read_from_file(str(again)).tracks[0][0]) == {
        "Resolve_OTIO": {"Link Group ID": "relinked"}
    }


# --- titles to Final Cut Pro X: gaps, said, not assets of invented files ----------------------------


def test_titles_go_to_fcpx_as_gaps(cam25: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    studio = Studio(workspace=tmp_path)
    project = studio.new_project("titles", width=64, height=48, frame_rate=25)
    project.tracks[0].append(studio.clip(cam25, 0, 10))
    project.tracks[0].append(TextClip(name="Card", text="Card", duration=RationalTime(5, 25)))
    project.tracks[0].append(studio.clip(cam25, 20, 10))
    project.add_track("video").append(TextClip(name="Title", text="Title", duration=RationalTime(12, 25)))
    with caplog.at_level("WARNING", logger="timeline_lab"):
        back = read_otio(write_otio(project, tmp_path / "cut.fcpxml"))  # was: media file /tmp/Title
    assert [(i.start.to_frames(), i.frames(Fraction(25))) for i in back.tracks[0].items] == [
        (0, 10),
        (15, 10),
    ]
    assert any('(titles) "Card", "Title" written as gaps' in r.getMessage() for r in caplog.records)
