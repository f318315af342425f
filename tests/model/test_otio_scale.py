"""OpenTimelineIO import at scale: linear in the clips and transitions, the bounds scan at C speed."""

from __future__ import annotations

import gc
import json
import time
from fractions import Fraction
from pathlib import Path

import opentimelineio as otio
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from timeline_lab.interchange import _otio_timecode
from timeline_lab.interchange.otio import MAX_OTIO_DEPTH, _check_bounds, _deepest, read_otio, write_otio
from timeline_lab.interchange.otio_import import from_otio
from timeline_lab.media.reference import reference_for
from timeline_lab.media.synth import make_clip
from timeline_lab.model import Clip, MediaReference, Project, ProjectSettings, TimeRange

from .test_otio_timecode import _timecoded

ORT, OTR = otio.opentime.RationalTime, otio.opentime.TimeRange
HOUR = 3600 * 24  # 01:00:00:00 at 24 fps


@pytest.fixture(scope="module")
def cam(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_clip(
        tmp_path_factory.mktemp("otio-scale") / "cam.mp4", width=64, height=48, rate=24, frames=48
    )


def _timeline(cam: Path, clips: int, *, gap_every: int = 0) -> otio.schema.Timeline:
    """One track of ``clips`` clips, a dissolve at every cut (a fade in after each gap)."""
    tl = otio.schema.Timeline(name="long", global_start_time=ORT(0, 24))
    track = otio.schema.Track(name="V1")
    for k in range(clips):
        if gap_every and k % gap_every == 0:
            track.append(otio.schema.Gap(source_range=OTR(ORT(0, 24), ORT(3, 24))))
        if k:
            track.append(otio.schema.Transition(in_offset=ORT(1, 24), out_offset=ORT(1, 24)))
        ref = otio.schema.ExternalReference(
            target_url=cam.as_uri(), available_range=OTR(ORT(0, 24), ORT(48, 24))
        )
        track.append(
            otio.schema.Clip(name=f"c{k}", media_reference=ref, source_range=OTR(ORT(4, 24), ORT(8, 24)))
        )
    tl.tracks.append(track)
    return tl


def _cpu(fn: object) -> float:
    gc.collect()
    t0 = time.process_time()
    fn()  # type: ignore[operator]
    return time.process_time() - t0


@pytest.mark.parametrize("gap_every", [0, 3, 7])
def test_each_transition_links_the_item_after_it(cam: Path, gap_every: int) -> None:
    project = from_otio(_timeline(cam, 40, gap_every=gap_every))
    track = project.tracks[0]
    ids = [item.id for item in track.items]
    assert len(track.transitions) == 39
    for tr in track.transitions:  # each ends on the clip after its start, none left waiting
        assert tr.to_clip in ids
        assert tr.from_clip is None or ids.index(tr.to_clip) == ids.index(tr.from_clip) + 1


@pytest.mark.slow
def test_import_time_grows_linearly_with_clips_and_transitions(cam: Path) -> None:
    """4x the clips (a dissolve at each cut) takes about 4x the CPU; each item looked at every
    transition of its track before (4000 clips: 4.2 s CPU, 1000: 0.64 s, a ratio of 6.6)."""
    small, big = _timeline(cam, 1000), _timeline(cam, 4000)
    from_otio(_timeline(cam, 20))  # warm: media probed, modules imported
    gc.disable()
    try:
        ratio = _cpu(lambda: from_otio(big)) / _cpu(lambda: from_otio(small))
    finally:
        gc.enable()
    assert ratio < 5.5


def _deepest_by_byte(data: bytes) -> int:
    """The reference: the byte-by-byte scan _check_bounds made before (brackets outside strings)."""
    depth = deepest = 0
    in_string = escaped = False
    for byte in data:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:
                escaped = True
            elif byte == 0x22:
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):
            depth += 1
            deepest = max(deepest, depth)
        elif byte in (0x5D, 0x7D):
            depth -= 1
    return deepest


@settings(max_examples=400, deadline=None)
@given(
    st.lists(
        st.sampled_from([b"[", b"]", b"{", b"}", b'"', b"\\", b"a", b" ", b"\n", "é".encode()]), max_size=80
    )
)
def test_the_depth_is_the_byte_scans_for_any_bytes(parts: list[bytes]) -> None:
    """Brackets in strings, escaped quotes, strings left open, closers first: as the byte scan counts."""
    data = b"".join(parts)
    assert _deepest(data) == _deepest_by_byte(data)


@pytest.mark.parametrize(
    ("text", "refused"),
    [
        ("[" * MAX_OTIO_DEPTH + "]" * MAX_OTIO_DEPTH, False),
        ("[" * (MAX_OTIO_DEPTH + 1) + "]" * (MAX_OTIO_DEPTH + 1), True),
        ("{" * 100 + "[" * 101 + "]" * 101 + "}" * 100, True),
        ('"' + "[" * 500 + '"', False),
        ('"\\"' + "[" * 500 + '"', False),  # an escaped quote keeps the string open
        ('"\\\\"' + "[" * 500, True),  # an escaped backslash does not
        ('"open' + "[" * 500, False),  # a string never closed
        ("]" * 50 + "[" * (MAX_OTIO_DEPTH + 1), False),  # closers first count down, as they did
        ("]" * 50 + "[" * (MAX_OTIO_DEPTH + 51), True),
    ],
)
def test_the_depth_refusal_names_the_file(tmp_path: Path, text: str, refused: bool) -> None:
    path = tmp_path / "deep.otio"
    path.write_text(text, "utf-8")
    if refused:
        with pytest.raises(Exception, match=f"deep.otio: nested more than {MAX_OTIO_DEPTH} levels deep"):
            _check_bounds(path)
    else:
        _check_bounds(path)


def test_the_bounds_scan_costs_about_a_json_parse(cam: Path, tmp_path: Path) -> None:
    """The scan before OpenTimelineIO's reader is no slower than parsing the JSON (it walked each
    byte in Python: ~45 ms a MiB, 7x json.loads)."""
    path = tmp_path / "long.otio"
    otio.adapters.write_to_file(_timeline(cam, 3000), str(path))
    data = path.read_bytes()
    parse = min(_cpu(lambda: json.loads(data)) for _ in range(3))
    scan = min(_cpu(lambda: _check_bounds(path)) for _ in range(3))
    assert scan < 3 * parse


@pytest.fixture(scope="module")
def two_files(tmp_path_factory: pytest.TempPathFactory) -> list[MediaReference]:
    """A camera file starting at 01:00:00:00 and a plain one (from 0), 24 fps."""
    folder = tmp_path_factory.mktemp("otio-export-scale")
    plain = make_clip(folder / "b.mp4", width=64, height=48, rate=24, frames=30, audio=False)
    return [reference_for(_timecoded(folder, Fraction(24), "01:00:00:00")), reference_for(plain)]


@pytest.mark.parametrize("clips", [20, 200])
@pytest.mark.parametrize("files", [1, 2])
def test_an_export_reads_each_files_timecode_once(
    two_files: list[MediaReference], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, clips: int, files: int
) -> None:
    """Each clip's source times are on its file's clock, the file probed once an export, not once a
    clip (16,000 clips of one file: 8.7 s, half of it probing)."""
    project = Project(name="long", settings=ProjectSettings(frame_rate=Fraction(24)))
    track = project.add_track("video")
    for k in range(clips):
        media = two_files[k % files]
        track.append(Clip(media=media, source_range=TimeRange.from_frames(k % 20, 5, 24)))
    probes: list[str] = []
    real = _otio_timecode.probe
    monkeypatch.setattr(
        _otio_timecode, "probe", lambda path, *a, **k: probes.append(path) or real(path, *a, **k)
    )
    out = write_otio(project, tmp_path / "long.otio")
    assert len(probes) <= files
    starts = [
        c.source_range.start_time.to_frames() for c in otio.adapters.read_from_file(str(out)).find_clips()
    ]
    assert starts == [(HOUR if k % files == 0 else 0) + k % 20 for k in range(clips)]


@pytest.mark.parametrize("foreign", [0, 1, 5])
def test_only_other_tools_metadata_is_serialized_to_be_kept(
    two_files: list[MediaReference], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, foreign: int
) -> None:
    """Objects holding our metadata alone (every one we wrote) skip the JSON round trip that keeps
    other tools' data (about a sixth of a long import); those with another tool's still keep it."""
    project = Project(name="long", settings=ProjectSettings(frame_rate=Fraction(24)))
    track = project.add_track("video")
    for k in range(12):
        track.append(Clip(media=two_files[1], source_range=TimeRange.from_frames(k, 5, 24)))
    path = write_otio(project, tmp_path / "ours.otio")
    tl = otio.adapters.read_from_file(str(path))
    for k, clip in enumerate(tl.find_clips()[:foreign]):
        clip.metadata["resolve"] = {"colour": f"c{k}"}
    otio.adapters.write_to_file(tl, str(path))
    made: list[object] = []
    real = otio.core.SerializableObjectWithMetadata
    monkeypatch.setattr(
        otio.core, "SerializableObjectWithMetadata", lambda **kw: made.append(kw) or real(**kw)
    )
    again = read_otio(path)
    assert len(made) == foreign
    kept = again.metadata.get("otio_items", {})
    assert [kept[item.id] for item in again.tracks[0].items[:foreign]] == [
        {"resolve": {"colour": f"c{k}"}} for k in range(foreign)
    ]
    assert len(kept) == foreign
