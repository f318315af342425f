"""Matroska keeps no stream length: a segment duration (rounded to the millisecond, and absent from
a live WebM) and packets on a millisecond clock. An audio-only file (a MediaRecorder voice memo,
``ffmpeg -c:a libopus x.webm``, a FLAC .mka) was refused as "no known duration"; its samples are now
counted as the render decodes them. A file with video and sound but no segment duration reported
no duration at all, although the scan knew it."""

from __future__ import annotations

import shutil
import subprocess
from fractions import Fraction
from pathlib import Path

import av
import pytest

from timeline_lab.media.probe import probe
from timeline_lab.studio import Studio

from .browser_media import onsets, write

FFMPEG = shutil.which("ffmpeg")


def _decoded(path: Path) -> int:
    with av.open(str(path)) as c:
        return sum(f.samples for f in c.decode(audio=0))


KINDS = [("libopus", ".webm", "mono"), ("libopus", ".mka", "stereo"), ("flac", ".mka", "stereo"),
         ("vorbis", ".webm", "stereo")]  # fmt: skip


@pytest.mark.parametrize("start", [0, 300])
@pytest.mark.parametrize("live", [True, False], ids=["live", "cues"])
@pytest.mark.parametrize(("acodec", "ext", "layout"), KINDS)
def test_an_audio_only_recording_is_a_clip_of_all_its_samples(
    tmp_path: Path, acodec: str, ext: str, layout: str, live: bool, start: int
) -> None:
    fmt = "webm" if ext == ".webm" else "matroska"
    bursts = [start + 400, start + 1900]
    path = write(tmp_path / f"memo{ext}", audio=(start, start + 2000), bursts=bursts, acodec=acodec,
                 layout=layout, live=live, fmt=fmt)  # fmt: skip
    audio = probe(path).primary_audio
    assert audio is not None and audio.sample_count == _decoded(path)
    studio = Studio(workspace=tmp_path)
    clip = studio.clip(path)
    assert clip.source_range.duration == audio.duration
    project = studio.new_project(width=64, height=48, frame_rate=25)
    project.add_track("audio", "A1").append(clip)
    heard, length = onsets(studio.render(project, tmp_path / "out.mp4", progress=False))
    truth = [t - float(audio.start.to_seconds()) for t in onsets(path)[0]]  # from the sound's start
    assert len(heard) == 2 and all(abs(a - b) < 0.0002 for a, b in zip(heard, truth, strict=True))
    assert length >= float(audio.duration.to_seconds()) - 0.001 if audio.duration else False


@pytest.mark.skipif(FFMPEG is None, reason="the ffmpeg CLI writes the files")
@pytest.mark.parametrize(("codec", "ext"), [("libopus", ".webm"), ("flac", ".mka"), ("libvorbis", ".webm"),
                                            ("aac", ".mka")])  # fmt: skip
def test_files_the_ffmpeg_cli_writes(tmp_path: Path, codec: str, ext: str) -> None:
    assert FFMPEG is not None
    path = tmp_path / f"sine{ext}"
    args = [FFMPEG, "-v", "error", "-f", "lavfi", "-i", "sine=d=1", "-c:a", codec, str(path)]
    if subprocess.run(args, capture_output=True).returncode:
        pytest.skip(f"this ffmpeg has no {codec}")
    audio = probe(path).primary_audio
    assert audio is not None and audio.sample_count == _decoded(path)
    assert Studio(workspace=tmp_path).clip(path).source_range.duration == audio.duration


@pytest.mark.parametrize("vcodec", ["libvpx", "libvpx-vp9"])
@pytest.mark.parametrize("start", [0, 1500])
@pytest.mark.parametrize("dropped", [False, True], ids=["steady", "dropped"])
def test_a_live_webm_says_its_duration(tmp_path: Path, vcodec: str, start: int, dropped: bool) -> None:
    """The span to the latest end a stream knows: the video's (the sound is not counted in a file
    with video); a variable-rate video's last frame holds to the sound's end."""
    frames = [(start + round(k * 1000 / 30), k) for k in range(45) if not (dropped and k == 20)]
    path = write(tmp_path / "rec.webm", frames, vcodec=vcodec, audio=(start, start + 1600))
    info = probe(path)
    video = info.primary_video
    assert info.duration is not None and video is not None and video.duration is not None
    assert info.duration.to_seconds() == video.duration.to_seconds()
    assert abs(info.duration.to_seconds() - (Fraction(1600, 1000) if dropped else Fraction(45, 30))) <= 0.001


def test_a_remote_audio_only_file_takes_the_segment_duration(tmp_path: Path) -> None:
    """A remote file is not read through to count its samples: its segment's duration stands in."""
    fsspec = pytest.importorskip("fsspec")
    local = write(tmp_path / "memo.mka", audio=(0, 1000), acodec="flac", live=False, fmt="matroska")
    fsspec.filesystem("memory").pipe("/tl-mka-test/memo.mka", local.read_bytes())
    try:
        info = probe("memory://tl-mka-test/memo.mka")
        assert info.duration is not None and info.primary_audio is not None
        assert info.primary_audio.sample_count is None
        clip = Studio(workspace=tmp_path).clip("memory://tl-mka-test/memo.mka")
        assert clip.source_range.duration.rate == 48000
        assert clip.source_range.duration.value == int(info.duration.to_seconds() * 48000)
    finally:
        fsspec.filesystem("memory").rm("/tl-mka-test", recursive=True)
