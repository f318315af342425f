"""Sound whose shape changes midway (a broadcast capture switching stereo and 5.1, joined files):
``SoundShape`` converts every frame to one format, layout and rate, and every reader of sound
(render, proxy, waveform, analysis) goes through it instead of failing at the switch."""

from __future__ import annotations

import shutil
import subprocess
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from timeline_lab.analysis import signals
from timeline_lab.media.proxy import make_proxy
from timeline_lab.media.sound_shape import SoundShape
from timeline_lab.media.waveform import waveform
from timeline_lab.studio import Studio

FFMPEG = shutil.which("ffmpeg")
LAYOUTS = {1: "mono", 2: "stereo", 6: "5.1"}


def _frame(channels: int, samples: int, rate: int, fmt: str = "fltp", value: float = 0.25) -> av.AudioFrame:
    planes = np.full((channels, samples), value, np.float32)
    frame = av.AudioFrame.from_ndarray(planes, format="fltp", layout=LAYOUTS[channels])
    frame.sample_rate = rate
    if fmt != "fltp":
        frame = av.AudioResampler(format=fmt, layout=LAYOUTS[channels], rate=rate).resample(frame)[0]
    return frame


_SHAPE = st.tuples(st.sampled_from([1, 2, 6]), st.sampled_from([32000, 44100, 48000]),
                   st.sampled_from(["fltp", "flt", "s16", "s32", "s16p"]))  # fmt: skip


@settings(max_examples=40, deadline=None)
@given(
    shapes=st.lists(st.tuples(_SHAPE, st.integers(1, 3)), min_size=1, max_size=6), given_target=st.booleans()
)
def test_every_frame_comes_out_in_the_first_or_given_shape(
    shapes: list[tuple[tuple[int, int, str], int]], given_target: bool
) -> None:
    """Any run of shapes (layouts, rates, sample formats, coming back or not): every frame out is in
    the target shape, and the samples in it are those given, at the target's rate."""
    target = SoundShape("fltp", "stereo", 48000) if given_target else SoundShape()
    out, given = [], Fraction(0)
    for (channels, rate, fmt), frames in shapes:
        for _ in range(frames):
            out += target.resample(_frame(channels, 1024, rate, fmt))
            given += Fraction(1024, rate)
    out += target.resample(None)
    want = (target.format, target.layout, target.rate)
    assert all(SoundShape.of(f) == want for f in out)
    assert target.rate is not None
    assert abs(sum(f.samples for f in out) - given * target.rate) <= 64 * len(shapes)  # rate changes pad


@pytest.fixture(scope="module")
def switching(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An H.264 + AAC transport stream: stereo 440 Hz for 2 s, then 5.1 660 Hz for 2 s."""
    if FFMPEG is None:
        pytest.skip("the ffmpeg CLI makes the joined file")
    d = tmp_path_factory.mktemp("switch")
    parts = []
    for k, (hz, channels) in enumerate(((440, 2), (660, 6))):
        part = d / f"p{k}.ts"
        cmd = f"-f lavfi -i testsrc2=s=160x120:r=25:d=2 -f lavfi -i sine=f={hz}:d=2:r=48000 -ac {channels} "
        cmd += "-c:v libx264 -g 10 -c:a aac -f mpegts"
        subprocess.run([FFMPEG, "-v", "error", "-y", *cmd.split(), str(part)], check=True)
        parts.append(part)
    listing = d / "parts.txt"
    listing.write_text("".join(f"file '{p}'\n" for p in parts))
    out = d / "switch.ts"
    join = ["-f", "concat", "-safe", "0", "-i", str(listing), "-c", "copy", str(out)]
    subprocess.run([FFMPEG, "-v", "error", "-y", *join], check=True)
    return out


def _tones(path: Path) -> list[tuple[int, float]]:
    """(peak Hz, RMS) of the first channel at 0.5, 1.5, 2.5 and 3.5 s."""
    with av.open(str(path)) as c:
        st = c.streams.audio[0]
        shape = SoundShape("fltp", "stereo", 48000)
        pcm = np.concatenate([f.to_ndarray() for x in c.decode(st) for f in shape.resample(x)], axis=1)[0]
    out = []
    for t in (0.5, 1.5, 2.5, 3.5):
        seg = pcm[int(t * 48000) : int(t * 48000) + 4800]
        out.append((round(np.argmax(np.abs(np.fft.rfft(seg))) * 10), float(np.sqrt(np.mean(seg**2)))))
    return out


def test_render_proxy_waveform_and_analysis_run_through_the_switch(switching: Path, tmp_path: Path) -> None:
    studio = Studio(workspace=tmp_path)
    media = studio.media(switching)
    project = studio.new_project("switch", width=160, height=120, frame_rate=25)
    project.tracks[0].append(studio.clip(media, 0, int(media.available_range.duration.value)))
    rendered = _tones(studio.render(project, tmp_path / "out.mp4", progress=False))
    assert [hz for hz, _ in rendered] == [440, 440, 660, 660]
    assert all(rms > 0.03 for _, rms in rendered), "sound on both sides of the switch"
    proxy = make_proxy(switching, tmp_path / "proxy.mp4")
    assert [hz for hz, _ in _tones(proxy)] == [440, 440, 660, 660]
    peaks = waveform(switching)
    assert peaks.samples == pytest.approx(4 * 48000, abs=2048)
    loud = signals(switching, ("loudness", "silence"))
    assert loud.height > 0 and not loud["silent"].tail(10).any()
    assert max(loud["t"].to_list()) > 3  # measured past the switch


def test_sound_at_another_rate_than_the_header_runs_on_without_stutter(tmp_path: Path) -> None:
    """MPEG-TS packs several AAC frames in a packet, and the demuxer stamps those after the first
    at the header's rate: 48 kHz sound in a file that began at 44.1 kHz came ~83 samples late a
    frame and was pulled back each packet, which the graph heard as 28 short silences in 4 s."""
    if FFMPEG is None:
        pytest.skip("the ffmpeg CLI makes the segments")
    joined = b""
    for k, (rate, hz) in enumerate(((44100, 300), (48000, 500), (44100, 700))):
        part = tmp_path / f"p{k}.ts"
        cmd = f"-f lavfi -i testsrc2=s=64x48:r=25:d=4 -f lavfi -i sine=f={hz}:d=4:r={rate} -c:v libx264 "
        cmd += f"-g 25 -c:a aac -ar {rate} -avoid_negative_ts disabled -output_ts_offset {4 * k} -f mpegts"
        subprocess.run([FFMPEG, "-v", "error", "-y", *cmd.split(), str(part)], check=True)
        joined += part.read_bytes()
    path = tmp_path / "aba.ts"
    path.write_bytes(joined)
    studio = Studio(workspace=tmp_path)
    project = studio.new_project("aba", width=64, height=48, frame_rate=25)
    project.tracks[0].append(studio.clip(studio.media(path), 0, 300))
    with av.open(str(studio.render(project, tmp_path / "out.mp4", progress=False))) as c:
        sound = np.concatenate([f.to_ndarray()[0] for f in c.decode(audio=0)])
    for lo, hi, hz in ((0.1, 3.9, 300), (4.1, 7.9, 500), (8.1, 11.9, 700)):
        seg = sound[int(lo * 48000) : int(hi * 48000)]
        w = 2 * np.pi * hz / 48000  # a pure tone: x[n+1] + x[n-1] = 2 cos(w) x[n]; any break shows
        breaks = np.abs(seg[2:] + seg[:-2] - 2 * np.cos(w) * seg[1:-1]) > 0.05
        assert not breaks.any(), f"{int(breaks.sum())} breaks in the {hz} Hz part"
