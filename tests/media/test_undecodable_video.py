"""A video stream that holds frames FFmpeg cannot read (ProRes RAW's 'aprn', a codec FFmpeg does not
know) is an error naming the stream and its codec: left out whenever the file also had sound, the
camera file passed for sound only, and every later message said "no video", never why. A declared
but empty stream (a DVB PID carrying nothing) is still left out."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest

from timeline_lab.errors import MediaError
from timeline_lab.media.probe import probe
from timeline_lab.media.synth import make_clip
from timeline_lab.studio import Studio


@pytest.fixture(scope="module")
def prores(tmp_path_factory: pytest.TempPathFactory) -> dict[bool, Path]:
    """ProRes MOVs, with and without sound."""
    folder = tmp_path_factory.mktemp("prores")
    return {
        sound: make_clip(
            folder / f"p{int(sound)}.mov",
            width=64,
            height=48,
            frames=10,
            codec="prores_ks",
            pix_fmt="yuv422p10le",
            audio=sound,
        )
        for sound in (True, False)
    }


def _retagged(src: Path, tag: bytes, out: Path) -> Path:
    data = src.read_bytes()
    fourcc = next(t for t in (b"apco", b"apcs", b"apcn", b"apch", b"ap4h") if t in data)  # the profile's
    out.write_bytes(data.replace(fourcc, tag))
    return out


CASES = [  # (sample entry, what the error says)
    (b"aprn", r"video stream 0 \(prores_raw, tag 'aprn', 10 frames listed\)"),
    (b"aprh", r"video stream 0 \(prores_raw, tag 'aprh', 10 frames listed\)"),
    (b"zzzz", r"video stream 0 \(10 frames listed\): FFmpeg knows no codec for it"),
]


@pytest.mark.parametrize("sound", [True, False], ids=["with-sound", "alone"])
@pytest.mark.parametrize(("tag", "said"), CASES, ids=[t.decode() for t, _ in CASES])
def test_a_video_stream_ffmpeg_cannot_read_is_named(
    prores: dict[bool, Path], tmp_path: Path, tag: bytes, said: str, sound: bool
) -> None:
    path = _retagged(prores[sound], tag, tmp_path / "camera.mov")
    with pytest.raises(MediaError, match=rf"camera\.mov: {said}"):
        probe(path)
    studio = Studio()
    try:
        with pytest.raises(MediaError, match=said):
            studio.clip(str(path), 0, 5)
    finally:
        studio.close()


def test_an_empty_declared_video_stream_is_left_out(tmp_path: Path) -> None:
    """A transport stream whose video PID carries nothing, beside its sound: the sound is used."""
    path = tmp_path / "radio.ts"
    with av.open(str(path), "w", format="mpegts") as out:
        video = out.add_stream("mpeg2video", rate=25)
        video.width, video.height, video.pix_fmt = 64, 48, "yuv420p"
        sound = out.add_stream("mp2", rate=48000, layout="stereo")
        for i in range(20):
            frame = av.AudioFrame.from_ndarray(np.zeros((1, 2304), np.int16), format="s16", layout="stereo")
            frame.sample_rate, frame.pts = 48000, i * 1152
            for packet in sound.encode(frame):
                out.mux(packet)
        for packet in sound.encode(None):
            out.mux(packet)
    info = probe(path)
    assert info.video == () and [a.codec for a in info.audio] == ["mp2"]
