"""A clip's sound fades on the frames its picture fades, transitions on the same edge or not."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import Literal

import av
import numpy as np
import pytest

from timeline_lab.model.properties import Effect
from timeline_lab.model.time import RationalTime
from timeline_lab.model.transition import Transition
from timeline_lab.render.compile.sound import samples_at
from timeline_lab.studio import Studio

from .conftest import decode_audio, decode_video

SR = 48000
NTSC = Fraction(30000, 1001)


def solid(path: Path, rgb: tuple[int, int, int], channel: int, rate: Fraction) -> Path:
    """A flat colour picture and DC 0.5 sound on one channel of two, 4 s."""
    with av.open(str(path), "w") as out:
        vs = out.add_stream("libx264", rate=rate, options={"qp": "0", "preset": "ultrafast"})
        vs.width, vs.height, vs.pix_fmt = 64, 48, "yuv444p"
        aus = out.add_stream("pcm_s16le", rate=SR, layout="stereo")
        img = np.zeros((48, 64, 3), np.uint8)
        img[:] = rgb
        for i in range(int(4 * rate)):
            f = av.VideoFrame.from_ndarray(img, format="rgb24")
            f.pts = i
            out.mux(vs.encode(f))
        pcm = np.zeros((2, 4 * SR), np.float32)
        pcm[channel] = 0.5
        for i in range(0, pcm.shape[1], 1024):
            a = av.AudioFrame.from_ndarray(
                np.ascontiguousarray(pcm[:, i : i + 1024]), format="fltp", layout="stereo"
            )
            a.sample_rate, a.pts = SR, i
            out.mux(aus.encode(a))
        out.mux(vs.encode(None))
        out.mux(aus.encode(None))
    return path


@pytest.mark.parametrize(
    ("rate", "fade", "dissolve", "alignment"),
    [
        (Fraction(25), 10, 0, "center"),
        (Fraction(25), 10, 10, "center"),
        (Fraction(25), 4, 10, "center"),
        (Fraction(25), 20, 6, "start"),
        (NTSC, 7, 12, "end"),
        (NTSC, 40, 8, "center"),  # longer than the clip: the whole clip fades
    ],
)
def test_sound_fades_on_the_frames_the_picture_fades(
    studio: Studio,
    tmp_path: Path,
    rate: Fraction,
    fade: int,
    dissolve: int,
    alignment: Literal["center", "start", "end"],
) -> None:
    red, blue = (
        solid(tmp_path / "a.mov", (255, 0, 0), 0, rate),
        solid(tmp_path / "b.mov", (0, 0, 255), 1, rate),
    )
    plain = studio.new_project(width=64, height=48, frame_rate=rate)  # the two colours unfaded
    plain.tracks[0].append(studio.clip(red, 0, 1))
    plain.tracks[0].append(studio.clip(blue, 0, 1))
    r, b = decode_video(studio.render(plain, tmp_path / "p.mkv", video_codec="ffv1", progress=False))
    full = [r[..., 0].mean(), b[..., 2].mean()]
    project = studio.new_project(width=64, height=48, frame_rate=rate)
    v = project.tracks[0]
    fades = [
        Effect(kind="fade_in", params={"frames": fade}),
        Effect(kind="fade_out", params={"frames": fade}),
    ]
    first = v.append(studio.clip(red, 30, 30).model_copy(update={"effects": fades}))
    second = v.append(studio.clip(blue, 30, 30).model_copy(update={"effects": fades}))
    if dissolve:
        span = RationalTime(dissolve, rate)
        v.add_transition(
            Transition(from_clip=first.id, to_clip=second.id, duration=span, alignment=alignment)
        )
    out = studio.render(project, tmp_path / "out.mkv", video_codec="ffv1", audio_codec="flac", progress=False)
    pictures = np.array([f[..., [0, 2]].mean(axis=(0, 1)) for f in decode_video(out)])  # red = A, blue = B
    picture = pictures / full
    pcm, sr = decode_audio(out)
    sound = pcm[:, [samples_at(k, rate, sr) for k in range(len(picture))]].T / 0.5  # L = A, R = B
    assert len(picture) == 60 and sound.min() < 0.05 and (sound.max(axis=0) > 0.2).all()
    np.testing.assert_allclose(sound, picture, atol=0.02)
