"""A recorder that writes a frame only when the picture changes (screen recorders, some phone
apps): steady frames, then its last one or two after a pause. With B-frames, those last anchors
are decoded before the frames shown ahead of them, like the orphans a stream-copy cut leaves, but
every B-frame they anchor is there: they are real frames and are kept (they were dropped, and the
pause's picture with them)."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from timeline_lab.media.previews import frame_at
from timeline_lab.media.probe import probe
from timeline_lab.studio import Studio

TB = Fraction(1, 90000)


def _recording(path: Path, late: list[Fraction], codec: str = "libx264") -> list[Fraction]:
    """40 frames at 30 fps, then frames at ``late`` seconds; each frame a grey of its own."""
    times = [Fraction(k, 30) for k in range(40)] + late
    with av.open(str(path), "w") as out:
        s = out.add_stream(codec, rate=30, options={"crf": "6", "preset": "veryfast", "bf": "3"})
        s.width, s.height, s.pix_fmt = 160, 120, "yuv420p"
        s.codec_context.time_base = s.time_base = TB
        for k, t in enumerate(times):
            grey = 6 * k if k < 40 else 20 + 100 * (k - 40)  # the late ones far from the rest
            f = av.VideoFrame.from_ndarray(np.full((120, 160, 3), grey, np.uint8), "rgb24")
            f.pts, f.time_base = round(t / TB), TB
            out.mux(s.encode(f))
        out.mux(s.encode(None))
    return times


@pytest.mark.parametrize("ext", [".mp4", ".mkv"])
@pytest.mark.parametrize("late", [[Fraction(39, 30) + 2], [Fraction(39, 30) + 1, Fraction(39, 30) + 2]])
def test_the_frames_after_a_pause_are_kept(tmp_path: Path, ext: str, late: list[Fraction]) -> None:
    path = tmp_path / f"rec{ext}"
    times = _recording(path, late)
    with av.open(str(path)) as c:  # each frame's grey as FFmpeg decodes the file
        truth = [int(f.to_ndarray(format="rgb24")[60, 80, 0]) for f in c.decode(video=0)]
    assert len(truth) == len(times) and abs(truth[-1] - truth[39]) >= 90
    video = probe(path).primary_video
    assert video is not None and video.frame_count == len(times)
    assert abs(int(frame_at(path, len(times) - 1)[60, 80, 0]) - truth[-1]) <= 1
    studio = Studio(workspace=tmp_path)
    clip = studio.clip(path)
    assert clip.source_range.duration.to_seconds() > times[-1]  # the pause's picture is in the clip
    project = studio.new_project(width=160, height=120, frame_rate=30)
    project.tracks[0].append(clip)
    out = studio.render(project, tmp_path / "out.mp4", progress=False)
    with av.open(str(out)) as c:
        greys = [int(f.to_ndarray(format="rgb24")[60, 80, 0]) for f in c.decode(video=0)]
    assert abs(greys[-1] - truth[-1]) <= 4  # the last picture ends the render
    assert abs(greys[45] - truth[39]) <= 4  # the pause holds the picture before it


@pytest.mark.parametrize("ext", [".mp4", ".mkv"])
def test_a_clip_inside_the_pause_shows_the_held_picture_on_every_path(tmp_path: Path, ext: str) -> None:
    """The clip's only picture lies before its start (the frame on screen when it begins): the
    render, the printed command and the paused preview made no frame at all and failed."""
    import shutil
    import subprocess

    from timeline_lab.model import RationalTime, TimeRange
    from timeline_lab.render.frame import timeline_frame

    path = tmp_path / f"rec{ext}"
    _recording(path, [Fraction(39, 30) + 2])
    with av.open(str(path)) as c:
        held = [int(f.to_ndarray(format="rgb24")[60, 80, 0]) for f in c.decode(video=0)][39]
    studio = Studio(workspace=tmp_path)
    clip = studio.clip(path)
    inside = TimeRange(RationalTime(Fraction(8, 5), 1), RationalTime(Fraction(1, 2), 1))  # 1.6-2.1 s
    project = studio.new_project(width=160, height=120, frame_rate=30)
    project.tracks[0].append(clip.model_copy(update={"source_range": inside}))
    out = studio.render(project, tmp_path / "out.mp4", progress=False)
    outputs = [out]
    if shutil.which("ffmpeg"):
        cli = tmp_path / "cli.mp4"
        subprocess.run(studio.plan(project, cli).to_ffmpeg_args(), check=True, capture_output=True)
        outputs.append(cli)
    for o in outputs:
        with av.open(str(o)) as c:
            greys = [int(f.to_ndarray(format="rgb24")[60, 80, 0]) for f in c.decode(video=0)]
        assert len(greys) == 15 and max(abs(g - held) for g in greys) <= 4, o.name
    assert abs(int(timeline_frame(project, 7, scale=1)[60, 80, 0]) - held) <= 4
