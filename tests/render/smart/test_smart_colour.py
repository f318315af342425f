"""The smart render keeps the sources' colours: re-encoded edges say the sources' colour tags,
gaps are drawn in their matrix, and sources that the full engine would convert differently (two
matrices, HDR) are refused rather than copied into one stream."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest

from tests.colour_patches import check_patches, make_hdr_sources
from timeline_lab.errors import RenderError
from timeline_lab.render import ExportSettings
from timeline_lab.render.smart import check_smart, smart_render
from timeline_lab.studio import Studio


def test_edges_and_gaps_keep_the_sources_bt601_colours(
    colour_sources: dict[str, Path], tmp_path: Path
) -> None:
    studio = Studio(workspace=tmp_path)
    project = studio.new_project("bt601", width=640, height=360, frame_rate=25, background="#1e90ff")
    v1 = project.tracks[0]
    v1.append(studio.clip(colour_sources["sd_bt601"], 3, 6))  # in point mid-GOP: an edge re-encoded
    v1.insert(studio.clip(colour_sources["sd_bt601"], 0, 8), 10)  # a gap of 4 frames before it
    out = smart_render(project, ExportSettings(tmp_path / "smart.mp4"))
    with av.open(str(out)) as c:
        frames = list(c.decode(video=0))
    assert len(frames) == 18
    for k, f in enumerate(frames):
        assert int(f.colorspace) == 6, f"frame {k} is tagged matrix {int(f.colorspace)}, not smpte170m"
        img = f.to_ndarray(format="rgb24").astype(int)
        if 6 <= k < 10:
            assert np.abs(img[180, 320] - (30, 144, 255)).max() <= 8, f"gap frame {k}: {img[180, 320]}"
        else:
            check_patches(img, f"frame {k}")


def test_sources_in_two_matrices_are_refused(colour_sources: dict[str, Path], tmp_path: Path) -> None:
    studio = Studio(workspace=tmp_path)
    project = studio.new_project("mixed", width=640, height=360, frame_rate=25)
    project.tracks[0].append(studio.clip(colour_sources["sd_bt601"], 0, 8))
    project.tracks[0].append(studio.clip(colour_sources["sd_tagged_709"], 0, 8))
    decision = check_smart(project, ExportSettings(tmp_path / "x.mp4"))
    assert not decision and "colour matrix" in decision.reason, decision.reason


def test_an_hdr_source_is_refused(tmp_path: Path) -> None:
    source = make_hdr_sources(tmp_path, pix_fmt="yuv420p")["sdr_bt2020"]  # 8-bit H.264: copyable but for this
    studio = Studio(workspace=tmp_path)
    project = studio.new_project("hdr", width=640, height=360, frame_rate=25)
    project.tracks[0].append(studio.clip(source, 0, 8))
    decision = check_smart(project, ExportSettings(tmp_path / "x.mp4"))
    assert not decision and "BT.2020" in decision.reason, decision.reason
    with pytest.raises(RenderError, match=r"BT\.2020"):
        smart_render(project, ExportSettings(tmp_path / "x.mp4"))
