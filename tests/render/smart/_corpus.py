"""Sources made the way phones, cameras and other tools make them: a ``make_clip`` picture (every
frame tagged with its index) with a chirp for sound (no two instants alike, so a shift shows), AAC
from the ffmpeg CLI, then re-encoded or re-muxed by the ffmpeg CLI with one variant each.

Why: the smart render promises exactness on real inputs, whose timing and codec setups differ from
the project's own synthetic clips (edit lists, offsets, B-frames, other sample rates and layouts).
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from timeline_lab.media.synth import make_clip

NTSC = Fraction(30000, 1001)
W, H = 160, 120
X264 = ["-c:v", "libx264", "-preset", "veryfast", "-crf", "16", "-pix_fmt", "yuv420p"]
KEYS = "keyint=12:min-keyint=12:scenecut=0"
SWEEP = 40
"""Hz a second the chirps rise by."""


@dataclass(frozen=True)
class Base:
    """A ``make_clip`` picture: ``frames`` frames at ``rate``; a chirp at ``sample_rate``."""

    rate: Fraction
    frames: int = 100
    sample_rate: int = 48000
    channels: int = 2


@dataclass(frozen=True)
class Variant:
    """One source: ``base`` re-made by ffmpeg with ``args`` (``{src}``: the base file, ``{other}``: a
    second one with the next chirp); ``tones``: each chirp's start in Hz; the clip takes audio stream
    ``audio_stream`` when set; ``lead``: seconds the sound is ahead of the picture, against the base
    (base audio time = base video time + lead, at any instant of the file)."""

    base: Base
    args: tuple[str, ...]
    tag: int
    tones: tuple[float, ...] = (440.0,)
    audio_stream: int | None = None
    lead: Fraction = Fraction(0)
    partner: str | None = None
    """The variant whose file is the edit's second source (default: this one's companion)."""


def ffmpeg(*args: str) -> None:
    """Run the ffmpeg CLI; any error (or warning on stderr at error level) fails loudly."""
    cmd = ["ffmpeg", "-nostdin", "-y", "-v", "error", *args]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode:
        raise RuntimeError(f"{' '.join(cmd)}: {done.stderr}")


def _x(params: str, gop: str = KEYS) -> tuple[str, ...]:
    return (*X264, "-x264-params", f"{gop}:{params}" if params else gop)


def _aac(*extra: str) -> tuple[str, ...]:
    return ("-c:a", "aac", "-b:a", "128k", *extra)


PAL = Base(Fraction(25))
DROP = ("-vf", "select=not(between(n\\,40\\,44))", "-fps_mode", "vfr")  # five frames gone: VFR
VARIANTS: dict[str, Variant] = {
    # x264 setups cameras and phones use (every one re-encodes the picture, copies the sound)
    "bframes3": Variant(PAL, ("-i", "{src}", *_x("bframes=3:b-pyramid=normal"), "-c:a", "copy"), 11),
    "open_gop": Variant(PAL, ("-i", "{src}", *_x("bframes=3:open-gop=1"), "-c:a", "copy"), 12),
    "gop250": Variant(PAL, ("-i", "{src}", *_x("bframes=2", "keyint=250:scenecut=0"), "-c:a", "copy"), 13),
    "gop3": Variant(
        PAL, ("-i", "{src}", *_x("bframes=0", "keyint=3:min-keyint=3:scenecut=0"), "-c:a", "copy"), 14
    ),
    "main": Variant(PAL, ("-i", "{src}", *_x("bframes=2"), "-profile:v", "main", "-c:a", "copy"), 15),
    "baseline": Variant(PAL, ("-i", "{src}", *_x(""), "-profile:v", "baseline", "-c:a", "copy"), 16),
    # muxing: faststart, fragments, offsets, an edit list from a stream copy cut
    "faststart": Variant(PAL, ("-i", "{src}", "-c", "copy", "-movflags", "+faststart"), 17),
    "fragmented": Variant(PAL, ("-i", "{src}", "-c", "copy", "-movflags", "frag_keyframe+empty_moov"), 18),
    "audio_late": Variant(
        PAL,
        ("-i", "{src}", "-itsoffset", "0.3", "-i", "{src}", "-map", "0:v", "-map", "1:a", "-c", "copy"),
        19,
        lead=Fraction(-3, 10),
    ),
    "video_late": Variant(
        PAL,
        ("-itsoffset", "0.2", "-i", "{src}", "-i", "{src}", "-map", "0:v", "-map", "1:a", "-c", "copy"),
        20,
        lead=Fraction(1, 5),
    ),
    # the CLI's stream-copy cut starts the picture at its first whole frame (1.32 s) and the sound
    # at 1.3 s, both at 0 in the file: the file's sound is 20 ms late
    "edit_list": Variant(
        Base(Fraction(25), 140), ("-ss", "1.3", "-i", "{src}", "-c", "copy"), 21, lead=Fraction(-1, 50)
    ),
    # sound: other rates, layouts, profiles, codecs, several streams, none
    "mono": Variant(Base(Fraction(25), channels=1), ("-i", "{src}", "-c", "copy"), 22),
    "surround": Variant(Base(Fraction(25), channels=6), ("-i", "{src}", "-c", "copy"), 23),
    "aac64k": Variant(PAL, ("-i", "{src}", "-c:v", "copy", "-c:a", "aac", "-b:a", "64k"), 24),
    "aac_main": Variant(PAL, ("-i", "{src}", "-c:v", "copy", *_aac("-profile:a", "aac_main")), 25),
    "mp3": Variant(PAL, ("-i", "{src}", "-c:v", "copy", "-c:a", "libmp3lame", "-b:a", "128k"), 26),
    "opus": Variant(PAL, ("-i", "{src}", "-c:v", "copy", "-c:a", "libopus", "-b:a", "96k"), 27),
    "two_audio": Variant(
        PAL,
        ("-i", "{src}", "-i", "{other}", "-map", "0:v", "-map", "0:a", "-map", "1:a", "-c", "copy"),
        28,
        (440.0, 660.0),
        audio_stream=2,
    ),
    "silent": Variant(PAL, ("-i", "{src}", "-c", "copy"), 29, (), partner="faststart"),
    "sr44k_25": Variant(Base(Fraction(25), sample_rate=44100), ("-i", "{src}", "-c", "copy"), 30),
    "sr44k_30": Variant(Base(Fraction(30), sample_rate=44100), ("-i", "{src}", "-c", "copy"), 31),
    "sr44k_ntsc": Variant(Base(NTSC, sample_rate=44100), ("-i", "{src}", "-c", "copy"), 32),
    # pictures a project cannot take as they are
    "rotated": Variant(PAL, ("-i", "{src}", "-c", "copy", "-metadata:s:v:0", "rotate=90"), 33),
    "sar": Variant(PAL, ("-i", "{src}", "-c", "copy", "-bsf:v", "h264_metadata=sample_aspect_ratio=4/3"), 34),
    "vfr": Variant(Base(Fraction(25), 110), ("-i", "{src}", *DROP, *_x("bframes=0"), "-c:a", "copy"), 35),
}


def chirp(f0: float, t: np.ndarray[Any, np.dtype[np.float64]]) -> np.ndarray[Any, np.dtype[np.float64]]:
    """The base's sound at base times ``t`` (seconds; silent outside the file)."""
    return np.where(t >= 0, np.sin(2 * np.pi * (f0 * t + SWEEP / 2 * t * t)), 0)


def make(name: str, folder: Path, companion: bool = False) -> Path:
    """The variant's file in ``folder`` (made once); a ``companion`` is made the same way from
    other frames (tags 100 higher) and other chirps, as a second camera's file would be."""
    v = VARIANTS[name]
    tag, tones = (v.tag + 100, tuple(t * 1.5 for t in v.tones)) if companion else (v.tag, v.tones)
    out = folder / f"{name}{'-2' if companion else ''}.mp4"
    if out.exists():
        return out
    b = v.base

    def base(path: Path, hz: float | None) -> Path:
        picture = path.with_suffix(".v.mp4")
        make_clip(picture, width=W, height=H, rate=b.rate, frames=b.frames, tag=tag, audio=False)
        if hz is None:
            return picture
        seconds = b.frames / float(b.rate)
        sound = f"aevalsrc=0.5*sin(2*PI*({hz}*t+{SWEEP / 2}*t*t)):s={b.sample_rate}:d={seconds}"
        layout = {1: "mono", 2: "stereo", 6: "5.1"}[b.channels]
        ffmpeg("-i", str(picture), "-f", "lavfi", "-i", sound, "-c:v", "copy", *_aac("-ac", str(b.channels)),
               "-channel_layout", layout, str(path))  # fmt: skip
        return path

    src = base(folder / f".{out.stem}.base.mp4", tones[0] if tones else None)
    other = base(folder / f".{out.stem}.other.mp4", tones[1]) if len(tones) > 1 else src
    ffmpeg(*(a.replace("{src}", str(src)).replace("{other}", str(other)) for a in v.args), str(out))
    return out
