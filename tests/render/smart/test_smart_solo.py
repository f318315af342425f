"""Which tracks smart render hears: the full engine's rule (``audible_tracks``: mute, and a solo on
any track, even an empty one, silences every track not soloed); it only looked at ``muted``."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest

from timeline_lab.media.synth import make_clip
from timeline_lab.render.plan import ExportSettings
from timeline_lab.render.smart import render_auto, smart_render
from timeline_lab.studio import Studio


def _peak(path: Path) -> float:
    with av.open(str(path)) as c:
        return float(max(np.abs(f.to_ndarray()).max() for f in c.decode(audio=0)))


@pytest.mark.parametrize(
    ("setup", "heard"),
    [
        ({"a1": {"solo": True}}, False),  # an empty soloed track: the mix is silent
        ({"a1": {"solo": True}, "v1": {"solo": True}}, True),
        ({"v1": {"solo": True}}, True),
        ({"v1": {"muted": True}}, False),
        ({"v1": {"muted": True, "solo": True}}, False),
        ({"a1": {"solo": True, "muted": True}}, False),
        ({}, True),
    ],
)
def test_smart_render_hears_what_the_full_render_hears(
    tmp_path: Path, setup: dict[str, dict[str, bool]], heard: bool
) -> None:
    src = make_clip(tmp_path / "a.mp4", width=64, height=48, rate=25, frames=40, tag=2)
    studio = Studio(workspace=tmp_path)
    project = studio.new_project(width=64, height=48, frame_rate=25)
    v1 = project.tracks[0]
    v1.append(studio.clip(src, 3, 30))
    tracks = {"v1": v1, "a1": project.add_track("audio", "A1")}
    for name, fields in setup.items():
        tracks[name].configure(**fields)
    full = studio.render(project, tmp_path / "full.mp4", progress=False)
    smart = smart_render(project, ExportSettings(tmp_path / "smart.mp4"))
    auto = render_auto(project, ExportSettings(tmp_path / "auto.mp4"))
    peaks = [_peak(p) for p in (full, smart, auto)]
    assert [p > 0.1 for p in peaks] == [heard] * 3, peaks
