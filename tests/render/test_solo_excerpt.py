"""A soloed track silences the others over the whole timeline, also where it has nothing: a range
render (or a cluster segment) of a stretch where the soloed track is empty heard every track."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np

from timeline_lab.media.synth import make_clip
from timeline_lab.render.compile.excerpt import excerpt
from timeline_lab.render.compile.stack import audible_tracks
from timeline_lab.studio import Studio


def _peak(path: Path) -> float:
    with av.open(str(path)) as c:
        return max(float(np.abs(f.to_ndarray()).max()) for f in c.decode(audio=0))


def test_a_stretch_where_the_soloed_track_is_empty_is_silent(tmp_path: Path) -> None:
    vid = make_clip(tmp_path / "v.mp4", width=64, height=48, rate=25, frames=100, tag=1, tone_hz=440.0)
    snd = make_clip(tmp_path / "a.mp4", rate=25, frames=100, tag=2, audio=True, tone_hz=1000.0, video=False)
    studio = Studio(workspace=tmp_path)
    project = studio.new_project("solo", width=64, height=48, frame_rate=25)
    project.tracks[0].append(studio.clip(vid, 0, 100))
    a1 = project.add_track("audio", "A1")
    a1.append(studio.clip(snd, 0, 48000))  # the first second
    a1.solo = True
    assert [t.name for t in audible_tracks(project)] == ["A1"]
    assert audible_tracks(excerpt(project, 50, 100)) == []  # A1 has nothing there: silence
    ranged = studio.render(project, tmp_path / "r.mp4", progress=False, frames=(50, 100))
    assert _peak(ranged) < 0.01
    whole = studio.render(project, tmp_path / "w.mp4", progress=False, cluster=False)
    assert _peak(whole) > 0.3
