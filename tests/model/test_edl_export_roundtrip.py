"""Our EDLs read back frame for frame (review h3, EDL items 1-5): at every project rate, with media at
other rates, speed changes, reverse and freezes, by our reader and by OpenTimelineIO's own.

OpenTimelineIO's writer summed float times (mixed-rate clips overlapped by a frame and failed to
re-import), floored source times onto the project's frames (a clip came back a frame early), wrote
speed spans divided by the speed, reverse from the wrong end, M2 lines in drop-frame timecode that
no reader took ('NoneType' object has no attribute 'group'), and numbered a 1,000th event past the
three-digit column."""

from __future__ import annotations

import logging
import math
import re
from fractions import Fraction
from pathlib import Path
from typing import Any

import opentimelineio as otio
import pytest

from timeline_lab.errors import ProjectFileError
from timeline_lab.interchange._edl import edl_text
from timeline_lab.interchange._edl_motion import read_drop_frame_motion
from timeline_lab.interchange.otio import _for_adapter, read_otio, to_otio, write_otio
from timeline_lab.media.synth import make_clip
from timeline_lab.model import Clip, Project
from timeline_lab.model.properties import Effect
from timeline_lab.studio import Studio

NTSC, NTSC60, FILM = Fraction(30000, 1001), Fraction(60000, 1001), Fraction(24000, 1001)
PROJECT_RATES = [FILM, Fraction(24), Fraction(25), NTSC, Fraction(50), NTSC60]
MEDIA_RATES = [FILM, Fraction(25), NTSC, Fraction(50)]
MEDIA_FRAMES = 150


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> dict[Fraction, Path]:
    folder = tmp_path_factory.mktemp("edl-export")
    return {
        r: make_clip(
            folder / f"m{r.numerator}_{r.denominator}.mp4",
            width=48,
            height=24,
            rate=r,
            frames=MEDIA_FRAMES,
            tag=k,
            audio=False,
        )
        for k, r in enumerate(MEDIA_RATES)
    }


def _with(clip: Clip, kind: str, **params: Any) -> Clip:
    return clip.model_copy(update={"effects": [Effect(kind=kind, params=params)]})


def _project(studio: Studio, rate: Fraction, files: list[Path], first: int) -> Project:
    """Cuts from ``first`` on, at speeds 1, 2, 1/2, reversed, reversed at 2 and frozen, from each file."""
    project = studio.new_project("rt", width=48, height=24, frame_rate=rate)
    v1 = project.tracks[0]
    for k, f in enumerate(files):
        at = first + 3 * k
        v1.append(studio.clip(f, at, 9))
        v1.append(studio.clip(f, at + 1, 16, speed=2))
        v1.append(studio.clip(f, at + 2, 5, speed=Fraction(1, 2)))
        v1.append(_with(studio.clip(f, at + 3, 7), "reverse"))
        v1.append(_with(studio.clip(f, at + 4, 12, speed=2), "reverse"))
        v1.append(_with(studio.clip(f, at + 5, 6), "freeze", frame=2))
    return project


def _frames(project: Project) -> list[tuple[str, int]]:
    """The media file and frame shown at every frame of the picture track."""
    r, shown = project.settings.frame_rate, []
    for c in project.tracks[0].items:
        assert isinstance(c, Clip)
        n, kinds = c.frames(r), {e.kind: e for e in c.effects if e.enabled}
        for k in range(n):
            if "freeze" in kinds:
                at = min(int(kinds["freeze"].params.get("frame", 0)), n - 1)
            else:
                at = n - 1 - k if "reverse" in kinds else k
            shown.append((Path(c.media.path).name, c.source_frame_at(at, r)))
    return shown


def _starts(project: Project) -> list[int]:
    r = project.settings.frame_rate
    return [c.start.to_frames(r) for c in project.tracks[0].items]


def _quiet() -> Any:
    logging.disable(logging.WARNING)
    return logging


@pytest.mark.parametrize("rate", PROJECT_RATES, ids=str)
@pytest.mark.parametrize("first", [0, 7, 13])
def test_every_frame_comes_back_through_our_reader(
    media: dict[Fraction, Path], tmp_path: Path, rate: Fraction, first: int
) -> None:
    """Exact wherever a project frame is no longer than the media's (a shorter media frame may hold
    no project frame to name it: then off by at most the media frames in a project frame)."""
    studio = Studio(workspace=tmp_path)
    files = [media[m] for m in MEDIA_RATES]
    project = _project(studio, rate, files, first)
    _quiet()
    try:
        back = read_otio(write_otio(project, tmp_path / "cut.edl"), rate=rate)
    finally:
        logging.disable(logging.NOTSET)
    assert _starts(back) == _starts(project)
    want, got = _frames(project), _frames(back)
    assert len(got) == len(want)
    rates = {media[m].name: m for m in MEDIA_RATES}
    for k, (w, g) in enumerate(zip(want, got, strict=True)):
        assert w[0] == g[0], k
        assert abs(g[1] - w[1]) <= (0 if rate >= rates[w[0]] else math.ceil(rates[w[0]] / rate)), (k, w, g)


@pytest.mark.parametrize("drop", [True, False], ids=["DF", "NDF"])
@pytest.mark.parametrize("rate", [NTSC, NTSC60], ids=str)
def test_drop_and_non_drop_frame_timecode_both_read_back(
    media: dict[Fraction, Path], tmp_path: Path, rate: Fraction, drop: bool
) -> None:
    studio = Studio(workspace=tmp_path)
    project = _project(studio, rate, [media[NTSC], media[Fraction(25)]], 11)
    tl = _for_adapter(to_otio(project), project, "cmx_3600", tmp_path / "x.edl")
    text = edl_text(tl, rate, tmp_path / "x.edl", drop_frame=drop)
    assert ("FCM: DROP FRAME" if drop else "FCM: NON-DROP FRAME") in text
    motion = [line for line in text.splitlines() if line.startswith("M2")]
    assert motion and all(
        re.fullmatch(r"M2   (.{8}|.{32})      [ -]\d{3}\.\d \d\d:\d\d:\d\d[:;]\d\d", m) for m in motion
    )
    assert all((";" in m) == drop for m in motion)
    (tmp_path / "x.edl").write_text(text)
    _quiet()
    try:
        back = read_otio(tmp_path / "x.edl", rate=rate)
    finally:
        logging.disable(logging.NOTSET)
    assert _starts(back) == _starts(project)
    assert _frames(back) == _frames(project)


@pytest.mark.parametrize("rate", PROJECT_RATES, ids=str)
def test_opentimelineios_reader_reads_the_same_cut(
    media: dict[Fraction, Path], tmp_path: Path, rate: Fraction
) -> None:
    """Its own reader (with our drop-frame M2 fix): every event where the model places the clip,
    source duration as record duration, each source in inside the first frame shown, the speed."""
    studio = Studio(workspace=tmp_path)
    project = _project(studio, rate, [media[m] for m in MEDIA_RATES], 5)
    read_drop_frame_motion()  # what our reader applies first: drop-frame M2 triggers read
    _quiet()
    try:
        text = write_otio(project, tmp_path / "cut.edl").read_text()
    finally:
        logging.disable(logging.NOTSET)
    tl = otio.adapters.read_from_string(text, "cmx_3600", rate=float(rate))
    video = next(t for t in tl.tracks if t.name == "V")
    clips = [c for c in video if isinstance(c, otio.schema.Clip)]
    items = project.tracks[0].items
    assert len(clips) == len(items)
    r = project.settings.frame_rate
    for clip, item in zip(clips, items, strict=True):
        assert isinstance(item, Clip)
        place = video.range_of_child(clip)
        assert (round(place.start_time.value), round(place.duration.value)) == (
            item.start.to_frames(r),
            item.frames(r),
        )
        kinds = {e.kind for e in item.effects}
        n, mrate = item.frames(r), item.media.rate
        at = (n - 1 if "reverse" in kinds else 0) if "freeze" not in kinds else 2
        f = item.source_frame_at(at, r)
        seconds = Fraction(clip.source_range.start_time.to_seconds()).limit_denominator(10**6)
        assert f <= seconds * mrate < f + 1 + Fraction(mrate, r), (item.name, f, float(seconds * mrate))
        warp = [e for e in clip.effects if isinstance(e, otio.schema.LinearTimeWarp)]
        if "freeze" in kinds:
            assert isinstance(warp[0], otio.schema.FreezeFrame)
        elif item.speed != 1 or "reverse" in kinds:
            want = float(item.speed) * (-1 if "reverse" in kinds else 1)
            assert warp[0].time_scalar == pytest.approx(want, abs=0.05 / float(r))
        else:
            assert not warp


def test_999_events_fit_and_more_are_refused_by_name(media: dict[Fraction, Path], tmp_path: Path) -> None:
    studio = Studio(workspace=tmp_path)
    project = studio.new_project("many", width=48, height=24, frame_rate=25)
    ref = studio.media(media[Fraction(25)])
    for k in range(999):
        project.tracks[0].append(studio.clip(ref, k % 100, 1))
    numbers = [
        line[:5]
        for line in write_otio(project, tmp_path / "ok.edl").read_text().splitlines()
        if line[:1].isdigit()
    ]
    assert numbers == [f"{n:03d}  " for n in range(1, 1000)]
    project.tracks[0].append(studio.clip(ref, 0, 1))
    with pytest.raises(ProjectFileError, match=r"1000 events .* at most 999"):
        write_otio(project, tmp_path / "many.edl")


def test_timeline_markers_left_out_are_named(
    media: dict[Fraction, Path], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from timeline_lab.model import Marker, RationalTime

    studio = Studio(workspace=tmp_path)
    project = studio.new_project("m", width=48, height=24, frame_rate=25)
    project.tracks[0].append(studio.clip(media[Fraction(25)], 0, 10))
    project.add_marker(Marker(time=RationalTime.from_frames(3, 25), name="Intro"))
    with caplog.at_level(logging.WARNING):
        write_otio(project, tmp_path / "m.edl")
    assert 'marker(s) "Intro" left out' in caplog.text


@pytest.mark.parametrize("body", ["cam      ???? 00:00:01;10", "cam      050.0 01:02", "cam"])
def test_an_unreadable_motion_line_is_named(media: dict[Fraction, Path], tmp_path: Path, body: str) -> None:
    f = media[NTSC]
    edl = tmp_path / "bad.edl"
    edl.write_text(
        "TITLE: bad\nFCM: DROP FRAME\n\n"
        "001  cam      V     C        00:00:00;00 00:00:00;20 00:00:00;00 00:00:00;10\n"
        f"M2   {body}\n* FROM CLIP: {f.as_uri()}\n"
    )
    with pytest.raises(ProjectFileError, match=re.escape(f"'M2 {body}'")):
        read_otio(edl)
