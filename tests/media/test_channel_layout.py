"""Sound in a custom channel order (FFmpeg 8 reading the MOV 'chan' atom FFmpeg 5.1 wrote for 6.1,
7.1 and 7.1(wide-side) PCM) is read, not a crashed process: PyAV freed such a layout's map twice
("double free or corruption"), so every read runs in a child process and an abort fails the test.
Each channel carries its own tone and must come back in its place."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import av
import numpy as np
import pytest

from timeline_lab.media.channel_layout import _native

FREQS = (300, 500, 700, 900, 1100, 1300, 1500, 1700)
"""One tone a channel, by its place in the file."""

RATE = 48000

LAYOUT_TAGS = {"7.1": 0x0080_0008, "6.1": 0x007D_0007, "7.1(wide-side)": 0x007E_0008}
"""The 'chan' layout tags FFmpeg 5.1 wrote (MPEG_7_1_C, MPEG_6_1_A, MPEG_7_1_A), which FFmpeg 8
reads as SL+SR before BL+BR (or FLC+FRC): a custom order."""

CODECS = {
    "pcm_s16le": ("s16", np.int16, 2**14),
    "pcm_s24le": ("s32", np.int32, 2**30),
    "pcm_f32le": ("flt", np.float32, 0.5),
}

CHILD = r"""
import json, sys
import av, numpy as np
from pathlib import Path
from timeline_lab.media.channel_layout import standard_layout
from timeline_lab.media.probe import probe
path = Path(sys.argv[1])
info = probe(path).audio[0]
with av.open(str(path)) as c:
    s = c.streams.audio[0]
    standard_layout(s, path)
    planes = np.concatenate([f.to_ndarray().reshape(-1, s.channels).T if not f.format.is_planar
                             else f.to_ndarray() for f in c.decode(s)], axis=1).astype(np.float64)
print(json.dumps({"layout": info.layout, "channels": info.channels, "decoded": s.layout.name,
                  "tones": [int(np.argmax(np.abs(np.fft.rfft(p))) * 48000 // len(p)) for p in planes]}))
"""


def _tone_mov(path: Path, layout: str, codec: str) -> Path:
    """A second of ``codec`` sound in ``layout``, channel i at FREQS[i], its 'chan' atom as FFmpeg
    5.1 wrote it (PyAV's FFmpeg writes a channel bitmap instead)."""
    fmt, dtype, scale = CODECS[codec]
    n = av.AudioLayout(layout).nb_channels
    t = np.arange(RATE) / RATE
    planes = np.stack([np.sin(2 * np.pi * f * t) * scale for f in FREQS[:n]]).astype(dtype)
    with av.open(str(path), "w", format="mov") as out:
        stream = out.add_stream(codec, rate=RATE, layout=layout)
        frame = av.AudioFrame.from_ndarray(planes.T.reshape(1, -1).copy(), format=fmt, layout=layout)
        frame.sample_rate = RATE
        for packet in [*stream.encode(frame), *stream.encode(None)]:
            out.mux(packet)
    data = bytearray(path.read_bytes())
    at = data.index(b"chan") + 8  # size, 'chan', version and flags
    assert data[at : at + 4] == (0x10000).to_bytes(4, "big"), "PyAV's FFmpeg wrote a channel bitmap"
    data[at : at + 8] = LAYOUT_TAGS[layout].to_bytes(4, "big") + bytes(4)
    path.write_bytes(bytes(data))
    return path


def _in_child(code: str, *args: str) -> dict[str, object]:
    run = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, f"child exited {run.returncode}: {run.stderr[-500:]}"
    return json.loads(run.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("codec", list(CODECS))
@pytest.mark.parametrize("layout", list(LAYOUT_TAGS))
def test_custom_order_pcm_mov_is_probed_and_decoded_in_place(tmp_path: Path, layout: str, codec: str) -> None:
    path = _tone_mov(tmp_path / "custom.mov", layout, codec)
    got = _in_child(CHILD, str(path))
    n = av.AudioLayout(layout).nb_channels
    assert got["layout"] == got["decoded"] == layout, "the native layout of the same channels"
    assert got["channels"] == n
    assert got["tones"] == list(FREQS[:n]), "each channel in its place in the file"
    if shutil.which("ffmpeg"):  # the CLI's own reading of the file puts them there too
        cli = ["ffmpeg", "-v", "error", "-i", str(path), "-f", "f32le", "-"]
        raw = subprocess.run(cli, capture_output=True, check=True)
        planes = np.frombuffer(raw.stdout, np.float32).reshape(-1, n).T
        assert [int(np.argmax(np.abs(np.fft.rfft(p))) * RATE // len(p)) for p in planes] == got["tones"]


READERS = r"""
import json, sys
import numpy as np
from pathlib import Path
from timeline_lab.studio import Studio
path, work = Path(sys.argv[1]), Path(sys.argv[2])
studio = Studio(workspace=work)
project = studio.new_project("p", width=64, height=48, frame_rate=25)
project.settings = project.settings.model_validate({**project.settings.model_dump(), "channels": 8})
project.add_track("audio", "A1").append(studio.clip(path, 0, 25))
out = studio.render(project, work / "out.wav", progress=False)
import av
with av.open(str(out)) as c:
    s = c.streams.audio[0]
    a = np.concatenate([f.to_ndarray() for f in c.decode(s)], axis=1).reshape(-1, s.channels).T.astype(float)
print(json.dumps({"out": s.layout.name,
                  "tones": [int(np.argmax(np.abs(np.fft.rfft(p))) * 48000 // len(p)) for p in a]}))
"""


def test_custom_order_sound_goes_through_a_render(tmp_path: Path) -> None:
    path = _tone_mov(tmp_path / "custom.mov", "7.1", "pcm_s24le")
    got = _in_child(READERS, str(path), str(tmp_path))
    assert got["out"] == "7.1"
    assert got["tones"] == list(FREQS), "each channel rendered in its place"


@pytest.mark.parametrize(
    ("names", "name", "expected"),
    [
        (["FL", "FR", "FC", "LFE", "SL", "SR", "BL", "BR"], "8 channels (FL+FR+FC+LFE+SL+SR+BL+BR)", "0x63f"),
        (["FL", "FR", "FC", "LFE", "SL", "SR", "BC"], "7 channels (FL+FR+FC+LFE+SL+SR+BC)", "0x70f"),
        (["FL", "FR"], "stereo", "0x3"),
        (["FR", "FL"], "2 channels (FR+FL)", "0x3"),
        (["NONE"] * 6, "6 channels", None),
        (["AMBI0", "AMBI1", "AMBI2", "AMBI3", "FL", "FR"], "ambisonic 1+stereo", "ambisonic 1+stereo"),
        (["FL", "FR", "FL"], "3 channels (FL+FR+FL)", "3c"),
        (["FL"] * 9, "9 channels (FL+FL+FL+FL+FL+FL+FL+FL+FL)", "9 channels"),
    ],
)
def test_a_layout_without_a_channel_map(names: list[str], name: str, expected: str | None) -> None:
    assert _native(names, name) == expected
    if expected is not None:
        assert av.AudioLayout(expected).nb_channels == len(names)
