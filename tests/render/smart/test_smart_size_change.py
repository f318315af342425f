"""An H.264 source whose pictures change size midway (new parameter sets in-band, as joined
segments or a resolution-dropping call leave them): its GOPs of the other size are not copied
under the first size's avcC; the smart render refuses, and ``render_auto`` renders it in full."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import av
import pytest

from timeline_lab.media.synth import _render, read_frame_index
from timeline_lab.render.plan import ExportSettings
from timeline_lab.render.smart import render_auto, smart_render
from timeline_lab.render.smart.plan import Refused
from timeline_lab.studio import Studio

FFMPEG = shutil.which("ffmpeg")
pytestmark = pytest.mark.skipif(FFMPEG is None, reason="the ffmpeg CLI joins the segments")


def _joined(d: Path) -> Path:
    """160x120 for frames 0-19, 320x240 for 20-39, in one MP4 track (the second SPS in-band)."""
    assert FFMPEG is not None
    parts = []
    for k, (w, h) in enumerate(((160, 120), (320, 240))):
        part = d / f"p{k}.ts"
        pixels = b"".join(_render(i, 9, w, h).tobytes() for i in range(20 * k, 20 * k + 20))
        raw = f"-f rawvideo -pix_fmt rgb24 -s {w}x{h} -framerate 25 -i pipe:0"
        enc = "-c:v libx264 -crf 10 -bf 0 -g 10 -pix_fmt yuv420p -f mpegts"
        subprocess.run(
            [FFMPEG, "-v", "error", "-y", *raw.split(), *enc.split(), str(part)], input=pixels, check=True
        )
        parts.append(part)
    (d / "l.txt").write_text("".join(f"file '{p}'\n" for p in parts))
    joined = d / "j.ts"
    concat = ["-f", "concat", "-safe", "0", "-i", str(d / "l.txt"), "-c", "copy", str(joined)]
    subprocess.run([FFMPEG, "-v", "error", "-y", *concat], check=True)
    out = d / "larger.mp4"
    mux = ["-i", str(joined), "-f", "lavfi", "-i", "sine=d=1.6:r=48000", "-map", "0:v", "-map", "1:a"]
    subprocess.run(
        [FFMPEG, "-v", "error", "-y", *mux, "-c:v", "copy", "-c:a", "aac", "-shortest", str(out)], check=True
    )
    return out


@pytest.mark.parametrize(("first", "count"), [(5, 30), (22, 15)])
def test_gops_of_another_size_are_refused_and_rendered_in_full(
    tmp_path: Path, first: int, count: int
) -> None:
    studio = Studio(workspace=tmp_path)
    project = studio.new_project(width=160, height=120, frame_rate=25)
    project.tracks[0].append(studio.clip(_joined(tmp_path), first, count))
    with pytest.raises(Refused, match=r"GOP at source frame 20 brings H\.264 parameter sets of its own"):
        smart_render(project, ExportSettings(tmp_path / "s.mp4"))
    out = render_auto(project, ExportSettings(tmp_path / "auto.mp4"))
    with av.open(str(out)) as c:
        frames = list(c.decode(video=0))
    assert {(f.width, f.height) for f in frames} == {(160, 120)}
    assert [read_frame_index(f.to_ndarray(format="rgb24"))[0] for f in frames] == list(
        range(first, first + count)
    )
