"""A recording whose picture stops changing (``canvas.captureStream()``, a slide or screen recording):
the browser writes no frame while the picture is still, and a Matroska block says no duration (or
only the track's nominal step), so the last frame lasts until the file ends, as a browser plays it.
It was taken to last one frame step: the clip of the whole recording ended at the last paint, the
sound after it could not be reached, and the trim refusal spoke in fractions of a measured rate."""

from __future__ import annotations

from pathlib import Path

import av
import pytest

from timeline_lab.errors import ProjectError
from timeline_lab.media.probe import probe
from timeline_lab.model.time import RationalTime
from timeline_lab.studio import Studio

from .browser_media import frame_number, onsets, write

PAINTS = [(round(k * 1000 / 30), k) for k in range(20)] + [(1500, 20)]  # the last paint at 1.5 s
CODECS = [c for c in ("libvpx", "libvpx-vp9", "libsvtav1") if c in av.codecs_available]


@pytest.mark.parametrize("live", [True, False], ids=["live", "cues"])
@pytest.mark.parametrize("acodec", ["libopus", "flac"])
@pytest.mark.parametrize("vcodec", CODECS)
def test_the_last_picture_holds_until_the_sound_ends(
    tmp_path: Path, vcodec: str, acodec: str, live: bool
) -> None:
    ext = ".webm" if acodec == "libopus" else ".mkv"
    path = write(tmp_path / f"slides{ext}", PAINTS, vcodec=vcodec, audio=(0, 4000), acodec=acodec, live=live)
    studio = Studio(workspace=tmp_path)
    clip = studio.clip(path)
    assert abs(clip.source_range.duration.to_seconds() - 4) <= 0.001
    info = probe(path)
    assert info.primary_video is not None and info.primary_video.frame_count == 21


@pytest.mark.parametrize("start", [0, 1500], ids=["from0", "from1.5s"])
def test_the_whole_recording_renders_with_its_last_sound(tmp_path: Path, start: int) -> None:
    paints = [(start + ms, k) for ms, k in PAINTS]
    path = write(
        tmp_path / "slides.webm", paints, audio=(start, start + 4000), bursts=[start + 500, start + 3500]
    )
    studio = Studio(workspace=tmp_path)
    project = studio.new_project(width=64, height=48, frame_rate=30)
    clip = project.tracks[0].append(studio.clip(path))
    assert clip.frames(project.settings.frame_rate) == 120
    with pytest.raises(ProjectError, match=r"trim end 4\.1\d\d s is past media end 4\.00\d s"):
        project.tracks[0].trim_out(clip.id, 3)
    out = studio.render(project, tmp_path / "out.mp4", progress=False)
    bursts, length = onsets(out)
    assert len(bursts) == 2 and abs(bursts[0] - 0.5) < 0.01 and abs(bursts[1] - 3.5) < 0.01 and length >= 3.99
    with av.open(str(out)) as c:
        pictures = [frame_number(f.to_ndarray(format="rgb24")) for f in c.decode(video=0)]
    assert len(pictures) == 120 and pictures[45:] == [20] * 75  # from 1.5 s: the last paint, held
    from timeline_lab.media._decoder import FrameReader

    with FrameReader(path) as reader:  # a read inside the hold shows the last paint
        assert frame_number(reader.read(RationalTime(3900, 1000)).rgb) == 20
