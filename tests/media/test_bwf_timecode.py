"""A BWF recorder's time of day (bext time reference, iXML rate) places its sound by timecode."""

from __future__ import annotations

import math
import shutil
import struct
import subprocess
from fractions import Fraction
from pathlib import Path

import pytest

from timeline_lab.errors import ProjectError
from timeline_lab.media.clips import clip_of
from timeline_lab.media.probe import probe
from timeline_lab.media.reference import reference_for
from timeline_lab.model.time import RationalTime

FFMPEG = shutil.which("ffmpeg")
pytestmark = pytest.mark.skipif(FFMPEG is None, reason="the ffmpeg CLI writes the bext chunk")

HOUR = 3600


def _bwf(
    path: Path, sample_rate: int, time_reference: int, *, rf64: bool = False, seconds: float = 2
) -> Path:
    """A BWF file of ``seconds`` of tone starting ``time_reference`` samples after midnight."""
    assert FFMPEG is not None
    cmd = [FFMPEG, "-v", "error", "-y", "-f", "lavfi", "-i", f"sine=r={sample_rate}:d={seconds}"]
    cmd += ["-c:a", "pcm_s16le", "-write_bext", "1", "-metadata", f"time_reference={time_reference}"]
    subprocess.run([*cmd, *(["-rf64", "always"] if rf64 else []), str(path)], check=True)
    return path


def _with_ixml(path: Path, speed: str) -> Path:
    """``path`` with an iXML chunk holding ``<SPEED>speed</SPEED>`` before its data chunk."""
    data = path.read_bytes()
    body = f'<?xml version="1.0"?><BWFXML><SPEED>{speed}</SPEED></BWFXML>'.encode()
    body += b"\0" * (len(body) & 1)
    at = data.index(b"data")
    out = data[:at] + b"iXML" + struct.pack("<I", len(body)) + body + data[at:]
    if out[:4] == b"RIFF":
        out = out[:4] + struct.pack("<I", len(out) - 8) + out[8:]
    path.write_bytes(out)
    return path


def _expected(tc: str, rate: Fraction, time_reference: int, sample_rate: int) -> int:
    """The sample a timecode names, counted independently: its seconds less the start's."""
    seconds = RationalTime.from_timecode(tc, rate).to_seconds()
    return math.floor((seconds - Fraction(time_reference, sample_rate)) * sample_rate + Fraction(1, 2))


STARTS = [  # (sample rate, time reference)
    (48000, 0),
    (48000, HOUR * 48000),
    (44100, HOUR * 44100),
    (96000, 10 * HOUR * 96000),
    (48000, HOUR * 48000 + 12345),  # not on any frame
    (44100, (23 * HOUR + 59 * 60 + 58) * 44100 + 7),
    (48000, (24 * HOUR - 1) * 48000 + 24000),  # half a second before midnight
]
RATES = [  # (project rate, timecode separator)
    (Fraction(24), ":"),
    (Fraction(25), ":"),
    (Fraction(30000, 1001), ";"),
    (Fraction(30), ":"),
]


@pytest.mark.parametrize(("sample_rate", "time_reference"), STARTS)
def test_probe_reads_time_reference(tmp_path: Path, sample_rate: int, time_reference: int) -> None:
    audio = probe(_bwf(tmp_path / "a.wav", sample_rate, time_reference)).primary_audio
    assert audio is not None
    assert audio.time_reference == time_reference
    assert audio.timecode_rate is None
    whole = time_reference // sample_rate
    frames = (time_reference % sample_rate) * 25 // sample_rate
    assert (
        audio.timecode(Fraction(25))
        == f"{whole // 3600:02d}:{whole // 60 % 60:02d}:{whole % 60:02d}:{frames:02d}"
    )


@pytest.mark.parametrize(("sample_rate", "time_reference"), STARTS)
@pytest.mark.parametrize(("rate", "sep"), RATES)
def test_timecode_places_sound(
    tmp_path: Path, sample_rate: int, time_reference: int, rate: Fraction, sep: str
) -> None:
    ref = reference_for(_bwf(tmp_path / "a.wav", sample_rate, time_reference))
    origin = Fraction(time_reference, sample_rate)
    second = math.ceil(origin + Fraction(1, 20)) % 86400  # a whole second just after the start
    tc = f"{second // 3600:02d}:{second // 60 % 60:02d}:{second % 60:02d}{sep}02"
    at = RationalTime.from_timecode(tc, rate).to_seconds()
    if at < origin:  # past midnight: the next day's
        at += RationalTime.from_timecode(f"24:00:00{sep}00", rate).to_seconds()
    want = math.floor((at - origin) * sample_rate + Fraction(1, 2))
    assert 0 < want < 2 * sample_rate
    clip = clip_of(ref, tc, 100, timecode_rate=rate)
    assert clip.source_range.start.to_frames(sample_rate) == want


def test_studio_reviewer_case(tmp_path: Path) -> None:
    from timeline_lab.studio import Studio

    path = _bwf(tmp_path / "bwf.wav", 48000, 172800000, seconds=3)
    studio = Studio(workspace=tmp_path / "ws")
    clip = studio.clip(path, "01:00:01:00", 48000)
    assert clip.source_range.start.to_frames(48000) == 48000
    assert clip.source_range.duration.to_frames(48000) == 48000
    assert studio.clip(path, "01:00:01:12", 2000, rate=24).source_range.start.to_frames(48000) == 72000
    with pytest.raises(ProjectError, match=r"bwf\.wav"):
        studio.clip(path, "00:59:59:00", 48000)  # before the start: past midnight, far past the end


@pytest.mark.parametrize("rf64", [False, True])
@pytest.mark.parametrize(
    ("speed", "rate", "drop", "tc"),
    [
        (
            "<TIMECODE_RATE>24000/1001</TIMECODE_RATE><TIMECODE_FLAG>NDF</TIMECODE_FLAG>",
            Fraction(24000, 1001),
            False,
            "00:59:56:09",
        ),
        (
            "<TIMECODE_RATE>30000/1001</TIMECODE_RATE><TIMECODE_FLAG>DF</TIMECODE_FLAG>",
            Fraction(30000, 1001),
            True,
            "01:00:00;00",
        ),
        ("<TIMECODE_RATE>25/1</TIMECODE_RATE>", Fraction(25), False, "01:00:00:00"),
        ("<TIMECODE_RATE>nonsense</TIMECODE_RATE>", None, False, None),
    ],
)
def test_ixml_rate(
    tmp_path: Path, rf64: bool, speed: str, rate: Fraction | None, drop: bool, tc: str | None
) -> None:
    tr = HOUR * 48000
    path = _with_ixml(_bwf(tmp_path / "a.wav", 48000, tr, rf64=rf64), speed)
    audio = probe(path).primary_audio
    assert audio is not None
    assert (audio.time_reference, audio.timecode_rate, audio.drop_frame) == (tr, rate, drop)
    assert audio.timecode() == tc
    if rate is not None:  # the recorder's rate counts a timecode's frames when the caller gives none
        ref = reference_for(path)
        assert tc is not None
        at = f"{tc[:6]}{int(tc[6:8]) + 1:02d}{tc[8]}05"  # a second and some frames after the start
        got = clip_of(ref, at, 10).source_range.start.to_frames(48000)
        assert got == _expected(at, rate, tr, 48000)


def test_ixml_samples_since_midnight(tmp_path: Path) -> None:
    path = tmp_path / "a.wav"
    subprocess.run(
        [FFMPEG or "ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "sine=r=48000:d=1", str(path)],
        check=True,
    )
    tr = 10 * HOUR * 48000  # over 2**32: both halves
    speed = (
        f"<TIMESTAMP_SAMPLES_SINCE_MIDNIGHT_HI>{tr >> 32}</TIMESTAMP_SAMPLES_SINCE_MIDNIGHT_HI>"
        f"<TIMESTAMP_SAMPLES_SINCE_MIDNIGHT_LO>{tr & 0xFFFFFFFF}</TIMESTAMP_SAMPLES_SINCE_MIDNIGHT_LO>"
    )
    audio = probe(_with_ixml(path, speed)).primary_audio
    assert audio is not None and audio.time_reference == tr


def test_plain_wav_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "plain.wav"
    subprocess.run(
        [FFMPEG or "ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "sine=r=48000:d=2", str(path)],
        check=True,
    )
    audio = probe(path).primary_audio
    assert audio is not None and audio.time_reference is None and audio.timecode() is None
    ref = reference_for(path)
    assert clip_of(ref, "00:00:01:00", 10).source_range.start.to_frames(48000) == 48000
    assert (
        clip_of(ref, "00:00:01:12", 10, timecode_rate=Fraction(24)).source_range.start.to_frames(48000)
        == 72000
    )
