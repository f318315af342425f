"""Interlaced H.264 (field or MBAFF coding) is refused by smart render, so ``render_auto`` renders
it in full: libx264's re-encoded edges were progressive between interlaced copies, and the output
switched field coding midway (p...BBB...p) while saying progressive."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from timeline_lab.render.plan import ExportSettings
from timeline_lab.render.smart import check_smart, render_auto
from timeline_lab.render.smart.h264 import field_coded
from timeline_lab.studio import Studio

W, H, FRAMES = 64, 64, 30
RATE = Fraction(30000, 1001)


def _source(path: Path, x264: str, profile: str = "high") -> Path:
    """A 29.97 fps H.264 clip encoded with ``x264`` params (``interlaced=1:tff=1``: MBAFF)."""
    with av.open(str(path), "w") as out:
        st = out.add_stream("libx264", rate=RATE)
        st.width, st.height, st.pix_fmt = W, H, "yuv420p"
        st.options = {"x264-params": f"keyint=10:{x264}", "preset": "veryfast", "profile": profile}
        for i in range(FRAMES):
            rgb = np.zeros((H, W, 3), np.uint8)
            rgb[::2, :, 0], rgb[1::2, :, 1], rgb[:, : (i * 2) % W, 2] = 200, 100, 255
            for p in st.encode(av.VideoFrame.from_ndarray(rgb, "rgb24")):
                out.mux(p)
        for p in st.encode(None):
            out.mux(p)
    return path


def _sps(path: Path) -> bytes:
    with av.open(str(path)) as c:
        extradata = c.streams.video[0].codec_context.extradata
    assert extradata is not None
    size = extradata[6] << 8 | extradata[7]  # the avcC's first SPS
    return bytes(extradata[8 : 8 + size])


@pytest.mark.parametrize(
    ("x264", "profile", "interlaced"),
    [
        ("interlaced=1:tff=1", "high", True),
        ("interlaced=1:bff=1", "high", True),
        ("interlaced=1:bff=1:cqm=jvt", "high", True),  # scaling matrices before the flag
        ("interlaced=1:tff=1", "main", True),
        ("", "high", False),
        ("cqm=jvt", "high", False),
        ("bframes=0", "main", False),
        ("bframes=0", "baseline", False),
    ],
)
def test_field_coding_is_read_from_the_sps(tmp_path: Path, x264: str, profile: str, interlaced: bool) -> None:
    src = _source(tmp_path / "s.mp4", x264, profile)
    assert field_coded(_sps(src)) is interlaced


@pytest.mark.parametrize("order", ["tff", "bff"])
@pytest.mark.parametrize("suffix", [".mp4", ".mov"])
def test_interlaced_sources_are_rendered_in_full(tmp_path: Path, order: str, suffix: str) -> None:
    src = _source(tmp_path / f"i{suffix}", f"interlaced=1:{order}=1")
    studio = Studio(workspace=tmp_path)
    project = studio.new_project("i", width=W, height=H, frame_rate=RATE)
    project.tracks[0].append(studio.clip(src, 5, 20))
    export = ExportSettings(path=tmp_path / "out.mp4")
    decision = check_smart(project, export)
    assert not decision.ok
    assert "interlaced H.264" in decision.reason and src.name in decision.reason
    render_auto(project, export)
    with av.open(str(export.path)) as c:
        assert sum(1 for _ in c.decode(video=0)) == 20


def test_progressive_sources_still_copy(tmp_path: Path) -> None:
    src = _source(tmp_path / "p.mp4", "")
    studio = Studio(workspace=tmp_path)
    project = studio.new_project("p", width=W, height=H, frame_rate=RATE)
    project.tracks[0].append(studio.clip(src, 5, 20))
    assert check_smart(project, ExportSettings(path=tmp_path / "out.mp4")).ok
