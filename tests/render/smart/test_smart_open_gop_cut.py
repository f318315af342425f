"""A stream-copy cut of an open-GOP recording starts on a recovery point, not an IDR picture: its
first shown frames refer to pictures cut away. check_smart said ok and smart_render then refused
("GOP at source frame -3 is open or irregular"); both now refuse up front, naming clip and file."""

from __future__ import annotations

import shutil
import subprocess
from fractions import Fraction
from pathlib import Path

import pytest

from timeline_lab.media.synth import make_clip, read_frame_indices
from timeline_lab.render.plan import ExportSettings
from timeline_lab.render.smart import check_smart, render_auto, smart_render
from timeline_lab.render.smart.plan import Refused
from timeline_lab.studio import Studio

pytestmark = pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg CLI not installed")


def _recording(tmp: Path, rate: Fraction, bframes: int, open_gop: bool) -> Path:
    base = make_clip(tmp / "base.mkv", width=64, height=48, rate=rate, frames=120, tag=4, audio=False)
    out = tmp / f"rec_{bframes}_{int(open_gop)}.mp4"
    x264 = f"open-gop={int(open_gop)}:scenecut=0:keyint=24:min-keyint=24"
    cmd = ["ffmpeg", "-v", "error", "-y", "-i", str(base), "-c:v", "libx264", "-pix_fmt", "yuv420p"]
    subprocess.run([*cmd, "-bf", str(bframes), "-x264-params", x264, str(out)], check=True)
    return out


def _cut(src: Path, at: float, out: Path) -> Path:
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-ss", str(at), "-i", str(src), "-c", "copy", str(out)], check=True
    )
    return out


@pytest.mark.parametrize(
    ("rate", "bframes", "at"),
    [(Fraction(25), 3, 2.1), (Fraction(25), 2, 1.5), (Fraction(30000, 1001), 3, 2.5), (Fraction(24), 1, 3.3)],
)
def test_a_cut_of_an_open_gop_recording_is_refused_up_front(
    tmp_path: Path, rate: Fraction, bframes: int, at: float
) -> None:
    cut = _cut(_recording(tmp_path, rate, bframes, open_gop=True), at, tmp_path / "tail.mp4")
    studio = Studio(workspace=tmp_path)
    project = studio.new_project(width=64, height=48, frame_rate=rate)
    project.tracks[0].append(studio.clip(cut, 3, 12))
    project.tracks[0].append(studio.clip(cut, 0, 6))
    decision = check_smart(project, ExportSettings(tmp_path / "x.mp4"))
    assert not decision
    assert "open GOP (a stream-copy cut)" in decision.reason and "tail.mp4" in decision.reason
    with pytest.raises(Refused, match=r"clip 'tail\.mp4' \(tail\.mp4\): the source starts on an open GOP"):
        smart_render(project, ExportSettings(tmp_path / "s.mp4"))
    auto = render_auto(project, ExportSettings(tmp_path / "auto.mp4"))  # the full engine renders it
    assert len(read_frame_indices(auto)) == 18


@pytest.mark.parametrize("open_gop", [False, True])
def test_check_smart_agrees_with_smart_render(tmp_path: Path, open_gop: bool) -> None:
    """A whole open-GOP recording (its first keyframe IDR) and a closed-GOP cut still copy."""
    rec = _recording(tmp_path, Fraction(25), 2, open_gop)
    src = rec if open_gop else _cut(rec, 1.5, tmp_path / "closed_tail.mp4")
    studio = Studio(workspace=tmp_path)
    project = studio.new_project(width=64, height=48, frame_rate=25)
    project.tracks[0].append(studio.clip(src, 0, 20))
    decision = check_smart(project, ExportSettings(tmp_path / "x.mp4"))
    try:
        smart_render(project, ExportSettings(tmp_path / "s.mp4"))
    except Refused as exc:
        assert not decision and str(exc) == decision.reason
    else:
        assert decision, decision.reason
