"""Tests for timeline_lab/render/execute/still.py: FFmpeg reads plain RGBA PNGs, Pillow the rest,
and the picture is the same either way."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image

from timeline_lab.errors import RenderError
from timeline_lab.render import ExportSettings, compile_plan
from timeline_lab.render.execute.still import plain_rgba_png, still_rgba
from timeline_lab.studio import Studio


def _noise(mode: str, size: tuple[int, int] = (67, 41)) -> Image.Image:
    """Random pixels in ``mode`` (odd sizes: no row happens to line up)."""
    data = np.random.default_rng(7).integers(0, 256, size=(size[1], size[0], 4), dtype=np.uint8)
    rgba = Image.fromarray(data, "RGBA")
    return rgba.convert("RGB").quantize(64) if mode == "P" else rgba.convert(mode)


def _pillow(path: Path) -> np.ndarray:
    with Image.open(path) as im:
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
