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
    frames: int = 80
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
    tones: tuple[float, ...] = (440.0,)
    audio_stream: int | None = None
    lead: Fraction = Fraction(0)
    partner: str | None = None
    suffix: str = ".mp4"
    hole: tuple[float, float] | None = None
    """Base audio seconds the file leaves out (its sound silent there)."""
    """The variant whose companion is the edit's second source (default: this one's)."""


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


def _shifted(stream: str, seconds: str) -> tuple[str, ...]:
    """The base's picture and sound with one of them ``seconds`` later (``-itsoffset``), copied."""
    late, other = ("-itsoffset", seconds, "-i", "{src}"), ("-i", "{src}")
    inputs = (*late, *other) if stream == "video" else (*other, *late)
    return (*inputs, "-map", "0:v", "-map", "1:a", "-c", "copy")


PAL = Base(Fraction(25))
JITTER = (
    "-vf",
    "setpts=(N+0.2*sin(N*1.7))/(25*TB)",
    "-fps_mode",
    "passthrough",
    "-video_track_timescale",
    "90000",
)
JITTER_AUDIO = ("-af", "asetnsamples=n=1024:p=0,asetpts=N/SR/TB+round(3*sin(N/1024))/SR/TB")
GAP_AUDIO = ("-af", "asetnsamples=n=1024:p=0,aselect=not(between(n\\,40\\,44))")  # 5 AAC frames gone
UNEVEN = (
    "-force_key_frames",
    "expr:eq(n,5)+eq(n,7)+eq(n,19)+eq(n,31)+eq(n,50)+eq(n,53)",
)  # as scene cuts put them
DROP_AUDIO = ("-af", "asetnsamples=n=1024:p=0,aselect=not(eq(n\\,40))")  # one AAC frame (21 ms) gone
COVER = ("-disposition:v:1", "attached_pic")  # a still picture beside the video, as podcasts have
DROP = ("-vf", "select=not(between(n\\,40\\,44))", "-fps_mode", "vfr")  # five frames gone: VFR
VARIANTS: dict[str, Variant] = {
    # x264 setups cameras and phones use (every one re-encodes the picture, copies the sound)
    "bframes3": Variant(PAL, ("-i", "{src}", *_x("bframes=3:b-pyramid=normal"), "-c:a", "copy")),
    "open_gop": Variant(PAL, ("-i", "{src}", *_x("bframes=3:open-gop=1"), "-c:a", "copy")),
    "gop250": Variant(PAL, ("-i", "{src}", *_x("bframes=2", "keyint=250:scenecut=0"), "-c:a", "copy")),
    "gop3": Variant(
        PAL, ("-i", "{src}", *_x("bframes=0", "keyint=3:min-keyint=3:scenecut=0"), "-c:a", "copy")
    ),
    "main": Variant(PAL, ("-i", "{src}", *_x("bframes=2"), "-profile:v", "main", "-c:a", "copy")),
    "main_sps3": Variant(
        PAL, ("-i", "{src}", *_x("bframes=2:sps-id=3"), "-profile:v", "main", "-c:a", "copy")
    ),
    "baseline": Variant(PAL, ("-i", "{src}", *_x(""), "-profile:v", "baseline", "-c:a", "copy")),
    "uneven_gop": Variant(
        PAL, ("-i", "{src}", *_x("bframes=3", "keyint=250:scenecut=0"), *UNEVEN, "-c:a", "copy")
    ),
    "inband": Variant(PAL, ("-i", "{src}", *_x("bframes=2:repeat-headers=1:aud=1"), "-c:a", "copy")),
    "slices": Variant(PAL, ("-i", "{src}", *_x("bframes=2:slices=4"), "-c:a", "copy")),
    "intra_refresh": Variant(PAL, ("-i", "{src}", *_x("bframes=0:intra-refresh=1"), "-c:a", "copy")),
    # muxing: faststart, fragments, offsets, an edit list from a stream copy cut
    "faststart": Variant(PAL, ("-i", "{src}", "-c", "copy", "-movflags", "+faststart")),
    "fragmented": Variant(PAL, ("-i", "{src}", "-c", "copy", "-movflags", "frag_keyframe+empty_moov")),
    "audio_late": Variant(PAL, _shifted("audio", "0.3"), lead=Fraction(-3, 10)),
    "video_late": Variant(PAL, _shifted("video", "0.2"), lead=Fraction(1, 5)),
    # the CLI's stream-copy cut starts the picture at its first whole frame (1.32 s) and the sound
    # at 1.3 s, both at 0 in the file: the file's sound is 20 ms late
    "edit_list": Variant(
        Base(Fraction(25), 140), ("-ss", "1.3", "-i", "{src}", "-c", "copy"), lead=Fraction(-1, 50)
    ),
    # the offsets a whole number of AAC frames (0.32 s): the sound's packets land on the grid
    "audio_late_grid": Variant(PAL, _shifted("audio", "0.32"), lead=Fraction(-8, 25)),
    "video_late_grid": Variant(PAL, _shifted("video", "0.32"), lead=Fraction(8, 25)),
    "audio_early": Variant(PAL, _shifted("audio", "-0.25"), lead=Fraction(1, 4)),
    "no_editlist": Variant(
        PAL, ("-i", "{src}", "-c", "copy", "-use_editlist", "0")
    ),  # B-frame delay, priming shown
    "p50": Variant(Base(Fraction(50)), ("-i", "{src}", "-c", "copy")),
    "timescale600": Variant(Base(NTSC), ("-i", "{src}", "-c", "copy", "-video_track_timescale", "600")),
    "timescale90k": Variant(PAL, ("-i", "{src}", "-c", "copy", "-video_track_timescale", "90000")),
    "quicktime": Variant(PAL, ("-i", "{src}", "-c", "copy", "-f", "mov")),
    "audio_first": Variant(PAL, ("-i", "{src}", "-map", "0:a", "-map", "0:v", "-c", "copy")),
    "timecode": Variant(PAL, ("-i", "{src}", "-c", "copy", "-timecode", "01:00:00:00")),
    "interlaced": Variant(
        PAL, ("-i", "{src}", *_x("bframes=2:tff=1"), "-flags", "+ildct+ilme", "-c:a", "copy")
    ),
    "full_range": Variant(PAL, ("-i", "{src}", *_x("bframes=2"), "-color_range", "pc", "-c:a", "copy")),
    # a stream copy cut short (-t): an anchor past the cut stays, the B-frames shown before it go
    "end_cut": Variant(Base(Fraction(25), 140), ("-i", "{src}", "-c", "copy", "-t", "4.1")),
    "cover_art": Variant(PAL, ("-i", "{src}", "-i", "{png}", "-map", "0", "-map", "1", "-c", "copy", *COVER)),
    # other containers: screen recorders' Matroska (1 ms times), broadcast transport streams
    "mkv": Variant(PAL, ("-i", "{src}", "-c", "copy"), suffix=".mkv"),
    "mkv_ntsc": Variant(Base(NTSC), ("-i", "{src}", "-c", "copy"), suffix=".mkv"),
    "mkv_silent": Variant(PAL, ("-i", "{src}", "-c", "copy"), (), suffix=".mkv"),
    "mpegts": Variant(PAL, ("-i", "{src}", "-c", "copy"), suffix=".ts"),
    # a phone's clock: each frame's time up to a fifth of a frame off its slot
    "jitter": Variant(PAL, ("-i", "{src}", *JITTER, *_x("bframes=0"), "-c:a", "copy")),
    # sound: other rates, layouts, profiles, codecs, several streams, none
    "mono": Variant(Base(Fraction(25), channels=1), ("-i", "{src}", "-c", "copy")),
    "surround": Variant(Base(Fraction(25), channels=6), ("-i", "{src}", "-c", "copy")),
    # a phone's audio clock: each AAC frame stamped a few samples off (stts entries of 1021..1027)
    "audio_jitter": Variant(PAL, ("-i", "{src}", "-c:v", "copy", *JITTER_AUDIO, *_aac())),
    "audio_gap": Variant(
        PAL, ("-i", "{src}", "-c:v", "copy", *GAP_AUDIO, *_aac()), hole=(40 / 46.875, 45 / 46.875)
    ),
    "audio_drop": Variant(
        PAL, ("-i", "{src}", "-c:v", "copy", *DROP_AUDIO, *_aac()), hole=(40 / 46.875, 41 / 46.875)
    ),
    "aac64k": Variant(PAL, ("-i", "{src}", "-c:v", "copy", "-c:a", "aac", "-b:a", "64k")),
    "aac_main": Variant(PAL, ("-i", "{src}", "-c:v", "copy", *_aac("-profile:a", "aac_main"))),
    "mp3": Variant(PAL, ("-i", "{src}", "-c:v", "copy", "-c:a", "libmp3lame", "-b:a", "128k")),
    "opus": Variant(PAL, ("-i", "{src}", "-c:v", "copy", "-c:a", "libopus", "-b:a", "96k")),
    "two_audio": Variant(
        PAL,
        ("-i", "{src}", "-i", "{other}", "-map", "0:v", "-map", "0:a", "-map", "1:a", "-c", "copy"),
        (440.0, 660.0),
        audio_stream=2,
    ),
    "silent": Variant(PAL, ("-i", "{src}", "-c", "copy"), (), partner="faststart"),
    "sr44k_25": Variant(Base(Fraction(25), sample_rate=44100), ("-i", "{src}", "-c", "copy")),
    "sr44k_30": Variant(Base(Fraction(30), sample_rate=44100), ("-i", "{src}", "-c", "copy")),
    "sr44k_ntsc": Variant(Base(NTSC, sample_rate=44100), ("-i", "{src}", "-c", "copy")),
    # pictures a project cannot take as they are
    "rotated": Variant(PAL, ("-i", "{src}", "-c", "copy", "-metadata:s:v:0", "rotate=90")),
    "sar": Variant(PAL, ("-i", "{src}", "-c", "copy", "-bsf:v", "h264_metadata=sample_aspect_ratio=4/3")),
    "vfr": Variant(Base(Fraction(25), 110), ("-i", "{src}", *DROP, *_x("bframes=0"), "-c:a", "copy")),
}


def chirp(f0: float, t: np.ndarray[Any, np.dtype[np.float64]]) -> np.ndarray[Any, np.dtype[np.float64]]:
    """The base's sound at base times ``t`` (seconds; silent outside the file)."""
    return np.where(t >= 0, np.sin(2 * np.pi * (f0 * t + SWEEP / 2 * t * t)), 0)


def _base(folder: Path, b: Base, companion: bool, hz: float | None) -> Path:
    """The picture (tag 1, a companion's 2) with the chirp from ``hz`` (none: silent), made once."""
    name = f".base-{b.rate.numerator}-{b.rate.denominator}-{b.frames}-{b.sample_rate}-{b.channels}-{hz}"
    path = folder / f"{name}-{int(companion)}.mp4"
    picture = folder / f".picture-{b.rate.numerator}-{b.rate.denominator}-{b.frames}-{int(companion)}.mp4"
    if not picture.exists():
        make_clip(picture, width=W, height=H, rate=b.rate, frames=b.frames, tag=1 + companion, audio=False)
    if hz is None:
        return picture
    if not path.exists():
        seconds = b.frames / float(b.rate)
        sound = f"aevalsrc=0.5*sin(2*PI*({hz}*t+{SWEEP / 2}*t*t)):s={b.sample_rate}:d={seconds}"
        layout = {1: "mono", 2: "stereo", 6: "5.1"}[b.channels]
        ffmpeg("-i", str(picture), "-f", "lavfi", "-i", sound, "-c:v", "copy", *_aac("-ac", str(b.channels)),
               "-channel_layout", layout, str(path))  # fmt: skip
    return path


def make(name: str, folder: Path, companion: bool = False) -> Path:
    """The variant's file in ``folder`` (made once); a ``companion`` is made the same way from
    other frames (tag 2) and other chirps, as a second camera's file would be."""
    v = VARIANTS[name]
    out = folder / f"{name}{'-2' if companion else ''}{v.suffix}"
    if out.exists():
        return out
    tones = tuple(t * 1.5 for t in v.tones) if companion else v.tones
    src = _base(folder, v.base, companion, tones[0] if tones else None)
    other = _base(folder, v.base, companion, tones[1]) if len(tones) > 1 else src
    png = folder / ".cover.png"
    if "{png}" in v.args and not png.exists():
        ffmpeg("-f", "lavfi", "-i", "color=red:s=64x64", "-frames:v", "1", str(png))
    names = {"{src}": str(src), "{other}": str(other), "{png}": str(png)}
    ffmpeg(*(names.get(a, a) for a in v.args), str(out))
    return out
