"""A clip switched off (``enabled=False``) in a cuts-only edit: the full render shows and plays a
gap there; smart render copied the clip's frames and sound."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np

from timeline_lab.media.synth import make_clip, read_frame_indices
from timeline_lab.render.plan import ExportSettings
from timeline_lab.render.smart import check_smart, render_auto, smart_render
from timeline_lab.studio import Studio


def _peaks(path: Path, spans: list[tuple[float, float]]) -> list[float]:
    with av.open(str(path)) as c:
        pcm = np.concatenate([f.to_ndarray()[0] for f in c.decode(audio=0)])
        sr = c.streams.audio[0].sample_rate
    return [float(np.abs(pcm[int(a * sr) : int(b * sr)]).max()) for a, b in spans]


def test_a_disabled_clip_is_a_gap_in_smart_render_too(tmp_path: Path) -> None:
    src = make_clip(tmp_path / "a.mp4", width=160, height=120, rate=25, frames=60, tag=6, audio=True)
    studio = Studio(workspace=tmp_path)
    project = studio.new_project(width=160, height=120, frame_rate=25)
    track = project.tracks[0]
    track.append(studio.clip(src, 8, 12))
    off = track.append(studio.clip(src, 30, 10))
    track.append(studio.clip(src, 45, 10))
    track.update(off.id, enabled=False)
    assert check_smart(project, ExportSettings(tmp_path / "s.mp4"))
    full = studio.render(project, tmp_path / "full.mp4", progress=False, cluster=False)
    smart = smart_render(project, ExportSettings(tmp_path / "s.mp4"))
    auto = render_auto(project, ExportSettings(tmp_path / "auto.mp4"))
    want = read_frame_indices(full)
    assert want[12:22] == [(0, 0)] * 10  # the gap
    assert read_frame_indices(smart) == want and read_frame_indices(auto) == want
    spans = [(0.05, 0.4), (0.55, 0.8), (0.95, 1.3)]
    for got, expected in zip(_peaks(smart, spans), _peaks(full, spans), strict=True):
        assert abs(got - expected) < 0.05
    assert _peaks(smart, spans)[1] < 0.01  # silent where the clip is off
