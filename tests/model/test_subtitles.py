"""Tests for timeline_lab/model/subtitles.py: SRT/VTT parsing, writing, and subtitle tracks."""

from __future__ import annotations

import re
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import pytest

from timeline_lab.errors import ProjectError, ProjectFileError
from timeline_lab.model import Project, ProjectSettings, RationalTime, TextClip, TextStyle, Track
from timeline_lab.model.subtitles import (
    Cue,
    cues_to_text_clips,
    export_subtitles,
    import_subtitles,
    parse_srt,
    parse_vtt,
    read_subtitles,
    write_srt,
    write_vtt,
)

NTSC = Fraction(30000, 1001)


def ms(n: int) -> RationalTime:
    return RationalTime(n, 1000)


def cue(start: int, end: int, text: str = "x") -> Cue:
    return Cue(ms(start), ms(end), text)


SRT = (
    "\ufeff1\r\n"
    "00:00:01,000 --> 00:00:02,500\r\n"
    "<i>Hello</i> there\r\n"
    "\r\n"
    "2\r\n"
    "00:00:03,250 --> 00:00:05,000 X1:10 X2:100 Y1:10 Y2:50\r\n"
    "{\\an8}First line\r\n"
    '<font color="#ff0000">second</font> <b>line</b>\r\n'
    "\r\n"
    "\r\n"
    "3\r\n"
    "01:02:03.4 --> 01:02:04.045\r\n"
    "a < b and c > d\r\n"
)

VTT = (
    "\ufeffWEBVTT - demo captions\n"
    "Kind: captions\n"
    "Language: en\n"
    "\n"
    "STYLE\n"
    "::cue { color: yellow }\n"
    "\n"
    "NOTE this block\n"
    "spans two lines --> and is skipped\n"
    "\n"
    "intro\n"
    "00:01.000 --> 00:02.500 align:start position:10%\n"
    "<v Bob>Hi</v> &amp; welcome\n"
    "\n"
    "00:00:03.000 --> 00:00:04.000\n"
    "<c.yellow>Two</c>\n"
    "<00:00:03.500>lines\n"
    "\n"
    "NOTE\n"
    "\n"
    "3\n"
    "01:00:00.000 --> 01:00:00.001\n"
    "&lt;tag&gt;\n"
)


# --- parsing ------------------------------------------------------------------------------------


def test_parse_srt_real_world_sample() -> None:
    cues = parse_srt(SRT)
    assert cues == [
        cue(1000, 2500, "Hello there"),
        cue(3250, 5000, "First line\nsecond line"),
        cue(3_723_400, 3_724_045, "a < b and c > d"),
    ]
    for c in cues:
        assert c.start.rate == 1000
        assert c.end.rate == 1000
    assert cues[0].start.strictly_equal(ms(1000))


def test_parse_srt_without_cue_numbers_or_trailing_newline() -> None:
    assert parse_srt("00:00:00,040 --> 00:00:00,080\nA\n\n00:00:01,000 --> 00:00:02,000\nB") == [
        cue(40, 80, "A"),
        cue(1000, 2000, "B"),
    ]


def test_parse_vtt_real_world_sample() -> None:
    assert parse_vtt(VTT) == [
        cue(1000, 2500, "Hi & welcome"),
        cue(3000, 4000, "Two\nlines"),
        cue(3_600_000, 3_600_001, "<tag>"),
    ]


def test_parse_vtt_header_only() -> None:
    assert parse_vtt("WEBVTT\n") == []
    assert parse_srt("") == []


@pytest.mark.parametrize(
    ("parse", "text", "expected"),
    [
        (parse_srt, "1\n00:00:01,000 -> x\nHi\n", "line 2: bad timing '00:00:01,000 -> x'"),
        (parse_srt, "1\n00:00:01,000 --> \nHi\n", "line 2: bad timing"),
        (parse_srt, "1\n00:61:01,000 --> 00:62:00,000\nHi\n", "line 2: bad timing"),
        (parse_srt, "1\n00:00:01 --> 00:00:02\nHi\n", "line 2: bad timing"),
        (parse_srt, "Just some text\n", "line 1: bad timing 'Just some text'"),
        (parse_srt, "1\n00:00:00,000 --> 00:00:01,000\nA\n\n2\n", "line 5: cue 2 has no timing line"),
        (
            parse_srt,
            "1\n00:00:00,000 --> 00:00:01,000\nA\n\n2\n00:00:03,000 --> 00:00:02,000\nB\n",
            "line 6: cue ends at 00:00:02,000, not after its start 00:00:03,000",
        ),
        (parse_srt, "1\n00:00:01,000 --> 00:00:01,000\nA\n", "line 2: cue ends at"),
        (parse_vtt, "00:01.000 --> 00:02.000\nHi\n", "line 1: missing WEBVTT header"),
        (parse_vtt, "\nWEBVTT\n", "line 1: missing WEBVTT header"),
        (parse_vtt, "WEBVTTX\n", "line 1: missing WEBVTT header"),
        (parse_vtt, "WEBVTT\n00:01.000 --> 00:02.000\nHi\n", "line 2: a blank line must separate"),
        (parse_vtt, "WEBVTT\n\nonly-an-id\n", "line 3: cue 'only-an-id' has no timing line"),
        (
            parse_vtt,
            "WEBVTT\n\nid\n00:xx.000 --> 00:02.000\n",
            "line 4: bad timing '00:xx.000 --> 00:02.000'",
        ),
        (parse_vtt, "WEBVTT\n\n00:05.000 --> 00:02.000\nHi\n", "line 3: cue ends at 00:02.000"),
    ],
)
def test_malformed_input_names_source_and_line(
    parse: Callable[..., list[Cue]], text: str, expected: str
) -> None:
    with pytest.raises(ProjectFileError, match=r"^subs line") as info:
        parse(text, source="subs")
    assert expected in str(info.value)


def test_error_message_example_from_the_spec() -> None:
    text = "1\n00:00:00,000 --> 00:00:01,000\nA\nB\n\n2\n00:00:01,000 -> x\nC\n"
    with pytest.raises(ProjectFileError) as info:
        parse_srt(text, source="subs.srt")
    assert str(info.value) == "subs.srt line 7: bad timing '00:00:01,000 -> x'"


def test_cue_refuses_end_before_start() -> None:
    with pytest.raises(ValueError, match="not after start"):
        cue(10, 10)


# --- files --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        ("a.srt", SRT.encode("utf-8"), 3),
        ("A.SRT", SRT.removeprefix("\ufeff").encode("utf-8-sig"), 3),
        ("b.vtt", VTT.encode("utf-8"), 3),
        ("c.srt", SRT.encode("utf-16"), 3),
    ],
)
def test_read_subtitles_by_suffix(tmp_path: Path, name: str, data: bytes, expected: int) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    cues = read_subtitles(path)
    assert len(cues) == expected
    assert cues[0].start == ms(1000)


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        ("x.ass", b"[Script Info]\n", "unsupported subtitle format '.ass'"),
        ("x.srt", b"1\n00:00:00,000 --> 00:00:01,000\nCaf\xe9\n", "x.srt line 3: not UTF-8"),
        ("x.srt", b"1\n00:00:00,000 --> nope\nA\n", "x.srt line 2: bad timing"),
        ("x.vtt", b"\xef\xbb\xbf1\n", "x.vtt line 1: missing WEBVTT header"),
    ],
)
def test_read_subtitles_errors_name_the_file(tmp_path: Path, name: str, data: bytes, expected: str) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(ProjectFileError, match=expected):
        read_subtitles(path)


def test_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ProjectFileError, match=re.escape("gone.srt: cannot read subtitles")):
        read_subtitles(tmp_path / "gone.srt")


CUES = [
    cue(0, 1001, "One"),
    cue(1001, 2002, "Two\nlines & 1 < 2 > 0"),
    cue(3_723_004, 3_800_000, "Late"),
]


@pytest.mark.parametrize(("write", "suffix"), [(write_srt, ".srt"), (write_vtt, ".vtt")])
def test_write_then_read_round_trips(tmp_path: Path, write: Callable[..., Path], suffix: str) -> None:
    path = write(CUES, tmp_path / f"out{suffix}")
    back = read_subtitles(path)
    assert back == CUES
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # atomic: no temp file left


def test_written_files_look_standard(tmp_path: Path) -> None:
    srt = write_srt(CUES[:2], tmp_path / "a.srt").read_text("utf-8")
    assert srt.startswith("1\n00:00:00,000 --> 00:00:01,001\nOne\n\n2\n00:00:01,001 --> 00:00:02,002\n")
    vtt = write_vtt(CUES[1:2], tmp_path / "a.vtt").read_text("utf-8")
    assert vtt == "WEBVTT\n\n00:00:01.001 --> 00:00:02.002\nTwo\nlines &amp; 1 &lt; 2 &gt; 0\n"


def test_write_rounds_to_the_millisecond_and_drops_blank_lines(tmp_path: Path) -> None:
    odd = Cue(RationalTime(1, NTSC), RationalTime(2, NTSC), "a\n\nb")
    text = write_srt([odd], tmp_path / "r.srt").read_text("utf-8")
    assert text == "1\n00:00:00,033 --> 00:00:00,067\na\nb\n"


# --- timeline -----------------------------------------------------------------------------------


def frames(clip: TextClip, rate: Fraction = NTSC) -> tuple[int, int]:
    first = clip.start.to_frames(rate)
    assert clip.start.is_frame_aligned(rate)
    return first, clip.frames(rate)


def test_cues_snap_to_the_nearest_ntsc_frame() -> None:
    # 1.000 s = 29.97 frames -> 30; 2.500 s = 74.925 -> 75; 2.517 s = 75.43 -> 75
    clips = cues_to_text_clips([cue(1000, 2500, "A"), cue(2517, 4000, "B")], NTSC)
    assert [frames(c) for c in clips] == [(30, 45), (75, 45)]
    assert clips[0].start.strictly_equal(RationalTime(30, NTSC))
    assert clips[0].duration.strictly_equal(RationalTime(45, NTSC))
    assert [c.text for c in clips] == ["A", "B"]


def test_overlapping_cues_keep_both_the_next_starting_where_the_previous_ends() -> None:
    clips = cues_to_text_clips([cue(1500, 3000, "B"), cue(0, 2000, "A")], NTSC)
    assert [(c.text, frames(c)) for c in clips] == [("A", (0, 60)), ("B", (60, 30))]


def test_cues_left_with_no_frames_are_dropped() -> None:
    cues = [
        cue(0, 4000, "long"),
        cue(1000, 2000, "inside the previous one"),
        cue(5000, 5010, "shorter than half a frame"),
        cue(6000, 7000, "   "),
        cue(8000, 9000, "kept"),
    ]
    assert [c.text for c in cues_to_text_clips(cues, 25)] == ["long", "kept"]


def test_style_and_position_are_applied() -> None:
    look = TextStyle(font_size=20, box_color="#000000a0")
    (clip,) = cues_to_text_clips([cue(0, 1000)], 25, look, y=0.1)
    assert clip.style == look
    assert clip.y == 0.1
    (default,) = cues_to_text_clips([cue(0, 1000)], 25)
    assert default.style.outline_width > 0


def project() -> Project:
    return Project(settings=ProjectSettings(width=640, height=360, frame_rate=NTSC))


def test_import_subtitles_is_one_undoable_edit(tmp_path: Path) -> None:
    path = tmp_path / "subs.srt"
    path.write_text(SRT, "utf-8")
    prj = project()
    before = len(prj.history)
    track = import_subtitles(prj, path)
    assert len(prj.history) == before + 1
    assert prj.history.last is not None
    assert prj.history.last.op == "add_track"
    assert prj.tracks == [track]
    assert (track.kind, track.name) == ("subtitle", "Subtitles")
    assert [i.text for i in track.items if isinstance(i, TextClip)] == [
        "Hello there",
        "First line\nsecond line",
        "a < b and c > d",
    ]
    assert track.items[0].style.font_size == 16  # 4.5 % of the 360-line canvas
    prj.validate_timeline()
    prj.undo()
    assert prj.tracks == []
    prj.redo()
    assert prj.tracks == [track]
    assert len(track.items) == 3


def test_import_subtitles_reports_bad_files_and_leaves_the_project(tmp_path: Path) -> None:
    path = tmp_path / "bad.vtt"
    path.write_text("WEBVTT\n\n00:01.000 --> oops\n", "utf-8")
    prj = project()
    with pytest.raises(ProjectFileError, match=re.escape("bad.vtt line 3: bad timing")):
        import_subtitles(prj, path)
    assert prj.tracks == []
    assert len(prj.history) == 0


@pytest.mark.parametrize("suffix", [".srt", ".vtt"])
def test_export_uses_frame_grid_times_in_ms(tmp_path: Path, suffix: str) -> None:
    src = tmp_path / "in.srt"
    write_srt([cue(1000, 2500, "A"), cue(3000, 4000, "B <b>")], src)
    prj = project()
    track = import_subtitles(prj, src, name="EN")
    track.update(track.items[1].id, enabled=False)
    out = export_subtitles(track, tmp_path / f"out{suffix}")
    # frame 30 at 29.97 starts at 1.001 s; frame 75 at 2.5025 s -> 2.503 (nearest ms)
    assert read_subtitles(out) == [cue(1001, 2503, "A")]


def test_export_refuses_unknown_formats_and_detached_tracks(tmp_path: Path) -> None:
    track = import_subtitles(project(), _srt(tmp_path))
    with pytest.raises(ValueError, match=re.escape("unsupported subtitle format '.txt'")):
        export_subtitles(track, tmp_path / "x.txt")
    with pytest.raises(ProjectError, match="not in a project"):
        export_subtitles(Track(kind="subtitle"), tmp_path / "x.srt")


def _srt(tmp_path: Path) -> Path:
    return write_srt([cue(0, 1000, "A")], tmp_path / "one.srt")
