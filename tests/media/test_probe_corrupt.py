"""Corrupt MP4 files (issue 15, lesser item): each is a ``MediaError`` naming the file, or, where the
damage lies only in sample data that probing never reads, a normal result; never another exception."""

from __future__ import annotations

import random
import shutil
import struct
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.media.conftest import Clip
from timeline_lab.errors import DamagedMediaError, MediaError
from timeline_lab.media.probe import keyframes, probe

FFMPEG = shutil.which("ffmpeg")


def _boxes(data: bytes) -> list[tuple[bytes, int, int]]:
    """Top-level MP4 boxes as (type, start, end)."""
    out, pos = [], 0
    while pos + 8 <= len(data):
        size, kind = struct.unpack(">I4s", data[pos : pos + 8])
        if size == 1:
            size = struct.unpack(">Q", data[pos + 8 : pos + 16])[0]
        elif size == 0:
            size = len(data) - pos
        out.append((kind, pos, pos + size))
        pos += size
    return out


def _box(data: bytes, kind: bytes) -> tuple[int, int]:
    return next((s, e) for k, s, e in _boxes(data) if k == kind)


def _garbage(data: bytes, start: int, end: int, seed: int = 1) -> bytes:
    rng = random.Random(seed)
    return data[:start] + rng.randbytes(end - start) + data[end:]


def _faststart(src: Path, out: Path) -> bytes:
    """The same clip with its moov before mdat (as web players want), remuxed by the ffmpeg CLI."""
    assert FFMPEG is not None
    cmd = [FFMPEG, "-v", "error", "-y", "-i", str(src), "-c", "copy", "-movflags", "+faststart", str(out)]
    subprocess.run(cmd, check=True, timeout=60)
    return out.read_bytes()


def _fragmented(src: Path, out: Path) -> bytes:
    assert FFMPEG is not None
    flags = "+frag_keyframe+empty_moov+default_base_moof"
    cmd = [FFMPEG, "-v", "error", "-y", "-i", str(src), "-c", "copy", "-movflags", flags, str(out)]
    subprocess.run(cmd, check=True, timeout=60)
    return out.read_bytes()


def _in_moov(d: bytes, old: bytes, new: bytes) -> bytes:
    s, e = _box(d, b"moov")
    assert old in d[s:e]
    return d[:s] + d[s:e].replace(old, new) + d[e:]


def _mdat_middle(d: bytes) -> tuple[int, int]:
    s, e = _box(d, b"mdat")
    return (s + e) // 2 - 2000, (s + e) // 2 + 2000


# name -> (bytes from the clip's bytes, whether a normal result is acceptable)
_KINDS: dict[str, tuple[Callable[[bytes], bytes], bool]] = {
    "zero-byte": (lambda d: b"", False),
    "random-bytes": (lambda d: random.Random(7).randbytes(len(d)), False),
    "ftyp-then-random": (lambda d: d[:32] + random.Random(8).randbytes(50_000), False),
    "truncated-8-bytes": (lambda d: d[:8], False),
    "truncated-in-ftyp": (lambda d: d[:20], False),
    "truncated-10pc": (lambda d: d[: len(d) // 10], False),
    "truncated-half": (lambda d: d[: len(d) // 2], False),
    "truncated-in-moov": (lambda d: d[: _box(d, b"moov")[0] + 200], False),
    "truncated-last-byte": (lambda d: d[:-1], False),
    "moov-less": (lambda d: d[: _box(d, b"moov")[0]] + d[_box(d, b"moov")[1] :], False),
    "moov-garbage": (lambda d: _garbage(d, _box(d, b"moov")[0] + 8, _box(d, b"moov")[1]), False),
    "moov-half-garbage": (
        lambda d: _garbage(d, (_box(d, b"moov")[0] + _box(d, b"moov")[1]) // 2, _box(d, b"moov")[1]),
        True,  # some boxes of the index survive: FFmpeg may still make sense of it
    ),
    "moov-size-huge": (  # the index itself is intact and FFmpeg reads it: a normal result is right
        lambda d: d[: _box(d, b"moov")[0]] + b"\xff\xff\xff\xf0" + d[_box(d, b"moov")[0] + 4 :],
        True,
    ),
    "mdat-size-zeroed": (lambda d: d[: _box(d, b"mdat")[0]] + bytes(4) + d[_box(d, b"mdat")[0] + 4 :], True),
    "garbage-in-the-middle": (lambda d: _garbage(d, *_mdat_middle(d)), True),  # sample data only
    "garbage-over-the-head": (lambda d: _garbage(d, 0, 4096), False),
    # sample entries of a codec FFmpeg does not know: PyAV gives such streams no codec context
    "unknown-video-codec": (lambda d: _in_moov(d, b"avc1", b"zzz1"), True),  # the sound is still usable
    "unknown-audio-codec": (lambda d: _in_moov(d, b"mp4a", b"zzz2"), True),  # FFmpeg reads esds instead
}


def _check(path: Path, ok_allowed: bool, function: Callable[[Path], object] = probe) -> None:
    try:
        function(path)
    except MediaError as exc:
        assert str(path) in str(exc), exc
        assert type(exc) in (MediaError, DamagedMediaError)
        return
    assert ok_allowed, f"{path.name}: a corrupt file probed as if it were fine"


@pytest.mark.parametrize(("kind", "ok_allowed"), [(k, v[1]) for k, v in _KINDS.items()], ids=list(_KINDS))
@pytest.mark.parametrize("layout", ["moov-last", "faststart"])
def test_corrupt_mp4_gives_a_media_error_naming_the_file(
    tmp_path: Path, clips: dict[str, Clip], kind: str, ok_allowed: bool, layout: str
) -> None:
    if layout == "faststart" and FFMPEG is None:
        pytest.skip("no ffmpeg CLI to remux with")
    src = clips["pal"].path
    data = src.read_bytes() if layout == "moov-last" else _faststart(src, tmp_path / "fast.mp4")
    path = tmp_path / f"{kind} ({layout}).mp4"  # a name with spaces and parentheses, quoted back
    path.write_bytes(_KINDS[kind][0](data))
    _check(path, ok_allowed)
    _check(path, True, keyframes)  # keyframes: the same promise (it demuxes only what is there)


def test_only_stream_of_unknown_codec(tmp_path: Path) -> None:
    """The one video stream has no decoder context (was an AttributeError): named, with its frames."""
    from timeline_lab.media.synth import make_clip

    data = make_clip(tmp_path / "silent.mp4", width=64, height=48, frames=5, audio=False).read_bytes()
    path = tmp_path / "unknown codec.mp4"
    path.write_bytes(_in_moov(data, b"avc1", b"zzz1"))
    with pytest.raises(
        MediaError, match=r"unknown codec\.mp4: video stream 0 \(5 frames listed\): FFmpeg knows no codec"
    ):
        probe(path)


@pytest.mark.skipif(FFMPEG is None, reason="no ffmpeg CLI")
@pytest.mark.parametrize("cut", [0.05, 0.3, 0.6, 0.95])
def test_truncated_fragmented_mp4(tmp_path: Path, clips: dict[str, Clip], cut: float) -> None:
    """Fragmented MP4 has no sample index up front: a cut file may still open; nothing else escapes."""
    data = _fragmented(clips["pal"].path, tmp_path / "frag.mp4")
    path = tmp_path / "frag-cut.mp4"
    path.write_bytes(data[: int(len(data) * cut)])
    _check(path, ok_allowed=cut > 0.1)


def test_random_damage_never_escapes_as_another_exception(tmp_path: Path, clips: dict[str, Clip]) -> None:
    """200 seeded corruptions anywhere in the file (cuts, garbage runs, flipped bytes)."""
    src = clips["ntsc"].path.read_bytes()
    rng = random.Random(15)
    path = tmp_path / "damaged.mp4"
    for _ in range(200):
        how = rng.randrange(3)
        if how == 0:
            data = src[: rng.randrange(len(src))]
        elif how == 1:
            start = rng.randrange(len(src))
            data = _garbage(src, start, min(len(src), start + rng.randrange(1, 5000)), rng.randrange(1 << 30))
        else:
            buf = bytearray(src)
            for _ in range(rng.randint(1, 30)):
                buf[rng.randrange(len(buf))] = rng.randrange(256)
            data = bytes(buf)
        path.write_bytes(data)
        _check(path, ok_allowed=True)


def test_an_animated_webp_is_refused_naming_the_file(tmp_path: Path) -> None:
    """FFmpeg decodes still WebP only: an animated one (a messenger's sticker) probed as a 0x0 still
    and the render divided by its size; now one clear error naming the file."""
    from PIL import Image

    from timeline_lab.studio import Studio

    path = tmp_path / "sticker.webp"
    frames = [Image.new("RGB", (64, 48), (40 * k, 80, 120)) for k in range(5)]
    frames[0].save(path, save_all=True, append_images=frames[1:], duration=100, loop=0)
    with pytest.raises(MediaError, match=r"sticker\.webp: video stream 0 .*animated"):
        probe(path)
    with pytest.raises(MediaError, match=r"sticker\.webp"):
        Studio(workspace=tmp_path).clip(path, 0, 3)
