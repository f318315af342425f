"""Every export format end to end: render a short edit, read the result back, check what is inside."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest

from timeline_lab.errors import RenderError
from timeline_lab.media.synth import read_frame_index
from timeline_lab.studio import Studio

from .conftest import decode_audio, decode_video, peak_hz

pytestmark = pytest.mark.slow


def edit(studio: Studio, media: dict[str, Path]):
    project = studio.new_project(width=160, height=120, frame_rate=25)
    project.tracks[0].append(studio.clip(media["pal"], 3, 6))
    project.tracks[0].append(studio.clip(media["pal"], 20, 4))
    return project


EXPECTED = [3, 4, 5, 6, 7, 8, 20, 21, 22, 23]


@pytest.mark.parametrize(
    ("name", "fmt", "codec"),
    [("o.mp4", "auto", "h264"), ("o.mp4", "mp4-hevc", "hevc"), ("o.webm", "auto", "vp9"),
     ("o.mov", "auto", "h264"), ("o.mkv", "mkv-av1", "av1")],
)  # fmt: skip
def test_video_containers(
    studio: Studio, media: dict[str, Path], tmp_path: Path, name: str, fmt: str, codec: str
) -> None:
    out = studio.render(edit(studio, media), tmp_path / name, progress=False, format=fmt)
    with av.open(str(out)) as c:
        assert (
            c.streams.video[0].codec_context.name.startswith(codec) or codec in c.streams.video[0].codec.name
        )
        assert len(c.streams.audio) == 1
    assert [read_frame_index(f)[0] for f in decode_video(out)] == EXPECTED
    pcm, sr = decode_audio(out)
    assert abs(peak_hz(pcm[0][2400:7200], sr) - 880) < 15


def test_gif_uses_a_palette_and_keeps_every_frame(
    studio: Studio, media: dict[str, Path], tmp_path: Path
) -> None:
    from PIL import Image

    out = studio.render(edit(studio, media), tmp_path / "o.gif", progress=False)
    with Image.open(out) as im:
        assert im.format == "GIF" and im.n_frames == 10
        im.seek(6)
        assert read_frame_index(np.asarray(im.convert("RGB")))[0] == 20


def test_animated_webp(studio: Studio, media: dict[str, Path], tmp_path: Path) -> None:
    from PIL import Image

    out = studio.render(edit(studio, media), tmp_path / "o.webp", progress=False)
    with Image.open(out) as im:
        assert im.n_frames == 10
        im.seek(9)
        assert read_frame_index(np.asarray(im.convert("RGB")))[0] == 23


def test_png_sequence_is_a_folder_swapped_in_whole(
    studio: Studio, media: dict[str, Path], tmp_path: Path
) -> None:
    from PIL import Image

    target = tmp_path / "frames"
    target.mkdir()
    (target / "frame_000099.png").write_bytes(b"from a longer, older render")
    out = studio.render(edit(studio, media), target, progress=False, format="png-sequence")
    files = sorted(out.glob("*.png"))
    assert len(files) == 10 and not (out / "frame_000099.png").exists()  # swapped in whole
    with Image.open(files[7]) as im:
        assert read_frame_index(np.asarray(im.convert("RGB")))[0] == 21
    assert not list(tmp_path.glob("*.part")) and not list(tmp_path.glob("*.old"))


@pytest.mark.parametrize("name", ["o.m4a", "o.wav", "o.flac", "o.opus"])
def test_audio_only(studio: Studio, media: dict[str, Path], tmp_path: Path, name: str) -> None:
    out = studio.render(edit(studio, media), tmp_path / name, progress=False)
    with av.open(str(out)) as c:
        assert not c.streams.video
    pcm, sr = decode_audio(out)
    assert abs(pcm.shape[1] / sr - 0.4) < 0.03  # ten frames at 25 fps
    assert abs(peak_hz(pcm[0][: int(0.2 * sr)], sr) - 880) < 20


@pytest.mark.parametrize(
    ("settings", "fragment"),
    [({"crf": 99}, "crf"), ({"format": "avi-xvid"}, "avi-xvid"), ({"pix_fmt": "rgb48le"}, "rgb48le"),
     ({"preset": "warp9"}, "warp9")],
)  # fmt: skip
def test_bad_settings_fail_before_any_output(
    studio: Studio, media: dict[str, Path], tmp_path: Path, settings: dict[str, object], fragment: str
) -> None:
    with pytest.raises(RenderError, match=fragment):
        studio.render(edit(studio, media), tmp_path / "bad.mp4", progress=False, **settings)
    assert not list(tmp_path.iterdir())
