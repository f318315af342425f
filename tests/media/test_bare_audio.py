"""Bare audio streams (ADTS AAC from a recorder, MP3 with or without a Xing header, AC-3, MP2):
the file says no length, FFmpeg guesses one from the bit rate, and a VBR file loud at first and
quiet later was guessed a third of its length; the probe counts it, and a clip of the whole file
holds its last sound."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import av
import numpy as np
import pytest

from timeline_lab.media.probe import probe
from timeline_lab.studio import Studio

FFMPEG = shutil.which("ffmpeg")
pytestmark = pytest.mark.skipif(FFMPEG is None, reason="the ffmpeg CLI writes the bare streams")

SR = 48000
KINDS = {
    "adts-vbr": ("-c:a aac -b:a 128k -f adts", ".aac"),
    "mp3-no-xing": ("-c:a libmp3lame -q:a 2 -write_xing 0", ".mp3"),
    "mp3-lame-header": ("-c:a libmp3lame -q:a 2", ".mp3"),
    "mp2": ("-c:a mp2 -b:a 192k", ".mp2"),
    "ac3": ("-c:a ac3 -b:a 192k", ".ac3"),
}


@pytest.fixture(scope="module")
def loud_then_quiet(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """6 s: 1.5 s of loud noise (applause), silence, a 1 kHz burst at 5.0 s."""
    d = tmp_path_factory.mktemp("bare")
    pcm = np.zeros(6 * SR)
    pcm[: 3 * SR // 2] = np.random.default_rng(1).uniform(-0.6, 0.6, 3 * SR // 2)
    k = np.arange(SR // 50)
    pcm[5 * SR : 5 * SR + k.size] = 0.5 * np.sin(2 * np.pi * 1000 * k / SR)
    raw = d / "src.raw"
    raw.write_bytes((np.repeat(pcm[:, None], 2, 1) * 32767).astype("<i2").tobytes())
    return raw


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_the_length_is_counted_and_the_last_sound_renders(loud_then_quiet: Path, kind: str) -> None:
    assert FFMPEG is not None
    args, ext = KINDS[kind]
    d = loud_then_quiet.parent
    path = d / f"{kind}{ext}"
    src = f"-f s16le -ar {SR} -ac 2 -i {loud_then_quiet}"
    subprocess.run([FFMPEG, "-v", "error", "-y", *src.split(), *args.split(), str(path)], check=True)
    with av.open(str(path)) as c:
        decoded = sum(f.samples for f in c.decode(audio=0))
    audio = probe(path).primary_audio
    assert audio is not None and audio.sample_count == decoded, kind
    studio = Studio(workspace=d)
    project = studio.new_project(width=64, height=48, frame_rate=25)
    project.add_track("audio", "A1").append(studio.clip(path))
    out = studio.render(project, d / f"{kind}.mp4", progress=False, overwrite=True)
    with av.open(str(out)) as c:
        left = np.concatenate([f.to_ndarray()[0] for f in c.decode(audio=0)])
    late = np.flatnonzero(np.abs(left[2 * SR :]) > 0.2) / SR + 2
    assert late.size and 4.98 < late[0] < 5.06, f"{kind}: the burst at 5.0 s is not in the render"
