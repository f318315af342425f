"""Sound whose codec has a delay (Opus's pre-skip, AAC's and Vorbis's priming, MP3's encoder delay)
in a container that says so (Matroska's CodecDelay, Ogg's pre-skip, an MP4 edit list) is stamped
that much early by the container already: its decoded samples are where they belong. The MP3 rule
(a bare MP3's decoder stamps the samples after the LAME header's delay late) was applied to every
stream whose first packet is after 0, so Opus in a MediaRecorder WebM (the microphone joining
300 ms after the camera) played 6.5 ms early in the render, the printed command and proxies."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import av
import pytest

from timeline_lab.media.probe import probe
from timeline_lab.media.proxy import make_proxy
from timeline_lab.studio import Studio

from .browser_media import onsets, write

CASES = [
    *(("libopus", ext) for ext in (".webm", ".mkv", ".ogg", ".mp4")),
    ("aac", ".mkv"),
    ("vorbis", ".webm"),
    ("flac", ".mkv"),
    *((("libmp3lame", ".mkv"),) if "libmp3lame" in av.codecs_available else ()),
]
FORMATS = {".mkv": "matroska", ".webm": "webm", ".ogg": "ogg", ".mp4": "mp4"}


def _source(tmp_path: Path, acodec: str, ext: str, start: int) -> Path:
    """Bursts 500 and 1200 ms after the sound starts at ``start`` ms; a picture from 0 but in Ogg."""
    frames = [] if ext == ".ogg" else [(k * 40, k) for k in range((start + 1800) // 40)]
    vcodec = "libvpx-vp9" if ext == ".mp4" else "libvpx"
    bursts = [start + 500, start + 1200]
    return write(tmp_path / f"src{ext}", frames, vcodec=vcodec, audio=(start, start + 1500), bursts=bursts,
                 acodec=acodec, fmt=FORMATS[ext], live=ext == ".webm")  # fmt: skip


def _heard(path: Path, origin: float) -> list[float]:
    return [round((t - origin) * 1000, 1) for t in onsets(path)[0]]


@pytest.mark.parametrize("start", [0, 300, 1500])
@pytest.mark.parametrize(("acodec", "ext"), CASES)
def test_the_render_plays_the_sound_where_ffmpeg_decodes_it(
    tmp_path: Path, acodec: str, ext: str, start: int
) -> None:
    src = _source(tmp_path, acodec, ext, start)
    audio = probe(src).primary_audio
    assert audio is not None and audio.delay == 0
    origin = 0.0 if ext != ".ogg" else float(audio.start.to_seconds())  # the clip's time 0
    truth = _heard(src, origin)  # FFmpeg's decode, by its frames' timestamps
    assert len(truth) == 2 and abs(truth[0] - (start + 500 - origin * 1000)) <= 1.5
    studio = Studio(workspace=tmp_path)
    project = studio.new_project(width=64, height=48, frame_rate=25)
    track = project.add_track("audio", "A1") if ext == ".ogg" else project.tracks[0]
    track.append(studio.clip(src))
    out = studio.render(project, tmp_path / "out.mp4", progress=False)
    assert [abs(a - b) <= 0.1 for a, b in zip(_heard(out, 0), truth, strict=True)] == [True, True]


@pytest.mark.parametrize("ext", [".webm", ".mkv"])
def test_the_printed_command_and_the_proxy_agree(tmp_path: Path, ext: str) -> None:
    src = _source(tmp_path, "libopus", ext, 300)
    truth = _heard(src, 0)
    studio = Studio(workspace=tmp_path)
    project = studio.new_project(width=64, height=48, frame_rate=25)
    project.tracks[0].append(studio.clip(src))
    outputs = [make_proxy(src, tmp_path / "proxy.mp4", height=48)]
    if shutil.which("ffmpeg"):
        cli = tmp_path / "cli.mp4"
        subprocess.run(studio.plan(project, cli).to_ffmpeg_args(), check=True, capture_output=True)
        outputs.append(cli)
    for out in outputs:
        heard = _heard(out, 0)
        assert [abs(a - b) <= 0.1 for a, b in zip(heard, truth, strict=True)] == [True, True], out.name
