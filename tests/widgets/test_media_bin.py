"""MediaBin: folder scan, filters, three-point edits frame for frame, refusals and undo."""

from __future__ import annotations

import shutil
from fractions import Fraction
from pathlib import Path

import pytest

from timeline_lab import Studio
from timeline_lab.errors import ProjectError
from timeline_lab.model import Project
from timeline_lab.model.items import Clip
from timeline_lab.model.time import TimeRange
from timeline_lab.widgets import MediaBin, TimelineWidget
from timeline_lab.widgets._bin_items import BinItem, select

from .conftest import record

NTSC = Fraction(30000, 1001)


@pytest.fixture
def folder(tmp_path: Path, media: dict[str, Path]) -> Path:
    """Two clips, a note, a fake video and a hidden file."""
    d = tmp_path / "shoot"
    d.mkdir()
    shutil.copy(media["pal"], d / "b-roll.mp4")
    shutil.copy(media["silent"], d / "Interview.mp4")
    (d / "notes.txt").write_text("not media")
    (d / "broken.mp4").write_bytes(b"\x00" * 2048)
    (d / ".hidden.mp4").write_bytes(b"")
    return d


def items(bin: MediaBin) -> dict[str, dict[str, object]]:
    return {i["name"]: i for i in bin.items}


def shown(bin: MediaBin) -> list[str]:
    return [Path(p).name for p in bin.visible]


def test_folder_scan_shows_media_with_probe_facts_and_bad_files_as_error_tiles(
    studio: Studio, project: Project, folder: Path
) -> None:
    bin = MediaBin(project, folder=folder, studio=studio)
    tiles = items(bin)
    assert set(tiles) == {"pal.mp4", "ntsc.mp4", "wide.mp4", "b-roll.mp4", "Interview.mp4", "broken.mp4"}
    pal = tiles["b-roll.mp4"]
    assert (pal["kind"], pal["frames"], pal["tc_rate"], pal["fps"]) == ("video", 30, [25, 1], "25")
    assert (pal["width"], pal["height"], pal["codec"]) == (320, 240, "h264")
    assert "kHz" in str(pal["audio"]) and tiles["Interview.mp4"]["audio"] == ""
    assert tiles["ntsc.mp4"]["fps"] == "29.97" and tiles["ntsc.mp4"]["used"] is True
    broken = tiles["broken.mp4"]
    assert broken["kind"] == "error" and str(broken["error"]).startswith("broken.mp4: ")
    assert "Traceback" not in str(broken["error"]) and str(folder) not in str(broken["error"])
    assert "notes.txt" not in tiles and ".hidden.mp4" not in tiles


@pytest.mark.parametrize(
    ("query", "kinds", "usage", "sort", "expected"),
    [
        ("", ["video", "audio", "still", "error"], "all", "name", ["a.mp4", "b.wav", "c.png", "d.mp4"]),
        ("A.", ["video", "audio", "still", "error"], "all", "name", ["a.mp4"]),
        ("", ["video"], "all", "name", ["a.mp4"]),
        ("", ["audio", "still"], "all", "name", ["b.wav", "c.png"]),
        ("", ["video", "audio", "still"], "used", "name", ["a.mp4"]),
        ("", ["video", "audio", "still", "error"], "unused", "size", ["d.mp4", "b.wav", "c.png"]),
        ("", ["video", "audio", "still"], "all", "duration", ["b.wav", "a.mp4", "c.png"]),
        ("", ["video", "audio", "still", "error"], "all", "kind", ["a.mp4", "b.wav", "c.png", "d.mp4"]),
    ],
)
def test_select_filters_searches_and_sorts(
    query: str, kinds: list[str], usage: str, sort: str, expected: list[str]
) -> None:
    pool = [
        BinItem("/m/c.png", "c.png", "still", bytes=50),
        BinItem("/m/a.mp4", "a.mp4", "video", frames=50, tc_rate=(25, 1), bytes=10, used=True),
        BinItem("/m/b.wav", "b.wav", "audio", frames=100, tc_rate=(25, 1), bytes=100),
        BinItem("/m/d.mp4", "d.mp4", "error", bytes=1000, error="d.mp4: not media"),
    ]
    got = select(pool, query=query, kinds=kinds, usage=usage, sort=sort)
    assert [Path(p).name for p in got] == expected


def test_filters_set_from_the_browser_change_what_is_shown(
    studio: Studio, project: Project, folder: Path
) -> None:
    bin = MediaBin(project, folder=folder, studio=studio)
    bin.usage = "unused"
    assert shown(bin) == ["b-roll.mp4", "broken.mp4", "Interview.mp4"]
    bin.query, bin.kinds = "roll", ["video"]
    assert shown(bin) == ["b-roll.mp4"]
    bin.kinds = ["error"]
    bin.query = ""
    assert shown(bin) == ["broken.mp4"]
    bin.sort = "nonsense"
    assert "sort" in bin.message


@pytest.mark.parametrize(("rate", "media_key"), [(Fraction(25), "ntsc"), (NTSC, "pal"), (NTSC, "wide")])
def test_insert_and_overwrite_are_exact_at_another_media_rate(
    studio: Studio, media: dict[str, Path], rate: Fraction, media_key: str
) -> None:
    project = studio.new_project("tp", width=160, height=120, frame_rate=rate)
    v1 = project.tracks[0]
    v1.append(studio.clip(media["silent"], 0, 20, name="a"))
    v1.append(studio.clip(media["silent"], 0, 20, name="b"))
    la = v1.items[0].frames(rate)  # 20 frames at 25 fps, at the project's rate
    timeline = TimelineWidget(project, studio=studio)
    bin = MediaBin(project, timeline=timeline, studio=studio)
    source = media[media_key]
    bin.add(source)
    bin.open_source(source)
    bin.mark_in, bin.mark_out = 3, 14  # 12 source frames at the media's rate
    timeline.playhead = 7
    before = len(project.history.stacks()[0])
    clip = bin.insert()
    ref = studio.media(source)
    assert clip.source_range == TimeRange.from_frames(3, 12, ref.rate)
    assert clip.start.to_frames(rate) == 7 and clip.media.path == str(source.resolve())
    n = clip.frames(rate)
    assert n == round(Fraction(12) / ref.rate * rate)
    starts = [(i.name, i.start.to_frames(rate), i.frames(rate)) for i in v1.items]
    assert starts == [("a", 0, 7), (ref.name, 7, n), ("a", 7 + n, la - 7), ("b", la + n, la)]
    assert timeline.playhead == 7 + n  # the next edit follows this one
    assert project.history.last is not None and project.history.last.op == "insert"
    assert len(project.history.stacks()[0]) == before + 1

    project.undo()  # one undo step takes the whole edit back
    assert [(i.name, i.start.to_frames(rate)) for i in v1.items] == [("a", 0), ("b", la)]

    timeline.playhead = 30
    clip = bin.overwrite()
    assert clip.start.to_frames(rate) == 30 and clip.source_range == TimeRange.from_frames(3, 12, ref.rate)
    assert project.duration().to_frames(rate) == max(2 * la, 30 + n)  # over "b", nothing rippled
    assert [i.start.to_frames(rate) for i in v1.items][:2] == [0, la]


def test_insert_from_the_browser_message_and_its_refusals(
    studio: Studio, project: Project, media: dict[str, Path]
) -> None:
    timeline = TimelineWidget(project, studio=studio)
    bin = MediaBin(project, timeline=timeline, studio=studio)
    sent = record(bin)
    path = str(media["pal"].resolve())
    bin.source = path
    assert bin.source_frames == 30 and bin.source_rate == [25, 1] and bin.source_src
    count = len(project.tracks[0].items)
    bin._on_msg(bin, {"kind": "insert", "path": path, "in": 30, "out": 40}, [])
    assert sent.last("refused")["error"] == "pal.mp4: in 30 and out 40 must be within frames 0..29"
    bin._on_msg(bin, {"kind": "insert", "path": path, "in": 9, "out": 2}, [])
    assert "out 2 is before in 9" in bin.message
    bin._on_msg(bin, {"kind": "overwrite", "path": path, "in": "1", "out": 2}, [])
    assert "whole frame" in bin.message
    assert len(project.tracks[0].items) == count  # nothing changed
    bin._on_msg(bin, {"kind": "insert", "path": path, "in": 0, "out": 4}, [])
    assert sent.kinds()[-1] == "edited" and len(project.tracks[0].items) == count + 1
    assert bin.item(path).used


def test_refusals_without_a_timeline_or_with_bad_media(
    studio: Studio, project: Project, folder: Path
) -> None:
    bin = MediaBin(project, folder=folder, studio=studio)
    with pytest.raises(ProjectError, match="open a file"):
        bin.insert()
    bin.open_source(folder / "b-roll.mp4")
    with pytest.raises(ProjectError, match="no timeline linked"):
        bin.insert()
    clip = bin.insert(at=0)  # a frame given: no timeline needed
    assert isinstance(clip, Clip) and clip.frames(Fraction(25)) == 30
    bin.open_source(folder / "broken.mp4")
    assert bin.source_kind == "error" and bin.message.startswith("broken.mp4: ")
    with pytest.raises(ProjectError, match=r"broken\.mp4"):
        bin.insert(at=0)
    with pytest.raises(ProjectError, match="no track"):
        bin.insert(path=folder / "b-roll.mp4", at=0, track="nope")


def test_thumbnails_and_exact_frames_for_the_browser(studio: Studio, project: Project, folder: Path) -> None:
    from timeline_lab.media.synth import read_frame_index
    from timeline_lab.widgets._bin_media import frame_png, strip_message

    path = str(folder / "b-roll.mp4")
    msg, buffers = strip_message(path, "video", caches=studio.caches)
    assert len(msg["tiles"]) == 16 and buffers[0][:2] == b"\xff\xd8"
    assert [t["frame"] for t in msg["tiles"]] == sorted(t["frame"] for t in msg["tiles"])
    import io

    import numpy as np
    from PIL import Image

    png = frame_png(path, 17, Fraction(25), readers=studio.readers)
    assert read_frame_index(np.asarray(Image.open(io.BytesIO(png)).convert("RGB")))[0] == 17


def test_rescan_finds_new_files_and_python_edits_mark_media_used(
    studio: Studio, project: Project, folder: Path, media: dict[str, Path]
) -> None:
    (folder / "more").mkdir()
    shutil.copy(media["wide"], folder / "more" / "late.mp4")
    bin = MediaBin(project, folder=folder, recursive=True, studio=studio)
    assert "late.mp4" in items(bin)
    shutil.copy(media["ntsc"], folder / "new.mp4")
    bin._on_msg(bin, {"kind": "rescan"}, [])
    assert items(bin)["new.mp4"]["used"] is False and "late.mp4" in items(bin)
    project.tracks[0].append(studio.clip(folder / "new.mp4", 0, 5))
    assert items(bin)["new.mp4"]["used"] is True  # the bin follows the project's edits
    project.undo()
    assert items(bin)["new.mp4"]["used"] is False
