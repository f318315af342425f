"""Flat colour patches written the way cameras, phones, DVDs and screen recorders write them
(BT.709 or BT.601, limited or full range, tagged or not), and checks that a picture shows them.

Why: a YUV matrix or range read wrongly shifts saturated colours by 20-40 levels, which no
frame-index check sees; these sources make that visible, for the render and the media layer.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import av
import numpy as np
from PIL import Image

FFMPEG = shutil.which("ffmpeg")
PATCHES = ((200, 30, 30), (30, 180, 60), (40, 60, 210), (220, 200, 40))
"""Saturated colours: BT.601 and BT.709 read the same YUV of them 20-40 levels apart."""
TOLERANCE = 8  # x264 at crf 18, 4:2:0 and two conversions (patch centres are flat)

_X264 = "-c:v libx264 -crf 10"
# name: (size, the picture's filter, ffmpeg output options, suffix): what phones, cameras, DVDs,
# screen recorders and motion-graphics tools make
SOURCES = {
    "hd_bt709": ((1280, 720), "scale=out_color_matrix=bt709:out_range=tv,format=yuv420p",
                 f"{_X264} -colorspace bt709 -color_range tv", ".mp4"),
    "hd_untagged": ((1280, 720), "scale=out_color_matrix=bt709:out_range=tv,format=yuv420p", _X264, ".mp4"),
    "sd_bt601": ((640, 360), "scale=out_color_matrix=bt601:out_range=tv,format=yuv420p",
                 f"{_X264} -colorspace smpte170m -color_range tv", ".mp4"),
    "sd_untagged": ((640, 360), "scale=out_color_matrix=bt601:out_range=tv,format=yuv420p", _X264, ".mp4"),
    "pal_bt470bg": ((720, 576), "scale=out_color_matrix=bt601:out_range=tv,format=yuv420p",
                    f"{_X264} -colorspace bt470bg", ".mp4"),
    "hd_full_range": ((1280, 720), "scale=out_color_matrix=bt709:out_range=pc,format=yuv420p",
                      f"{_X264} -colorspace bt709 -color_range 2", ".mp4"),
    "sd_tagged_709": ((640, 360), "scale=out_color_matrix=bt709:out_range=tv,format=yuv420p",
                      f"{_X264} -colorspace bt709", ".mp4"),  # the tag wins over the size
    "rgb_png_mov": ((640, 360), "format=rgb24", "-c:v png", ".mov"),  # motion graphics: RGB video
    "rgba_qtrle": ((1280, 720), "format=argb", "-c:v qtrle", ".mov"),  # QuickTime Animation, with alpha
}  # fmt: skip
TAGGED = {
    "hd_bt709",
    "sd_bt601",
    "pal_bt470bg",
    "hd_full_range",
    "sd_tagged_709",
    "rgb_png_mov",
    "rgba_qtrle",
}
"""The kinds PyAV reads as a player does (by their tags, or RGB): the others it reads as BT.601."""


def patches(size: tuple[int, int]) -> np.ndarray:
    """The four patches side by side, as RGB of ``size``."""
    w, h = size
    img = np.zeros((h, w, 3), np.uint8)
    for k, rgb in enumerate(PATCHES):
        img[:, k * w // 4 : (k + 1) * w // 4] = rgb
    return img


def make_sources(d: Path) -> dict[str, Path]:
    """Every kind of ``SOURCES``, 16 frames of it, under ``d``."""
    assert FFMPEG is not None, "needs the ffmpeg CLI (make test installs it)"
    out = {}
    for name, ((w, h), vf, options, suffix) in SOURCES.items():
        png = d / f"{name}.png"
        Image.fromarray(patches((w, h))).save(png)
        path = d / f"{name}{suffix}"
        cmd = [FFMPEG, "-v", "error", "-y", "-loop", "1", "-framerate", "25", "-i", str(png),
               "-frames:v", "16", "-vf", vf, *options.split(), str(path)]  # fmt: skip
        subprocess.run(cmd, check=True)
        out[name] = path
    return out


def shown(path: Path, n: int = 5) -> tuple[np.ndarray, int]:
    """Frame ``n`` as RGB the way its tags say (PyAV reads them), and the matrix tag."""
    with av.open(str(path)) as c:
        for k, f in enumerate(c.decode(video=0)):
            if k == n:
                return f.to_ndarray(format="rgb24").astype(int), int(f.colorspace)
    raise AssertionError(f"{path} has fewer than {n + 1} frames")


def check_patches(img: np.ndarray, what: str, x0: int = 0, x1: int | None = None) -> None:
    """Each patch's centre (patches side by side over ``x0..x1``) shows its RGB."""
    x1 = img.shape[1] if x1 is None else x1
    y = img.shape[0] // 2
    for k, want in enumerate(PATCHES):
        got = img[y, x0 + (2 * k + 1) * (x1 - x0) // 8]
        assert np.abs(got - want).max() <= TOLERANCE, f"{what}: patch {k} shows {got.tolist()}, not {want}"


HDR_SOURCES = {
    "hlg_bt2020": ("arib-std-b67", "libx265", ".mp4"),  # a phone's HDR video (HLG, BT.2020, HEVC 10-bit)
    "pq_bt2020": ("smpte2084", "libx265", ".mkv"),  # HDR10
    "sdr_bt2020": ("bt2020-10", "libx264", ".mp4"),  # wide gamut, SDR transfer
}
_TRC_CODES = {"arib-std-b67": 18, "smpte2084": 16, "bt2020-10": 14}


def make_hdr_sources(
    d: Path, size: tuple[int, int] = (640, 360), pix_fmt: str = "yuv420p10le"
) -> dict[str, Path]:
    """The patches as BT.2020 10-bit video in HLG, PQ and SDR (FFmpeg's own colour management
    places SDR colours in them, as a grading tool does), tagged as phones and HDR10 files are."""
    w, h = size
    out = {}
    for name, (transfer, encoder, suffix) in HDR_SOURCES.items():
        g = av.filter.Graph()
        src = g.add("buffer", f"video_size={w}x{h}:pix_fmt=rgb24:pixel_aspect=1/1:time_base=1/25")
        scale = g.add("scale", f"in_transfer=bt709:in_primaries=bt709:out_transfer={transfer}"
                      ":out_primaries=bt2020:out_color_matrix=bt2020:out_range=tv")  # fmt: skip
        fmt, sink = g.add("format", pix_fmt), g.add("buffersink")
        src.link_to(scale)
        scale.link_to(fmt)
        fmt.link_to(sink)
        g.configure()
        path = d / f"{name}{suffix}"
        with av.open(str(path), "w") as c:
            quiet = {"x265-params": "log-level=error"} if encoder == "libx265" else {}
            s = c.add_stream(encoder, rate=25, options={"crf": "8", "preset": "ultrafast", **quiet})
            s.width, s.height, s.pix_fmt = w, h, pix_fmt
            cc = s.codec_context
            cc.colorspace, cc.color_primaries, cc.color_trc, cc.color_range = 9, 9, _TRC_CODES[transfer], 1
            for k in range(16):
                frame = av.VideoFrame.from_ndarray(patches(size), format="rgb24")
                frame.pts = 0
                src.push(frame)
                hdr = sink.pull()
                hdr.pts = k
                c.mux(s.encode(hdr))
            c.mux(s.encode(None))
        out[name] = path
    return out
