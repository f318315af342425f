"""EDLs that name media only by ``* FROM CLIP NAME:`` (Premiere, Resolve; review 68, item 2): the
reader leaves each event a MissingReference, so the whole cut came in black although its files lay
beside the EDL. The name is now looked up as a file name, in the EDL's folder and ``search``."""

from __future__ import annotations

import subprocess
from fractions import Fraction
from pathlib import Path

import pytest

from timeline_lab.errors import MediaError
from timeline_lab.interchange.otio import read_otio
from timeline_lab.media.synth import make_clip, read_frame_index
from timeline_lab.studio import Studio

from ..render.conftest import decode_video


def _media(folder: Path, name: str, rate: int, tag: int, tc: str | None) -> Path:
    """48 frames at ``rate`` whose pixels carry their numbers; ``tc``: the file's start timecode."""
    folder.mkdir(parents=True, exist_ok=True)
    raw = make_clip(folder / f"raw_{name}", width=64, height=48, rate=rate, frames=48, tag=tag)
    if tc is None:
        return raw.rename(folder / name)
    out = folder / name
    cmd = ["ffmpeg", "-v", "error", "-y", "-i", str(raw), "-c", "copy", "-timecode", tc, str(out)]
    subprocess.run(cmd, check=True)
    raw.unlink()
    return out


def _edl(path: Path, rate: int, a_tc: str, channel: str = "V") -> Path:
    """Two events: frames 10..19 of a.mov (its clock at ``a_tc``), then frames rate..rate+9 of b.mov."""
    a_in = f"{a_tc[:-2]}10"
    a_out = f"{a_tc[:-2]}20"
    lines = [
        "TITLE: Sequence 01",
        "FCM: NON-DROP FRAME",
        "",
        f"001  AX       {channel:5} C        {a_in} {a_out} 01:00:00:00 01:00:00:10",
        "* FROM CLIP NAME: a.mov",
        "",
        f"002  AX       {channel:5} C        00:00:01:00 00:00:01:10 01:00:00:10 01:00:00:20",
        "* FROM CLIP NAME: C:\\Media\\b.mov",
        "",
    ]
    path.write_text("\n".join(lines))
    return path


@pytest.mark.parametrize("rate", [24, 25])
@pytest.mark.parametrize("tc", [None, "01:00:00:00"])
@pytest.mark.parametrize("where", ["beside", "search"])
@pytest.mark.parametrize("given_rate", [True, False])
def test_events_named_by_clip_name_find_their_files(
    tmp_path: Path, rate: int, tc: str | None, where: str, given_rate: bool
) -> None:
    media = tmp_path / ("edl" if where == "beside" else "elsewhere/cards")
    _media(media, "a.mov", rate, 1, tc)
    _media(media, "b.mov", rate, 2, None)
    (tmp_path / "edl").mkdir(exist_ok=True)
    edl = _edl(tmp_path / "edl" / "cut.edl", rate, tc or "00:00:00:00")
    search = [tmp_path / "elsewhere"] if where == "search" else []
    project = read_otio(edl, rate=Fraction(rate) if given_rate else None, search=search)
    assert "import_notes" not in project.metadata
    assert project.settings.frame_rate == rate
    out = Studio(workspace=tmp_path).render(project, tmp_path / "out.mp4", progress=False)
    shown = [read_frame_index(f) for f in decode_video(out)]
    assert shown == [(n, 1) for n in range(10, 20)] + [(n, 2) for n in range(rate, rate + 10)]


def test_a_clip_name_no_file_has_is_named_missing(tmp_path: Path) -> None:
    """A file name found nowhere is missing media (it came in as black, exit 0), named as a path is."""
    _media(tmp_path, "a.mov", 24, 1, None)
    with pytest.raises(MediaError, match=r"1 media file\(s\) missing: b\.mov \(was C:\\Media\\b\.mov"):
        read_otio(_edl(tmp_path / "cut.edl", 24, "00:00:00:00"), rate=Fraction(24))
