"""EDL events naming their media only by ``* FROM CLIP NAME:`` whose files are nowhere: one
MediaError naming every one of them, with or without ``rate=``, as for ``* FROM CLIP:`` paths.
Before, each came in as a gap (a black render, exit 0), and without ``rate=`` the error blamed the
frame rate and named no file."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest

from timeline_lab.errors import MediaError
from timeline_lab.interchange.otio import read_otio
from timeline_lab.media.synth import make_clip


def _tc(frame: int, fps: int) -> str:
    seconds, f = divmod(frame, fps)
    return f"01:00:{seconds:02d}:{f:02d}"


def _edl(path: Path, names: list[str], fps: int = 24) -> Path:
    """One 10-frame event a name, back to back from 01:00:00:00."""
    lines = ["TITLE: cut", "FCM: NON-DROP FRAME", ""]
    for k, name in enumerate(names):
        record = f"{_tc(10 * k, fps)} {_tc(10 * k + 10, fps)}"
        lines += [f"{k + 1:03d}  AX       V     C        00:00:00:10 00:00:00:20 {record}"]
        lines += [f"* FROM CLIP NAME: {name}", ""]
    path.write_text("\n".join(lines))
    return path


@pytest.mark.parametrize("rate", [Fraction(24), Fraction(25), None])
@pytest.mark.parametrize(
    ("names", "missing"),
    [
        (["gone.mp4"], ["gone.mp4"]),
        (["here.mp4", "gone.mov"], ["gone.mov"]),
        (["gone one.mp4", "C:\\Media\\gone#2.mxf"], ["gone one.mp4", "gone#2.mxf"]),
        (["/Volumes/cards/A001.mov", "here.mp4", "B 002.MOV"], ["A001.mov", "B 002.MOV"]),
    ],
)
def test_missing_files_named_by_clip_name_are_one_error(
    tmp_path: Path, rate: Fraction | None, names: list[str], missing: list[str]
) -> None:
    make_clip(tmp_path / "here.mp4", width=64, height=48, rate=24, frames=30, tag=1, audio=False)
    edl = _edl(tmp_path / "cut.edl", names, int(rate or 24))
    with pytest.raises(MediaError) as caught:
        read_otio(edl, rate=rate)
    said = str(caught.value)
    assert said.startswith(f"{edl}: {len(missing)} media file(s) missing: ")
    for name in missing:
        assert f"{name} (was " in said
    assert "here.mp4" not in said


def test_a_name_that_is_no_file_name_stays_a_noted_gap(tmp_path: Path) -> None:
    make_clip(tmp_path / "here.mp4", width=64, height=48, rate=24, frames=30, tag=1, audio=False)
    project = read_otio(_edl(tmp_path / "cut.edl", ["here.mp4", "Solid Color"]), rate=Fraction(24))
    assert [i.name for i in project.tracks[0].items] == ["here.mp4"]
    assert "MissingReference" in project.metadata["import_notes"][0]
