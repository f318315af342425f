"""Tests for timeline_lab/render/execute/still.py: FFmpeg reads plain RGBA PNGs, Pillow the rest,
and the picture is the same either way."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zlib
from collections.abc import Callable
from pathlib import Path

import av
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from timeline_lab.errors import RenderError
from timeline_lab.render import ExportSettings, compile_plan
from timeline_lab.render.execute import png_rows
from timeline_lab.render.execute.png_rows import check_png_rows
from timeline_lab.render.execute.still import plain_rgba_png, still_rgba
from timeline_lab.studio import Studio


def _noise(mode: str, size: tuple[int, int] = (67, 41)) -> Image.Image:
    """Random pixels in ``mode`` (odd sizes: no row happens to line up)."""
    data = np.random.default_rng(7).integers(0, 256, size=(size[1], size[0], 4), dtype=np.uint8)
    rgba = Image.fromarray(data, "RGBA")
    return rgba.convert("RGB").quantize(64) if mode == "P" else rgba.convert(mode)


def _pillow(path: Path) -> np.ndarray:
    """The picture as Pillow reads it (16-bit greyscale to 8 bits by its full scale, as FFmpeg)."""
    with Image.open(path) as im:
        if im.mode.startswith("I;16"):
            grey = (np.asarray(im).astype(np.int64) * 255 // 65535).astype(np.uint8)
            return np.asarray(Image.fromarray(grey, "L").convert("RGBA"))
        return np.asarray(im.convert("RGBA"))


@pytest.mark.parametrize(
    ("mode", "fmt", "options", "plain"),
    [
        ("RGBA", "PNG", {}, True),
        ("RGBA", "PNG", {"compress_level": 1}, True),  # as text_cache writes titles
        ("RGBA", "PNG", {"interlace": True}, True),
        ("RGB", "PNG", {}, False),
        ("L", "PNG", {}, False),
        ("P", "PNG", {}, False),
        ("LA", "PNG", {}, False),
        ("RGB", "JPEG", {"quality": 90}, False),
    ],
)
def test_a_still_is_the_picture_pillow_reads(
    tmp_path: Path, mode: str, fmt: str, options: dict[str, object], plain: bool
) -> None:
    path = tmp_path / f"still.{fmt.lower()}"
    _noise(mode).save(path, format=fmt, **options)
    assert plain_rgba_png(path) is plain
    frame = still_rgba(path)
    assert frame.format.name == "rgba"
    assert np.array_equal(frame.to_ndarray(), _pillow(path))


def test_animated_and_deep_pngs_are_left_to_pillow(tmp_path: Path) -> None:
    apng = tmp_path / "anim.png"
    first, second = _noise("RGBA"), _noise("RGBA").transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    first.save(apng, save_all=True, append_images=[second], duration=100)
    assert not plain_rgba_png(apng)
    assert np.array_equal(still_rgba(apng).to_ndarray(), _pillow(apng))
    deep = tmp_path / "deep.png"
    deep.write_bytes(apng.read_bytes()[:24] + b"\x10\x06" + apng.read_bytes()[26:])  # IHDR says 16-bit
    assert not plain_rgba_png(deep)


@pytest.mark.parametrize("data", [b"", b"\x89PNG\r\n\x1a\n", b"GIF89a" + bytes(40)])
def test_short_or_foreign_files_are_not_plain_pngs(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "odd.png"
    path.write_bytes(data)
    assert not plain_rgba_png(path)


def test_a_plain_png_is_read_without_pillow(tmp_path: Path) -> None:
    path = tmp_path / "title.png"
    _noise("RGBA").save(path)
    script = (
        "import sys; from pathlib import Path; from timeline_lab.render.execute.still import still_rgba; "
        "still_rgba(Path(sys.argv[1])); print('PIL.Image' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", script, str(path)], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize("name", ["title%03d.png", "file:title.png", "a b?.png"])
def test_a_name_is_a_file_name_not_a_pattern_or_protocol(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    _noise("RGBA").save(path, format="PNG")
    assert plain_rgba_png(path)
    assert np.array_equal(still_rgba(path).to_ndarray(), _pillow(path))


def test_a_missing_still_fails_as_before(tmp_path: Path) -> None:
    assert not plain_rgba_png(tmp_path / "gone.png")
    with pytest.raises(FileNotFoundError):
        still_rgba(tmp_path / "gone.png")


def test_only_a_regular_file_is_looked_into(tmp_path: Path) -> None:
    """A FIFO (or device) read here would be empty when Pillow opens it: it is not opened at all
    (a FIFO without a writer would block the open)."""
    import os

    fifo = tmp_path / "pipe.png"
    os.mkfifo(fifo)
    assert not plain_rgba_png(fifo)
    assert not plain_rgba_png(tmp_path)


def test_a_picture_past_pillows_limit_goes_to_pillow(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Pillow refuses decompression bombs; FFmpeg would decode them into gigabytes."""
    path = tmp_path / "big.png"
    _noise("RGBA").save(path)
    assert plain_rgba_png(path)
    monkeypatch.setattr(sys.modules[still_rgba.__module__], "MAX_PIXELS", 67 * 41 - 1)
    assert not plain_rgba_png(path)
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", (67 * 41) // 2 - 1)
    with pytest.raises(RenderError, match=r"big\.png.*decompression bomb"):
        still_rgba(path)


def test_a_broken_still_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.png"
    _noise("RGB").save(path)
    path.write_bytes(path.read_bytes()[:200])
    with pytest.raises(RenderError, match=r"broken\.png"):
        still_rgba(path)


@pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="needs the ffmpeg CLI")
@pytest.mark.parametrize("name", ["logo%d.png", "logo%03d.jpg", "file:logo.png"])
def test_the_printed_command_reads_a_still_by_its_name(tmp_path: Path, name: str) -> None:
    """The render reads the still named; so must the printed ffmpeg command (image2 took a
    ``%d`` in the name for a sequence pattern and found no file)."""
    path = tmp_path / name
    Image.fromarray(np.full((120, 160, 3), 200, np.uint8)).save(path)
    studio = Studio(workspace=tmp_path / "ws")
    project = studio.new_project(width=160, height=120, frame_rate=25)
    project.tracks[0].append(studio.clip(path, count=3, rate=25))
    ours = studio.render(project, tmp_path / "ours.mp4", progress=False)
    args = compile_plan(project, ExportSettings(tmp_path / "cli.mp4")).to_ffmpeg_args()
    done = subprocess.run(args, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr[-500:]
    for out in (ours, tmp_path / "cli.mp4"):
        with av.open(str(out)) as c:
            frames = [f.to_ndarray(format="rgb24") for f in c.decode(video=0)]
        assert len(frames) == 3 and abs(float(frames[0].mean()) - 200) < 3, out


def _chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    pos, out = 8, []
    while pos < len(data):
        size = int.from_bytes(data[pos : pos + 4], "big")
        out.append((data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + size]))
        pos += 12 + size
    return out


def _png(chunks: list[tuple[bytes, bytes]]) -> bytes:
    """A PNG of these chunks, their CRCs right: only what a chunk holds is broken."""
    out = b"\x89PNG\r\n\x1a\n"
    for kind, body in chunks:
        out += len(body).to_bytes(4, "big") + kind + body + zlib.crc32(kind + body).to_bytes(4, "big")
    return out


def _with_rows(path: Path, change: Callable[[bytearray], bytes]) -> bytes:
    """``path``'s PNG with its inflated rows changed (and deflated again into one IDAT)."""
    chunks = _chunks(path.read_bytes())
    rows = bytearray(zlib.decompress(b"".join(body for kind, body in chunks if kind == b"IDAT")))
    rest = [c for c in chunks if c[0] != b"IDAT"]
    return _png([rest[0], (b"IDAT", zlib.compress(change(rows))), *rest[1:]])


_MODES = ["1", "L", "LA", "P", "RGB", "RGBA", "I;16"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    mode=st.sampled_from(_MODES),
    width=st.integers(1, 90),
    height=st.integers(1, 40),
    interlace=st.booleans(),
)
def test_every_whole_png_passes_the_row_check(
    tmp_path: Path, mode: str, width: int, height: int, interlace: bool
) -> None:
    """No false alarm: any PNG Pillow writes (each colour type, 1- to 16-bit, any size down to 1x1)
    is read, as Pillow reads it. (Pillow writes no Adam7 whatever it is told: see below.)"""
    data = np.random.default_rng(width * 97 + height).integers(0, 256, (height, width, 4), np.uint8)
    image = Image.fromarray(data, "RGBA")
    image = image.convert("RGB").quantize(16) if mode == "P" else image.convert(mode)
    path = tmp_path / f"{mode.replace(';', '')}-{width}x{height}-{interlace}.png"
    image.save(path, interlace=interlace)
    check_png_rows(path)
    assert np.array_equal(still_rgba(path).to_ndarray(), _pillow(path))


def test_image_data_in_many_chunks_and_from_ffmpeg_passes(tmp_path: Path) -> None:
    big = tmp_path / "big.png"  # Pillow splits a large image's data over several IDAT chunks
    Image.fromarray(np.random.default_rng(3).integers(0, 256, (700, 900, 4), np.uint8), "RGBA").save(big)
    assert sum(kind == b"IDAT" for kind, _ in _chunks(big.read_bytes())) > 1
    check_png_rows(big)
    made = tmp_path / "ffmpeg.png"
    frame = av.VideoFrame.from_ndarray(np.full((33, 65, 4), 200, np.uint8), format="rgba")
    with av.open(str(made), "w", format="image2") as out:
        stream = out.add_stream("png", rate=1)
        stream.width, stream.height, stream.pix_fmt = 65, 33, "rgba"
        out.mux(stream.encode(frame))
        out.mux(stream.encode())
    check_png_rows(made)
    assert np.array_equal(still_rgba(made).to_ndarray(), frame.to_ndarray())


@pytest.mark.parametrize("mode", ["RGBA", "RGB"])  # read by FFmpeg, by Pillow
@pytest.mark.parametrize(
    ("change", "said"),
    [
        (lambda rows: bytes(rows[:-1]), "ends after 40 of 41 rows"),
        (lambda rows: bytes(rows[: len(rows) // 2]), "ends after 20 of 41 rows"),
        (lambda rows: bytes(rows) + bytes(300), "holds more than"),
        (lambda rows: bytes(rows[:0]) + bytes([5]) + bytes(rows[1:]), "row 0 the unknown filter type 5"),
    ],
)
def test_broken_rows_are_refused_naming_the_file(
    tmp_path: Path, mode: str, change: Callable[[bytearray], bytes], said: str
) -> None:
    """FFmpeg shows such rows as whatever bytes it has, Pillow pads missing ones: both said nothing."""
    good = tmp_path / "good.png"
    _noise(mode).save(good)
    bad = tmp_path / "logo.png"
    bad.write_bytes(_with_rows(good, change))
    with pytest.raises(RenderError, match=rf"still image .*logo\.png: cannot be read: .*{said}"):
        still_rgba(bad)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cut=st.floats(0.0, 0.999), row=st.integers(0, 40), value=st.integers(5, 255))
def test_any_truncation_or_unknown_filter_is_refused(
    tmp_path: Path, cut: float, row: int, value: int
) -> None:
    good = tmp_path / "good.png"
    _noise("RGBA").save(good, compress_level=1)
    stride = 67 * 4 + 1

    def set_filter(rows: bytearray) -> bytes:
        rows[row * stride] = value
        return bytes(rows)

    for data in (
        _with_rows(good, lambda rows: bytes(rows[: int(len(rows) * cut)])),
        _with_rows(good, set_filter),
    ):
        bad = tmp_path / "bad.png"
        bad.write_bytes(data)
        with pytest.raises(RenderError, match=r"bad\.png: cannot be read"):
            still_rgba(bad)
    # the zlib stream itself cut short (the file ends inside the image data)
    raw = good.read_bytes()
    end = raw.index(b"IEND") - 8
    start = raw.index(b"IDAT") + 4
    short = tmp_path / "short.png"
    short.write_bytes(raw[: start + int((end - start) * cut)])
    with pytest.raises(RenderError, match=r"short\.png: cannot be read"):
        still_rgba(short)


_ADAM7 = ((0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2))


def _adam7(pixels: np.ndarray, colour: int) -> bytes:
    """An interlaced 8-bit PNG of ``pixels`` (H, W, C), built by hand: Pillow writes none."""
    h, w = pixels.shape[:2]
    rows = b"".join(
        b"\0" + row.tobytes() for x0, y0, dx, dy in _ADAM7 for row in pixels[y0::dy, x0::dx] if row.size
    )
    ihdr = w.to_bytes(4, "big") + h.to_bytes(4, "big") + bytes([8, colour, 0, 0, 1])
    return _png([(b"IHDR", ihdr), (b"IDAT", zlib.compress(rows)), (b"IEND", b"")])


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(width=st.integers(1, 19), height=st.integers(1, 19), rgba=st.booleans())
def test_interlaced_pngs_pass_and_read_right(tmp_path: Path, width: int, height: int, rgba: bool) -> None:
    """Sizes under 8 leave passes empty: those have no rows, and no filter bytes."""
    pixels = np.random.default_rng(width * 31 + height).integers(
        0, 256, (height, width, 4 if rgba else 3), np.uint8
    )
    path = tmp_path / "adam7.png"
    path.write_bytes(_adam7(pixels, 6 if rgba else 2))
    check_png_rows(path)
    assert plain_rgba_png(path) is rgba  # FFmpeg reads the RGBA ones, Pillow the others
    want = pixels if rgba else np.dstack([pixels, np.full((height, width), 255, np.uint8)])
    assert np.array_equal(still_rgba(path).to_ndarray(), want)
    broken = _chunks(path.read_bytes())
    rows = bytearray(zlib.decompress(broken[1][1]))
    rows[0] = 9  # the first row of the first pass
    bad = tmp_path / "adam7-bad.png"  # (a file's check is kept per size and mtime: another file)
    bad.write_bytes(_png([broken[0], (b"IDAT", zlib.compress(bytes(rows))), broken[2]]))
    with pytest.raises(RenderError, match="row 0 the unknown filter type 9"):
        still_rgba(bad)


def test_a_huge_header_is_refused_before_any_data_is_inflated(tmp_path: Path) -> None:
    path = tmp_path / "bomb.png"
    ihdr = (100_000).to_bytes(4, "big") * 2 + bytes([8, 6, 0, 0, 0])
    path.write_bytes(_png([(b"IHDR", ihdr), (b"IDAT", zlib.compress(bytes(1 << 24))), (b"IEND", b"")]))
    with pytest.raises(RenderError, match=r"bomb\.png: cannot be read: 100000x100000 pixels is more than"):
        still_rgba(path)


def test_a_chunk_longer_than_the_file_is_refused(tmp_path: Path) -> None:
    """Its length field must not size a read: 0xFFFFFFFF would ask for 4 GiB."""
    good = tmp_path / "good.png"
    _noise("RGBA", (3, 2)).save(good)
    raw = good.read_bytes()
    at = raw.index(b"IDAT") - 4
    bad = tmp_path / "long.png"
    bad.write_bytes(raw[:at] + b"\xff\xff\xff\xff" + raw[at + 4 :])
    with pytest.raises(RenderError, match=r"long\.png: cannot be read: its image data is cut short"):
        still_rgba(bad)


def test_every_row_without_the_streams_end_is_read_as_pillow_does(tmp_path: Path) -> None:
    good = tmp_path / "good.png"
    _noise("RGBA").save(good)
    chunks = _chunks(good.read_bytes())
    rows = zlib.decompress(b"".join(body for kind, body in chunks if kind == b"IDAT"))
    squeeze = zlib.compressobj()
    unclosed = squeeze.compress(rows) + squeeze.flush(zlib.Z_SYNC_FLUSH)  # no final block, no checksum
    path = tmp_path / "unclosed.png"
    path.write_bytes(_png([chunks[0], (b"IDAT", unclosed), chunks[-1]]))
    assert np.array_equal(still_rgba(path).to_ndarray(), _pillow(good))


def test_one_big_image_data_chunk_is_read_in_slices(tmp_path: Path) -> None:
    """lodepng, zopflipng and oxipng write all the data as one chunk: read whole, each inflate step
    copied the rest of it (8192x8192: 18 s, +513 MiB); in slices, memory stays flat."""
    side = 1024
    rng = np.random.default_rng(5)
    rows = b"".join(b"\1" + rng.integers(0, 4, side * 4, np.uint8).tobytes() for _ in range(side))
    ihdr = side.to_bytes(4, "big") * 2 + bytes([8, 6, 0, 0, 0])
    path = tmp_path / "one.png"
    path.write_bytes(_png([(b"IHDR", ihdr), (b"IDAT", zlib.compress(rows, 1)), (b"IEND", b"")]))
    with path.open("rb") as f:
        f.seek(33)
        pieces = [len(piece) for piece in png_rows._idat(f)]
    assert len(pieces) > 1 and max(pieces) <= png_rows._SLICE
    check_png_rows(path)
