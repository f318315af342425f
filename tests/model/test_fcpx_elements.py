"""FCPX XML as Final Cut 10.4-10.7 writes it (review h3, interchange items 1-6): files named in
``<media-rep>`` (1.9+), titles, generators, multicams, sync-clips, ``srcEnable``, ``<timeMap>``,
``<chapter-marker>``, ``audioStart``/``audioDuration`` and ``.fcpxmld`` bundles, each checked against
the times the XML says, at 23.976, 25 and 29.97 and in versions 1.8 to 1.11."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest

from timeline_lab.errors import ProjectFileError
from timeline_lab.interchange.otio import read_otio
from timeline_lab.media.synth import make_clip
from timeline_lab.model import Clip, Project
from timeline_lab.model.items import TextClip
from timeline_lab.studio import Studio

RATES = [Fraction(24000, 1001), Fraction(25), Fraction(30000, 1001)]
VERSIONS = ["1.8", "1.9", "1.10", "1.11"]
H = 3600  # the camera clock and the sequence start at 01:00:00:00


def _t(frames: int | Fraction, rate: Fraction) -> str:
    s = Fraction(frames) / rate
    return f"{s.numerator}s" if s.denominator == 1 else f"{s.numerator}/{s.denominator}s"


def _asset(aid: str, path: Path, rate: Fraction, version: str, start: int = 0) -> str:
    """An asset of 240 frames from ``start``; 1.9+ names its file in ``<media-rep>`` as Final Cut does."""
    head = f'<asset id="{aid}" name="{path.stem}" start="{_t(start, rate)}" duration="{_t(240, rate)}" '
    head += 'hasVideo="1" hasAudio="1" format="r1" audioChannels="2" audioRate="48000"'
    if version == "1.8":
        return f'{head} src="{path.as_uri()}"/>'
    return f'{head}><media-rep kind="original-media" sig="x" src="{path.as_uri()}"/></asset>'


def _doc(tmp_path: Path, rate: Fraction, spine: str, *, version: str = "1.10", extra: str = "") -> Path:
    a = make_clip(tmp_path / "a.mp4", width=64, height=48, rate=rate, frames=240, tag=1)
    c = make_clip(tmp_path / "c.mp4", width=64, height=48, rate=rate, frames=240, tag=2)
    start = round(H * rate)
    res = f'<format id="r1" frameDuration="{_t(1, rate)}" width="160" height="120"/>'
    res += _asset("r2", a, rate, version, start) + _asset("r3", c, rate, version) + extra
    seq = f'<sequence format="r1" duration="{_t(96, rate)}" tcStart="{_t(start, rate)}">'
    seq += f"<spine>{spine}</spine></sequence>"
    path = tmp_path / "cut.fcpxml"
    path.write_text(
        f'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE fcpxml>\n<fcpxml version="{version}">'
        f'<resources>{res}</resources><library><event name="ev"><project name="p">{seq}'
        "</project></event></library></fcpxml>"
    )
    return path


def _layout(project: Project) -> list[tuple[str, str, int, int | None, int, float | None]]:
    """(track kind, name, start, source frame, frames, volume) of every item, at the project rate."""
    r = project.settings.frame_rate
    out = []
    for t in project.tracks:
        for i in t.items:
            src = i.source_range.start.to_frames(i.source_range.start.rate) if isinstance(i, Clip) else None
            out.append((t.kind, i.name, i.start.to_frames(r), src, i.frames(r), getattr(i, "volume", None)))
    return out


def _at(rate: Fraction, frames: int) -> str:
    """A time on the sequence's (and camera's) clock: ``frames`` after 01:00:00:00."""
    return _t(round(H * rate) + frames, rate)


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("rate", RATES)
def test_media_named_in_media_rep_is_found(tmp_path: Path, version: str, rate: Fraction) -> None:
    spine = (
        f'<asset-clip ref="r2" offset="{_at(rate, 0)}" name="a" start="{_at(rate, 24)}" '
        f'duration="{_t(48, rate)}"/>'
        f'<asset-clip ref="r3" offset="{_at(rate, 48)}" name="c" start="{_t(10, rate)}" '
        f'duration="{_t(48, rate)}"/>'
    )
    project = read_otio(_doc(tmp_path, rate, spine, version=version))
    assert _layout(project) == [("video", "a", 0, 24, 48, 1.0), ("video", "c", 48, 10, 48, 1.0)]
    assert "import_notes" not in project.metadata
    # the sequence's format, not its media's size (64x48): a 4K camera in an HD timeline stays HD
    assert (project.settings.width, project.settings.height) == (160, 120)


def test_a_proxy_is_the_last_resort(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    rate = Fraction(25)
    path = _doc(tmp_path, rate, f'<asset-clip ref="r3" offset="{_at(rate, 0)}" name="c" duration="1s"/>')
    path.write_text(path.read_text().replace('kind="original-media"', 'kind="proxy-media"'))
    project = read_otio(path)
    assert [i.name for t in project.tracks for i in t.items] == ["c"]
    assert "names only its proxy media" in caplog.text


@pytest.mark.parametrize("rate", RATES)
def test_titles_generators_and_unknown_elements(tmp_path: Path, rate: Fraction) -> None:
    extra = '<effect id="r4" name="Basic Title" uid=".../Basic Title.moti"/>'
    extra += '<effect id="r5" name="Custom" uid="x"/>'
    spine = (
        f'<asset-clip ref="r2" offset="{_at(rate, 0)}" name="A" start="{_at(rate, 24)}" '
        f'duration="{_t(24, rate)}">'
        f'<title ref="r4" lane="1" offset="{_at(rate, 30)}" name="T" start="3600s" duration="{_t(12, rate)}">'
        '<text><text-style ref="ts1">Hello</text-style></text></title>'
        f'<title ref="r4" lane="2" offset="{_at(rate, 24)}" name="Empty" '
        f'duration="{_t(6, rate)}"/></asset-clip>'
        f'<video ref="r5" offset="{_at(rate, 24)}" name="Solid" start="3600s" duration="{_t(24, rate)}"/>'
        f'<audition offset="{_at(rate, 48)}"><asset-clip ref="r3" offset="{_at(rate, 48)}" name="x" '
        f'duration="{_t(24, rate)}"/></audition>'
        f'<asset-clip ref="r3" offset="{_at(rate, 72)}" name="C" start="{_t(10, rate)}" '
        f'duration="{_t(24, rate)}"/>'
    )
    project = read_otio(_doc(tmp_path, rate, spine, extra=extra))
    assert _layout(project) == [
        ("video", "A", 0, 24, 24, 1.0),
        ("video", "C", 72, 10, 24, 1.0),
        ("video", "T", 6, None, 12, None),
    ]
    (title,) = [i for t in project.tracks for i in t.items if isinstance(i, TextClip)]
    assert title.text == "Hello"
    notes = " | ".join(project.metadata["import_notes"])
    for said in ('FCPX generator "Custom"', 'FCPX title (no text) "Basic Title"', "FCPX <audition> element"):
        assert said in notes


@pytest.mark.parametrize("rate", RATES)
@pytest.mark.parametrize(("sources", "found"), [("all", None), ("video", "sound"), ("missing", "gap")])
def test_a_multicam_shows_its_active_angles(
    tmp_path: Path, rate: Fraction, sources: str, found: str | None
) -> None:
    angles = (
        f'<mc-angle name="A" angleID="angA"><asset-clip ref="r2" offset="0s" start="{_at(rate, 0)}" '
        f'duration="{_t(240, rate)}"/></mc-angle><mc-angle name="B" angleID="angB"><asset-clip ref="r3" '
        f'offset="0s" start="0s" duration="{_t(240, rate)}"/></mc-angle>'
    )
    extra = f'<media id="r6" name="MC"><multicam format="r1" tcStart="0s">{angles}</multicam></media>'
    mc = {
        "all": '<mc-source angleID="angB" srcEnable="all"/>',
        "video": '<mc-source angleID="angB" srcEnable="video"/><mc-source angleID="angA" srcEnable="audio"/>',
        "missing": '<mc-source angleID="nope" srcEnable="all"/>',
    }[sources]
    spine = (
        f'<asset-clip ref="r2" offset="{_at(rate, 0)}" name="A" start="{_at(rate, 24)}" '
        f'duration="{_t(48, rate)}"/>'
        f'<mc-clip ref="r6" offset="{_at(rate, 48)}" name="MC" start="{_t(30, rate)}" '
        f'duration="{_t(24, rate)}">'
        f"{mc}</mc-clip>"
    )
    project = read_otio(_doc(tmp_path, rate, spine, extra=extra))
    layout = _layout(project)
    if found == "gap":
        assert layout == [("video", "A", 0, 24, 48, 1.0)]
        assert 'multicam clip (angle "nope" not found)' in project.metadata["import_notes"][0]
    elif found == "sound":  # B's picture over A's sound
        assert layout == [
            ("video", "A", 0, 24, 48, 1.0),
            ("video", "MC", 48, 30, 24, 0.0),
            ("audio", "MC", 48, 30, 24, 1.0),
        ]
        assert [t.items[0].media.path for t in project.tracks if t.kind == "audio"] == [
            str(tmp_path / "a.mp4")
        ]
    else:
        assert layout == [("video", "A", 0, 24, 48, 1.0), ("video", "MC", 48, 30, 24, 1.0)]


@pytest.mark.parametrize("rate", RATES)
def test_a_sync_clip_shows_its_contents_within_its_bounds(tmp_path: Path, rate: Fraction) -> None:
    spine = (
        f'<asset-clip ref="r2" offset="{_at(rate, 0)}" name="A" start="{_at(rate, 24)}" '
        f'duration="{_t(48, rate)}"/>'
        f'<sync-clip offset="{_at(rate, 48)}" name="S" start="{_t(30, rate)}" '
        f'duration="{_t(24, rate)}"><spine>'
        f'<asset-clip ref="r3" offset="0s" name="C" start="0s" duration="{_t(240, rate)}"/></spine>'
        f'<asset-clip ref="r2" lane="-1" offset="{_t(20, rate)}" name="rec" start="{_at(rate, 0)}" '
        f'duration="{_t(20, rate)}" srcEnable="audio"/></sync-clip>'
    )
    project = read_otio(_doc(tmp_path, rate, spine))
    # the recorder's sound: local 20..40, shown 30..40 -> timeline 48..58, source frames 10..20
    assert _layout(project) == [
        ("audio", "rec", 48, 10, 10, 1.0),
        ("video", "A", 0, 24, 48, 1.0),
        ("video", "C", 48, 30, 24, 1.0),
    ]


@pytest.mark.parametrize("rate", RATES)
def test_detached_audio_is_heard_once(tmp_path: Path, rate: Fraction) -> None:
    spine = (
        f'<asset-clip ref="r2" offset="{_at(rate, 0)}" name="A" start="{_at(rate, 24)}" '
        f'duration="{_t(48, rate)}" '
        f'srcEnable="video"><asset-clip ref="r2" lane="-1" offset="{_at(rate, 24)}" name="A" '
        f'start="{_at(rate, 24)}" duration="{_t(48, rate)}" srcEnable="audio"/></asset-clip>'
    )
    project = read_otio(_doc(tmp_path, rate, spine))
    assert _layout(project) == [("audio", "A", 0, 24, 48, 1.0), ("video", "A", 0, 24, 48, 0.0)]


@pytest.mark.parametrize("rate", RATES)
@pytest.mark.parametrize(
    ("points", "speed", "reverse", "source"),
    [
        ([(10, 10), (58, 34)], Fraction(1, 2), False, 10),
        ([(0, 0), (24, 48)], Fraction(2), False, 20),
        ([(10, 58), (58, 10)], Fraction(1), True, 10),
    ],
)
def test_a_time_map_is_a_speed(
    tmp_path: Path, rate: Fraction, points: list[tuple[int, int]], speed: Fraction, reverse: bool, source: int
) -> None:
    pts = "".join(f'<timept time="{_t(t, rate)}" value="{_t(v, rate)}" interp="smooth2"/>' for t, v in points)
    spine = (
        f'<asset-clip ref="r3" offset="{_at(rate, 0)}" name="C" start="{_t(10, rate)}" '
        f'duration="{_t(48, rate)}">'
        f"<timeMap>{pts}</timeMap></asset-clip>"
    )
    project = read_otio(_doc(tmp_path, rate, spine))
    (clip,) = project.tracks[0].items
    assert isinstance(clip, Clip)
    assert (clip.speed, any(e.kind == "reverse" for e in clip.effects)) == (speed, reverse)
    assert clip.source_range.start.to_frames(rate, "nearest") == source
    assert clip.frames(rate) == 48 and "import_notes" not in project.metadata


@pytest.mark.parametrize("rate", RATES)
def test_a_time_map_of_several_points_is_a_ramp(tmp_path: Path, rate: Fraction) -> None:
    pts = [(0, 0), (24, 12), (48, 60)]  # half speed for 24 frames, then double
    tm = "".join(f'<timept time="{_t(t, rate)}" value="{_t(v, rate)}" interp="linear"/>' for t, v in pts)
    spine = f'<asset-clip ref="r3" offset="{_at(rate, 0)}" name="C" duration="{_t(48, rate)}">'
    spine += f"<timeMap>{tm}</timeMap></asset-clip>"
    project = read_otio(_doc(tmp_path, rate, spine))
    (clip,) = project.tracks[0].items
    assert isinstance(clip, Clip)
    assert [(k.time.to_frames(rate, "nearest"), k.value) for k in clip.keyframes["speed"]] == [
        (0, 0.5),
        (12, 2.0),
    ]
    assert clip.source_range.duration.to_frames(rate, "nearest") == 60
    assert abs(clip.frames(rate) - 48) <= 1


@pytest.mark.parametrize("rate", RATES)
def test_chapter_markers_and_expanded_audio(tmp_path: Path, rate: Fraction) -> None:
    spine = (
        f'<asset-clip ref="r3" offset="{_at(rate, 0)}" name="C" start="{_t(10, rate)}" '
        f'duration="{_t(48, rate)}"/>'
        f'<asset-clip ref="r2" offset="{_at(rate, 48)}" name="A" start="{_at(rate, 24)}" '
        f'duration="{_t(48, rate)}" '
        f'audioStart="{_at(rate, 12)}" audioDuration="{_t(60, rate)}">'
        f'<marker start="{_at(rate, 30)}" duration="{_t(1, rate)}" value="todo" completed="0"/>'
        f'<chapter-marker start="{_at(rate, 40)}" duration="{_t(1, rate)}" value="Chapter 1" '
        'posterOffset="0s"/>'
        "</asset-clip>"
    )
    project = read_otio(_doc(tmp_path, rate, spine))
    assert _layout(project) == [
        ("video", "C", 0, 10, 48, 1.0),
        ("video", "A", 48, 24, 48, 0.0),  # its sound plays from 12 frames before its picture
        ("audio", "A", 36, 12, 60, 1.0),
    ]
    r = project.settings.frame_rate
    assert [(m.name, m.time.to_frames(r), m.duration.to_frames(r)) for m in project.markers] == [
        ("todo", 54, 1),
        ("Chapter 1", 64, 0),  # a point marker: a chapter of the render
    ]


def test_a_bundle_opens_its_info_fcpxml(tmp_path: Path) -> None:
    rate = Fraction(25)
    bundle = tmp_path / "Cut.fcpxmld"
    bundle.mkdir()
    spine = f'<asset-clip ref="r3" offset="{_at(rate, 0)}" name="c" start="0s" duration="1s"/>'
    _doc(tmp_path, rate, spine).rename(bundle / "Info.fcpxml")
    project = Studio(workspace=tmp_path).open(bundle)
    assert [i.name for t in project.tracks for i in t.items] == ["c"]
    (tmp_path / "Empty.fcpxmld").mkdir()
    with pytest.raises(ProjectFileError, match=r"Empty\.fcpxmld: .*Info\.fcpxml"):
        Studio(workspace=tmp_path).open(tmp_path / "Empty.fcpxmld")
