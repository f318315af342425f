"""Child-process checks of surround sound on every path that turns frames into arrays or back.

Run as ``python -m tests.media._surround_paths KIND FOLDER CHANNELS``: 7.1 planar frames crashed
PyAV's ``planes`` (a segfault that kills the process), so ``test_sound_arrays`` runs each here. The
source and the checks use only PyAV's packed frames, never the code under test: channel ``i`` plays
its own tone, and each must come back in its place.
"""

from __future__ import annotations

import sys
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import numpy as np

RATE = 48000
FPS = 25
FRAMES = 40  # 1.6 s
LAYOUTS = {2: "stereo", 6: "5.1", 7: "6.1", 8: "7.1"}
Pcm = np.ndarray[Any, np.dtype[np.float32]]


def tones(channels: int) -> list[float]:
    """Each channel's tone; the LFE (the 4th of 5.1 and up) gets a low one, which AAC keeps."""
    return [80.0 if channels >= 6 and i == 3 else 440.0 + 110.0 * i for i in range(channels)]


def pcm(channels: int, start: int, n: int) -> Pcm:
    """Samples [start, start + n) of every channel's tone, as (channels, n)."""
    t = np.arange(start, start + n, dtype=np.float64) / RATE
    return np.stack([0.3 * np.sin(2 * np.pi * hz * t) for hz in tones(channels)]).astype(np.float32)


def _packed(data: Pcm, channels: int, at: int) -> av.AudioFrame:
    frame = av.AudioFrame.from_ndarray(
        np.ascontiguousarray(data.T).reshape(1, -1), format="flt", layout=LAYOUTS[channels]
    )
    frame.sample_rate, frame.pts, frame.time_base = RATE, at, Fraction(1, RATE)
    return frame


def video(folder: Path) -> Path:
    """A small H.264 clip without sound."""
    from timeline_lab.media.synth import make_clip

    return make_clip(folder / "picture.mp4", width=64, height=48, rate=FPS, frames=FRAMES, audio=False)


def source(folder: Path, channels: int) -> Path:
    """An MP4 of H.264 and native ``channels``-channel AAC (one tone a channel)."""
    path = folder / f"source{channels}.mp4"
    with av.open(str(video(folder))) as vin, av.open(str(path), "w") as out:
        vout = out.add_stream_from_template(vin.streams.video[0])
        aout = out.add_stream("aac", rate=RATE, layout=LAYOUTS[channels])
        aout.bit_rate = 64000 * channels
        for packet in vin.demux(vin.streams.video[0]):
            if packet.dts is not None:
                packet.stream = vout
                out.mux(packet)
        total = FRAMES * RATE // FPS
        for lo in range(0, total, 4096):
            out.mux(aout.encode(_packed(pcm(channels, lo, min(4096, total - lo)), channels, lo)))
        out.mux(aout.encode(None))
    return path


def wav(folder: Path, channels: int, n: int) -> Path:
    """A float WAV of ``n`` samples of the tones (a cluster worker's PCM)."""
    path = folder / f"part{channels}.wav"
    with av.open(str(path), "w", format="wav") as out:
        st = out.add_stream("pcm_f32le", rate=RATE, layout=LAYOUTS[channels])
        for lo in range(0, n, 4096):
            out.mux(st.encode(_packed(pcm(channels, lo, min(4096, n - lo)), channels, lo)))
        out.mux(st.encode(None))
    return path


def decoded(path: Path) -> Pcm:
    """The file's first sound stream as (channels, n), through packed float."""
    with av.open(str(path)) as c:
        st = c.streams.audio[0]
        packed = av.AudioResampler(format="flt", layout=st.layout, rate=st.sample_rate)
        frames = [g for f in c.decode(st) for g in packed.resample(f)] + packed.resample(None)
        return np.concatenate([f.to_ndarray().reshape(-1, st.channels).T for f in frames], axis=1)


def check_tones(got: Pcm, channels: int) -> None:
    """Every channel's strongest frequency is its own tone (so every channel is in its place)."""
    assert got.shape[0] == channels, got.shape
    n = 8192
    mid = got[:, got.shape[1] // 2 - n // 2 : got.shape[1] // 2 + n // 2]
    spectrum = np.abs(np.fft.rfft(mid * np.hanning(n), axis=1))
    found = np.fft.rfftfreq(n, 1 / RATE)[np.argmax(spectrum, axis=1)]
    assert np.allclose(found, tones(channels), atol=12), (found.round(), tones(channels))


def waveform_path(folder: Path, channels: int) -> None:
    from timeline_lab.media.waveform import waveform

    wave = waveform(source(folder, channels))
    lo, hi = wave.level(wave.levels[0])
    assert wave.channels == channels and abs(wave.samples - FRAMES * RATE // FPS) < 1024
    assert 0.25 < float(hi.max()) < 1 and -1 < float(lo.min()) < -0.25, (lo.min(), hi.max())


def proxy_path(folder: Path, channels: int) -> None:
    from timeline_lab.media.proxy import make_proxy

    out = make_proxy(source(folder, channels), folder / "proxy.mp4", height=48)
    check_tones(decoded(out), channels)


def smart_path(folder: Path, channels: int) -> None:
    """Two cuts, the second clip boosted: its sound is re-encoded, through the limiter."""
    from timeline_lab.render.plan import ExportSettings
    from timeline_lab.render.smart import smart_render
    from timeline_lab.studio import Studio

    src = source(folder, channels)
    studio = Studio(workspace=folder)
    project = studio.new_project("surround", width=64, height=48, frame_rate=FPS)
    settings = {**project.settings.model_dump(), "channels": channels}
    project.settings = project.settings.model_validate(settings)
    project.tracks[0].append(studio.clip(src, 0, 15))
    project.tracks[0].append(studio.clip(src, 21, 19))
    project.tracks[0].items[-1].volume = 1.5
    out = smart_render(project, ExportSettings(folder / "smart.mp4"))
    got = decoded(out)
    check_tones(got[:, : 15 * RATE // FPS], channels)
    check_tones(got[:, 15 * RATE // FPS :], channels)


def aac_path(folder: Path, channels: int) -> None:
    """Two pieces encoded apart and joined by stream copy."""
    from timeline_lab.render.encoding.aac_splice import AacPackets, AudioCodec, encode_span

    codec, total = AudioCodec(channels=channels), 20000
    chunks = [pcm(channels, lo, min(3000, total - lo)) for lo in range(0, total, 3000)]
    spans = ((0, 8192), (8192, total))
    pieces = [encode_span(iter(chunks), codec, at=0, start=a, end=b, total=total) for a, b in spans]
    out = folder / "spliced.mp4"
    with av.open(str(out), "w") as c:
        stream = codec.add_to(c)
        for packet in AacPackets.merge(pieces).packets(stream):
            c.mux(packet)
    check_tones(decoded(out), channels)


def join_path(folder: Path, channels: int) -> None:
    """A segment's picture joined with its sound, encoded at the join from a float WAV, and
    copied from pieces a worker encoded."""
    from timeline_lab.cluster.join import Sound, Spliced, join_segments
    from timeline_lab.render.encoding.aac_splice import AudioCodec, encode_span

    picture, total = video(folder), FRAMES * RATE // FPS
    part = wav(folder, channels, total)
    sound = Sound("aac", RATE, channels, {}, "fltp", [(part, 0, FRAMES)])
    join_segments([(picture, 0)], sound, folder / "encoded.mp4", rate=Fraction(FPS), container="mp4")
    check_tones(decoded(folder / "encoded.mp4"), channels)
    codec = AudioCodec(channels=channels)
    piece = encode_span([pcm(channels, 0, total)], codec, at=0, start=0, end=total, total=total)
    spliced = Spliced(codec, [str(piece.save(folder / "piece.npz"))])
    join_segments([(picture, 0)], spliced, folder / "copied.mp4", rate=Fraction(FPS), container="mp4")
    check_tones(decoded(folder / "copied.mp4"), channels)


def synth_path(folder: Path, channels: int) -> None:
    """The test clips' own maker writes surround sound (a 440 Hz tone on every channel but the LFE)."""
    from timeline_lab.media.synth import make_clip

    got = decoded(make_clip(folder / "clip.mp4", width=64, height=48, frames=FRAMES, channels=channels))
    assert got.shape[0] == channels
    keep = [i for i in range(channels) if not (channels >= 6 and i == 3)]
    assert float(np.abs(got[keep]).max(axis=1).min()) > 0.3, "every channel sounds"


def round_trip(folder: Path, channels: int) -> None:
    """``to_planes(from_planes(x))`` through every planar and packed format gives ``x`` back."""
    from timeline_lab.media.sound_arrays import from_planes, to_planes

    layout = LAYOUTS.get(channels, f"{channels} channels")
    ramp = np.linspace(-0.5, 0.5, 700 * channels, dtype=np.float32).reshape(channels, -1)
    data = pcm(channels, 0, 700) if channels in LAYOUTS else ramp
    frame = from_planes(data, layout, RATE, pts=5)
    assert (frame.format.name, frame.samples, frame.pts, frame.sample_rate) == ("flt", 700, 5, RATE)
    formats = (("fltp", 0), ("dblp", 1e-7), ("s16p", 1e-4), ("s32p", 1e-8), ("flt", 0), ("s16", 1e-4))
    for fmt, tolerance in formats:
        convert = av.AudioResampler(format=fmt, layout=layout, rate=RATE)
        frames = convert.resample(frame) + convert.resample(None)
        got = np.concatenate([to_planes(f) for f in frames], axis=1).astype(np.float64)
        scale = {"s16p": 2**15, "s16": 2**15, "s32p": 2**31}.get(fmt, 1)
        assert got.shape == data.shape, (fmt, got.shape)
        assert np.abs(got / scale - data).max() <= tolerance + 1 / scale, fmt
    try:
        from_planes(data[:-1], layout, RATE)
    except ValueError as exc:
        assert f"({channels}, n)" in str(exc)
    else:
        raise AssertionError("a channel short was taken")


KINDS = {
    "waveform": waveform_path,
    "proxy": proxy_path,
    "smart": smart_path,
    "aac": aac_path,
    "join": join_path,
    "synth": synth_path,
    "round-trip": round_trip,
}

if __name__ == "__main__":
    kind, folder, channels = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3])
    KINDS[kind](folder, channels)
    print("ok")
