"""EDL export keeps reel names distinct: up to 32 characters (File32, as Avid, Resolve and Premiere
read them), cut names that meet made distinct and said once. Before, every reel was cut to 8
characters, so ``A001C002_230101_R1AB_CAMERA_A_01`` and ``..._02`` both became ``A001C002``
silently (a conform by reel then takes one file for both)."""

from __future__ import annotations

import logging
import shutil
from fractions import Fraction
from pathlib import Path

import opentimelineio as otio
import pytest

from timeline_lab.interchange.otio import read_otio, write_otio
from timeline_lab.studio import Studio

LONG = "A001C002_230101_R1AB_CAMERA_A_0"  # 31 characters


def _edl(path: Path, reels: list[str], files: list[Path]) -> Path:
    lines = ["TITLE: reels", "FCM: NON-DROP FRAME", ""]
    for k, (reel, f) in enumerate(zip(reels, files, strict=True)):
        rec = f"01:00:00:{5 * k:02d} 01:00:00:{5 * k + 5:02d}"
        lines += [
            f"{k + 1:03d}  {reel} V     C        00:00:00:10 00:00:00:15 {rec}",
            f"* FROM CLIP: {f.as_uri()}",
        ]
    path.write_text("\n".join(lines) + "\n")
    return path


def _reels(edl: Path) -> list[str]:
    return [
        c.metadata["cmx_3600"]["reel"] for c in otio.adapters.read_from_file(str(edl), rate=24).find_clips()
    ]


@pytest.mark.parametrize(
    "reels",
    [
        [LONG + "1", LONG + "2"],  # 32 characters, differing at the end
        [LONG + "1", LONG + "2", LONG + "1"],  # one reel used twice stays one reel
        ["A001C002", "A001C002_230101"],
        ["R" * 32, "R" * 31],
    ],
)
def test_reels_up_to_32_characters_are_written_as_they_came(
    cam: Path, tmp_path: Path, reels: list[str]
) -> None:
    project = read_otio(_edl(tmp_path / "in.edl", reels, [cam] * len(reels)), rate=Fraction(24))
    out = write_otio(project, tmp_path / "out.edl")
    assert _reels(out) == reels
    back = read_otio(out, rate=Fraction(24))  # our own reader reads them back
    assert len(back.tracks[0].items) == len(reels)


@pytest.mark.parametrize(
    ("reels", "want"),
    [
        ([LONG + "1XYZ", LONG + "1ABC"], [LONG + "1", LONG[:30] + "_2"]),
        (["S" * 40, "S" * 41, "S" * 42], ["S" * 32, "S" * 30 + "_2", "S" * 30 + "_3"]),
    ],
)
def test_longer_reels_are_cut_distinct_and_said(
    cam: Path, tmp_path: Path, reels: list[str], want: list[str], caplog: pytest.LogCaptureFixture
) -> None:
    project = read_otio(_edl(tmp_path / "in.edl", reels, [cam] * len(reels)), rate=Fraction(24))
    with caplog.at_level(logging.WARNING):
        out = write_otio(project, tmp_path / "out.edl")
    assert _reels(out) == want
    assert "made distinct" in caplog.text and reels[1] in caplog.text


@pytest.mark.parametrize("stem", ["clip", "A001C002_230101_R1AB_CAMERA_A_01_and_more"])
def test_files_of_one_name_in_two_folders_get_two_reels(cam: Path, tmp_path: Path, stem: str) -> None:
    studio = Studio(workspace=tmp_path)
    project = studio.new_project("two", width=64, height=48, frame_rate=24)
    for folder in ("day1", "day2"):
        (tmp_path / folder).mkdir()
        project.tracks[0].append(studio.clip(shutil.copy(cam, tmp_path / folder / f"{stem}.mp4"), 0, 10))
    reels = _reels(write_otio(project, tmp_path / "out.edl"))
    assert len(set(reels)) == 2 and all(len(r) <= 32 for r in reels)


@pytest.mark.parametrize(("reels", "width"), [(["A001", "B002"], 8), (["A001", LONG + "1"], 32)])
def test_the_reel_column_is_as_wide_in_every_event(
    cam: Path, tmp_path: Path, reels: list[str], width: int
) -> None:
    """CMX 3600's 8 columns, or File32's 32 where a reel is longer: the channel column lines up."""
    project = read_otio(_edl(tmp_path / "in.edl", reels, [cam] * len(reels)), rate=Fraction(24))
    lines = [x for x in write_otio(project, tmp_path / "out.edl").read_text().splitlines() if x[:3].isdigit()]
    assert {x[5 + width : 5 + width + 2] for x in lines} == {" V"}
