"""Sources whose pictures change shape midway (a camera switched in a call, a screen recording
whose window is resized, a phone's screen turned, broadcast segments at 4:3 then 16:9): every
reader fits the new pictures into the stream's size with their shape kept and black bars, as a
player shows them, instead of stretching them (the render, preview frames, proxies, recognition
and analysis alike)."""

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
from timeline_lab.media.fit import Refit, fit_box
from timeline_lab.media.previews import frame_at
from timeline_lab.media.proxy import make_proxy
from timeline_lab.recognition.frames import FrameSampler
from timeline_lab.studio import Studio

FFMPEG = shutil.which("ffmpeg")
needs_cli = pytest.mark.skipif(FFMPEG is None, reason="the ffmpeg CLI joins the segments")

N, HALF = 30, 15
GREEN, RED = (40, 200, 60), (220, 40, 40)

# (container, encoder options, the first size, the second): the second picture's shape differs
KINDS = {
    "mp4-h264-wider": (".ts", "-c:v libx264 -g 5 -bf 0 -f mpegts", (320, 240), (320, 180)),
    "webm-vp8-narrower": (".webm", "-c:v libvpx -deadline realtime -b:v 2M -g 5", (320, 180), (240, 240)),
    "mkv-h264-turned": (".mkv", "-c:v libx264 -g 5 -bf 0", (320, 180), (180, 320)),
}


def _joined(d: Path, ext: str, codec: str, first: tuple[int, int], second: tuple[int, int]) -> Path:
    """``first`` in green for 15 frames, then ``second`` in red, one stream (the container says the
    first size); a TS is remuxed into MP4 as a recorder that joins segments leaves it."""
    assert FFMPEG is not None
    parts = []
    for k, ((w, h), colour) in enumerate(((first, GREEN), (second, RED))):
        part = d / f"part{k}{ext}"
        pixels = np.tile(np.array(colour, np.uint8), (HALF, h, w, 1)).tobytes()
        raw = f"-f rawvideo -pix_fmt rgb24 -s {w}x{h} -framerate 25 -i pipe:0 {codec} -pix_fmt yuv420p"
        subprocess.run([FFMPEG, "-v", "error", "-y", *raw.split(), str(part)], input=pixels, check=True)
        parts.append(part)
    listing = d / "parts.txt"
    listing.write_text("".join(f"file '{p}'\n" for p in parts))
    out = d / f"joined{ext}"
    concat = ["-f", "concat", "-safe", "0", "-i", str(listing), "-c", "copy", str(out)]
    subprocess.run([FFMPEG, "-v", "error", "-y", *concat], check=True)
    if ext == ".ts":
        mp4 = d / "joined.mp4"
        subprocess.run([FFMPEG, "-v", "error", "-y", "-i", str(out), "-c", "copy", str(mp4)], check=True)
        return mp4
    return out


@pytest.fixture(scope="module", params=sorted(KINDS))
def joined(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    ext, codec, first, second = KINDS[request.param]
    return _joined(tmp_path_factory.mktemp(request.param), ext, codec, first, second), request.param


def _check(img: np.ndarray, box: tuple[int, int], second: tuple[int, int], what: str) -> None:
    """A picture of the second shape, fitted into ``box`` (w, h): red inside, black bars around."""
    bw, bh = box
    x, y, w, h = fit_box(box, second)
    assert img.shape[:2] == (bh, bw), what
    inside = img[y + 3 : y + h - 3, x + 3 : x + w - 3].reshape(-1, 3).astype(int)
    assert np.abs(inside - RED).max() <= 12, f"{what}: the picture is not where its shape puts it"
    bars = [img[:, : max(0, x - 2)], img[:, x + w + 2 :], img[: max(0, y - 2)], img[y + h + 2 :]]
    assert any(b.size for b in bars) or (w, h) == box, what
    for bar in bars:
        assert bar.size == 0 or bar.max() <= 20, f"{what}: the bars are not black"


@needs_cli
def test_render_fits_the_new_shape(joined: tuple[Path, str], tmp_path: Path) -> None:
    path, kind = joined
    _, _, first, second = KINDS[kind]
    studio = Studio(workspace=tmp_path)
    project = studio.new_project(width=first[0], height=first[1], frame_rate=25)
    project.tracks[0].append(studio.clip(path, 2, N - 4))
    out = studio.render(project, tmp_path / "out.mp4", progress=False)
    with av.open(str(out)) as c:
        pictures = [f.to_ndarray(format="rgb24") for f in c.decode(video=0)]
    assert len(pictures) == N - 4
    assert np.abs(pictures[5][8:-8, 8:-8].reshape(-1, 3).astype(int) - GREEN).max() <= 12
    for k in (HALF - 2 + 1, N - 5):  # timeline frames showing source frames 16 and 27
        _check(pictures[k], first, second, f"{kind}: render frame {k}")


@needs_cli
def test_previews_proxies_and_recognition_fit_the_new_shape(joined: tuple[Path, str], tmp_path: Path) -> None:
    path, kind = joined
    _, _, first, second = KINDS[kind]
    _check(frame_at(path, 20), first, second, f"{kind}: preview frame")
    proxy = make_proxy(path, tmp_path / "proxy.mp4", height=first[1])
    with av.open(str(proxy)) as c:
        shown = [f.to_ndarray(format="rgb24") for f in c.decode(video=0)]
    assert len(shown) == N
    _check(shown[20], first, second, f"{kind}: proxy")
    images = [im for b in FrameSampler(path, batch=8) for im in b.images]
    assert len(images) == N
    _check(np.asarray(images[20]), first, second, f"{kind}: recognition")
    table = signals(path)
    assert table.height == N and table["luma_mean"].null_count() == 0


@settings(max_examples=60, deadline=None)
@given(
    box=st.tuples(st.integers(2, 2000), st.integers(2, 2000)),
    size=st.tuples(st.integers(1, 4000), st.integers(1, 4000)),
)
def test_fit_box_keeps_the_shape_inside_the_box(box: tuple[int, int], size: tuple[int, int]) -> None:
    x, y, w, h = fit_box(box, size)
    assert x >= 0 and y >= 0 and x + w <= box[0] and y + h <= box[1]
    assert w == box[0] or h == box[1]  # one side fills the box
    assert w % 2 == 0 or w == box[0]
    assert h % 2 == 0 or h == box[1]
    if w > 8 and h > 8:  # the shape is kept to rounding on the chroma grid
        assert abs(w / h - size[0] / size[1]) <= (2.5 / min(w, h)) * (w / h) + 1e-9


def test_refit_keeps_format_tags_and_timing() -> None:
    frame = av.VideoFrame.from_ndarray(np.full((90, 160, 3), RED, np.uint8), format="rgb24")
    frame = frame.reformat(format="yuv420p10le", dst_colorspace=1, dst_color_range=2)
    frame.pts, frame.time_base, frame.duration = 1234, Fraction(1, 90000), 7
    out = Refit((120, 120))(frame)
    assert (out.width, out.height, out.format.name) == (120, 120, "yuv420p10le")
    assert (out.pts, out.duration, out.time_base) == (1234, 7, frame.time_base)
    assert (int(out.colorspace), int(out.color_range)) == (1, 2)
    rgb = out.to_ndarray(format="rgb24", src_colorspace=1, src_color_range=2)
    y = fit_box((120, 120), (160, 90))[1]
    assert rgb[: y - 1].max() <= 2 and np.abs(rgb[60, 60].astype(int) - RED).max() <= 6
    same = av.VideoFrame(120, 120, "yuv420p")
    assert Refit((120, 120))(same) is same
