"""Audio: tracks mixed without clipping, gain, mute/solo, fades, loudness normalisation, speed sync."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from timeline_lab.media.synth import make_clip, read_frame_index
from timeline_lab.model import Effect
from timeline_lab.studio import Studio

from ..conftest import band_energy, decode_audio, decode_video

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def loud(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_clip(
        tmp_path_factory.mktemp("loud") / "tone660.mp4",
        width=64,
        height=48,
        rate=25,
        frames=25,
        tone_hz=660.0,
        tag=9,
    )


def mixed(studio: Studio, media: dict[str, Path], loud: Path, **track: object):
    project = studio.new_project(width=160, height=120, frame_rate=25)
    project.tracks[0].append(studio.clip(media["pal"], 0, 25))  # 880 Hz
    a1 = project.add_track("audio", "A1")
    a1.append(studio.clip(loud, 0, 25))  # 660 Hz
    for key, value in track.items():
        setattr(a1, key, value)
    return project


def test_two_tracks_are_both_heard(
    studio: Studio, media: dict[str, Path], loud: Path, tmp_path: Path
) -> None:
    pcm, sr = decode_audio(studio.render(mixed(studio, media, loud), tmp_path / "m.mp4", progress=False))
    window = pcm[0][sr // 4 : sr // 4 + 9600]
    assert band_energy(window, sr, 880) > 0.3 * band_energy(window, sr, 660)
    assert band_energy(window, sr, 660) > 0.3 * band_energy(window, sr, 880)
    assert np.abs(pcm).max() <= 1.0


def test_mute_and_solo(studio: Studio, media: dict[str, Path], loud: Path, tmp_path: Path) -> None:
    muted, sr = decode_audio(
        studio.render(mixed(studio, media, loud, muted=True), tmp_path / "mu.mp4", progress=False)
    )
    w = muted[0][sr // 4 : sr // 4 + 9600]
    assert band_energy(w, sr, 660) < 0.05 * band_energy(w, sr, 880)
    solo, sr = decode_audio(
        studio.render(mixed(studio, media, loud, solo=True), tmp_path / "so.mp4", progress=False)
    )
    w = solo[0][sr // 4 : sr // 4 + 9600]
    assert band_energy(w, sr, 880) < 0.05 * band_energy(w, sr, 660)


def test_gain_never_clips(studio: Studio, media: dict[str, Path], loud: Path, tmp_path: Path) -> None:
    project = mixed(studio, media, loud, volume=8.0)
    pcm, _ = decode_audio(studio.render(project, tmp_path / "hot.mp4", progress=False))
    assert np.abs(pcm).max() <= 1.0
    assert np.abs(pcm).max() > 0.8, "the limiter keeps it loud, just not over full scale"


def test_track_volume_scales_level(
    studio: Studio, media: dict[str, Path], loud: Path, tmp_path: Path
) -> None:
    quiet = mixed(studio, media, loud, volume=0.25)
    full = mixed(studio, media, loud)
    pq, sr = decode_audio(studio.render(quiet, tmp_path / "q.mp4", progress=False))
    pf, _ = decode_audio(studio.render(full, tmp_path / "f.mp4", progress=False))
    ratio = band_energy(pq[0][sr // 4 : sr // 2], sr, 660) / band_energy(pf[0][sr // 4 : sr // 2], sr, 660)
    assert 0.2 < ratio < 0.3


def test_audio_fades(studio: Studio, media: dict[str, Path], tmp_path: Path) -> None:
    project = studio.new_project(width=160, height=120, frame_rate=25)
    clip = project.tracks[0].append(studio.clip(media["pal"], 0, 25))
    project.tracks[0].update(clip.id, effects=[Effect(kind="fade_in", params={"frames": 10})])
    pcm, sr = decode_audio(studio.render(project, tmp_path / "af.mp4", progress=False))
    start, later = np.abs(pcm[0][: sr // 50]).max(), np.abs(pcm[0][sr // 2 : sr // 2 + sr // 50]).max()
    assert start < 0.1 * later


def test_loudness_normalisation(studio: Studio, media: dict[str, Path], tmp_path: Path) -> None:
    project = studio.new_project(width=160, height=120, frame_rate=25)
    clip = project.tracks[0].append(studio.clip(media["pal"], 0, 25))
    project.tracks[0].update(clip.id, volume=0.05)
    quiet, _ = decode_audio(studio.render(project, tmp_path / "plain.mp4", progress=False))
    norm, _ = decode_audio(studio.render(project, tmp_path / "ln.mp4", progress=False, loudnorm=True))
    assert np.sqrt((norm**2).mean()) > 3 * np.sqrt((quiet**2).mean())
    assert norm.shape[1] == pytest.approx(quiet.shape[1], abs=2048)


def test_speed_change_keeps_sound_with_picture(
    studio: Studio, media: dict[str, Path], loud: Path, tmp_path: Path
) -> None:
    project = studio.new_project(width=160, height=120, frame_rate=25)
    project.tracks[0].append(studio.clip(media["pal"], 0, 30, speed=2))  # 15 frames of 880 Hz
    project.tracks[0].append(studio.clip(loud, 0, 10))  # then 660 Hz
    out = studio.render(project, tmp_path / "sp.mp4", progress=False)
    frames = decode_video(out)
    assert [read_frame_index(f)[0] for f in frames[:15]] == list(range(0, 30, 2))
    pcm, sr = decode_audio(out)
    cut = int(15 / 25 * sr)
    before, after = pcm[0][cut - 2400 : cut - 400], pcm[0][cut + 400 : cut + 2400]
    assert band_energy(before, sr, 880) > 5 * band_energy(before, sr, 660), "tempo kept the pitch"
    assert band_energy(after, sr, 660) > 5 * band_energy(after, sr, 880), "the cut lands within a frame"


@pytest.mark.parametrize("speed", [Fraction(2), Fraction(1, 2)])
def test_reversed_sound_at_another_speed_ends_where_it_began(
    studio: Studio, tmp_path: Path, speed: Fraction
) -> None:
    """A burst 0.2 s into a 1 s clip plays 0.2 s / speed before the end of the reversed clip."""
    src = _burst_file(tmp_path / "burst.wav", at=0.2)
    project = studio.new_project(width=64, height=48, frame_rate=25)
    a = project.add_track("audio", "A1")
    clip = a.append(studio.clip(src, 0, 48000, speed=speed))  # audio-only: counted in samples
    a.update(clip.id, effects=[Effect(kind="reverse")])
    pcm, sr = decode_audio(studio.render(project, tmp_path / "r.wav", progress=False))
    onset = int(np.argmax(np.abs(pcm[0]) > 0.2)) / sr
    length = 1 / float(speed)
    assert abs(onset - (length - 0.21 / float(speed))) < 0.03, (onset, length)


def _burst_file(path: Path, *, at: float) -> Path:
    """One second of silence with a 10 ms burst ``at`` seconds in."""
    import av

    sr = 48000
    sig = np.zeros((1, sr), np.float32)
    sig[0, int(at * sr) : int((at + 0.01) * sr)] = 0.8
    with av.open(str(path), "w") as out:
        s = out.add_stream("pcm_f32le", rate=sr, layout="mono")
        frame = av.AudioFrame.from_ndarray(sig, format="flt", layout="mono")
        frame.sample_rate, frame.pts = sr, 0
        out.mux(s.encode(frame))
        out.mux(s.encode(None))
    return path
