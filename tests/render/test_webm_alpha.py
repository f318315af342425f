"""A WebM overlay with transparency (VP8 or VP9 with ``alpha_mode=1``, as browsers, After Effects
and OBS export them): FFmpeg's own decoders drop the alpha and the overlay covered the track
under it; the render and the printed ffmpeg command decode it with libvpx and keep it."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import av
import numpy as np
import pytest

from timeline_lab.media.probe import probe
from timeline_lab.studio import Studio

FFMPEG = shutil.which("ffmpeg")
pytestmark = pytest.mark.skipif(FFMPEG is None, reason="the ffmpeg CLI writes WebM with alpha")

GREEN = (0, 192, 0)
BAND = (
    "color=c=red:s=160x120:r=25:d=1,format=yuva420p,"
    "geq=lum='p(X,Y)':cb='p(X,Y)':cr='p(X,Y)':a='if(lt(Y,40),255,0)'"
)


def _overlay(d: Path, codec: str) -> Path:
    """Opaque red over rows 0-39, transparent below."""
    assert FFMPEG is not None
    out = d / f"overlay-{codec}.webm"
    enc = f"-c:v {codec} -pix_fmt yuva420p -auto-alt-ref 0 -deadline realtime -b:v 1M"
    cmd = [FFMPEG, "-v", "error", "-y", "-f", "lavfi", "-i", BAND, *enc.split(), str(out)]
    subprocess.run(cmd, check=True)
    return out


@pytest.mark.parametrize("codec", ["libvpx-vp9", "libvpx"])
def test_the_overlay_keeps_its_transparency(tmp_path: Path, codec: str) -> None:
    assert FFMPEG is not None
    overlay = _overlay(tmp_path, codec)
    video = probe(overlay).primary_video
    assert video is not None and video.pix_fmt == "yuva420p"
    green = tmp_path / "green.mp4"
    bg = "-f lavfi -i color=c=0x00c000:s=160x120:r=25:d=1 -c:v libx264 -pix_fmt yuv420p"
    subprocess.run([FFMPEG, "-v", "error", "-y", *bg.split(), str(green)], check=True)
    studio = Studio(workspace=tmp_path)
    project = studio.new_project(width=160, height=120, frame_rate=25)
    project.tracks[0].append(studio.clip(green, 0, 20))
    project.add_track("video", "V2").append(studio.clip(overlay, 3, 15))  # cut inside the stream
    out = studio.render(project, tmp_path / "out.mp4", progress=False)
    plan = studio.plan(project, tmp_path / "cli.mp4")
    subprocess.run(plan.to_ffmpeg_args(), check=True, capture_output=True)
    for path in (out, tmp_path / "cli.mp4"):
        with av.open(str(path)) as c:
            frames = [f.to_ndarray(format="rgb24").astype(int) for f in c.decode(video=0)]
        assert len(frames) == 20
        for k in (0, 10):
            below, band = frames[k][80:110, 20:140].reshape(-1, 3), frames[k][5:30, 20:140].reshape(-1, 3)
            assert np.abs(below - GREEN).max() <= 12, f"{path.name} frame {k}: the overlay hid the green"
            assert band[:, 0].min() > 180 and band[:, 1].max() < 60, f"{path.name} frame {k}: no red band"


def _numbered(d: Path, codec: str, extra: list[str]) -> Path:
    """100 frames at 30 fps: the frame number as 7 black/white bars (4 px each) in the opaque left
    half, the right half transparent. Its pictures change so much that libvpx puts keyframes at
    scene changes, while the alpha plane (which never changes) gets them every 25 frames only."""
    from PIL import Image

    assert FFMPEG is not None
    seq = d / "seq"
    seq.mkdir(exist_ok=True)
    for k in range(100):
        a = np.zeros((48, 64, 4), np.uint8)
        a[:, :32, 3] = 255
        for b in range(7):
            a[:, b * 4 : b * 4 + 4, :3] = 255 if (k >> b) & 1 else 0
        Image.fromarray(a, "RGBA").save(seq / f"n_{k:03d}.png")
    out = d / f"numbered-{codec}-{len(extra)}.webm"
    enc = [FFMPEG, "-v", "error", "-y", "-framerate", "30", "-i", str(seq / "n_%03d.png"), "-c:v", codec]
    enc += ["-pix_fmt", "yuva420p", "-b:v", "4M", "-auto-alt-ref", "0", "-g", "25", *extra, str(out)]
    subprocess.run(enc, check=True)
    return out


def _keys(path: Path) -> tuple[list[int], list[int]]:
    """Packets that are picture keyframes, and those whose alpha is one (by its VP8 frame tag)."""
    from timeline_lab.media.alpha_decoders import alpha_keyframe

    with av.open(str(path)) as c:
        s = c.streams.video[0]
        packets = [p for p in c.demux(s) if p.size]
        codec = s.codec_context.name
        return [i for i, p in enumerate(packets) if p.is_keyframe], [
            i for i, p in enumerate(packets) if alpha_keyframe(p, codec)
        ]


@pytest.mark.parametrize(
    ("codec", "extra"),
    [("libvpx", []), ("libvpx", ["-speed", "4"]), ("libvpx", ["-deadline", "realtime"]), ("libvpx-vp9", [])],
)
def test_clips_cut_anywhere_in_an_overlay_whose_alpha_keyframes_differ(
    tmp_path: Path, codec: str, extra: list[str]
) -> None:
    """A read starts where the picture and its alpha are both keyframes: from one where only the
    picture was, libvpx refused the alpha packet and the render failed ('cannot decode')."""
    assert FFMPEG is not None
    overlay = _numbered(tmp_path, codec, extra)
    picture, alpha = _keys(overlay)
    assert alpha[:4] == [0, 25, 50, 75]
    green = tmp_path / "green.mp4"
    bg = "-f lavfi -i color=c=0x00c000:s=64x48:r=30:d=1 -c:v libx264 -pix_fmt yuv420p"
    subprocess.run([FFMPEG, "-v", "error", "-y", *bg.split(), str(green)], check=True)
    studio = Studio(workspace=tmp_path)
    starts = sorted({4, 20, 33, 60, 97} | {k + 1 for k in picture if k < 97})
    for first in starts:
        project = studio.new_project(width=64, height=48, frame_rate=30)
        project.tracks[0].append(studio.clip(green, 0, 3))
        project.add_track("video", "V2").append(studio.clip(overlay, first, 3))
        out = studio.render(project, tmp_path / f"out{first}.mp4", progress=False)
        cli = tmp_path / f"cli{first}.mp4"
        subprocess.run(studio.plan(project, cli).to_ffmpeg_args(), check=True, capture_output=True)
        for path in (out, cli):
            with av.open(str(path)) as c:
                frames = [f.to_ndarray(format="rgb24").astype(int) for f in c.decode(video=0)]
            shown = [sum((int(f[24, b * 4 + 2, 0]) > 128) << b for b in range(7)) for f in frames]
            assert shown == [first, first + 1, first + 2], (path.name, picture, alpha)
            right = np.stack([f[8:40, 40:60] for f in frames]).reshape(-1, 3)
            assert np.abs(right - GREEN).max() <= 12, f"{path.name}: the transparent half hid the green"
