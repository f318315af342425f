"""Titles and burned-in subtitles: Pillow-rasterized text composited at the right place and time."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from timeline_lab.media.synth import read_frame_index
from timeline_lab.model import RationalTime, TextClip, TextStyle
from timeline_lab.model.subtitles import import_subtitles
from timeline_lab.studio import Studio

from .conftest import decode_video

pytestmark = pytest.mark.slow


def yellow_pixels(img: np.ndarray) -> np.ndarray:
    r, g, b = (img[..., i].astype(int) for i in range(3))
    return (r > 200) & (g > 200) & (b < 90)


def test_title_over_video_with_fades(studio: Studio, media: dict[str, Path], tmp_path: Path) -> None:
    project = studio.new_project(width=320, height=240, frame_rate=25)
    project.tracks[0].append(studio.clip(media["pal"], 0, 25))
    titles = project.add_track("video", "Titles")
    style = TextStyle(font_size=40, color="#ffff00", outline_width=2, box_color="#000000c0")
    titles.insert(
        TextClip(text="Hello", duration=RationalTime(10, 25), style=style, y=0.5, fade_in_frames=4), 5
    )
    frames = decode_video(studio.render(project, tmp_path / "t.mp4", progress=False))
    assert len(frames) == 25
    assert not yellow_pixels(frames[3]).any(), "before the title starts"
    on = yellow_pixels(frames[12])
    assert on.sum() > 150, "title visible in the middle of its span"
    ys, xs = np.nonzero(on)
    assert 90 < ys.mean() < 150 and 120 < xs.mean() < 200, "centred where y=0.5 puts it"
    assert yellow_pixels(frames[5]).sum() < on.sum() * 0.5, "fading in"
    assert not yellow_pixels(frames[16]).any(), "after the title ends"
    assert read_frame_index(frames[12]) == (12, 2), "video under the title is untouched"


def test_burned_in_subtitles_from_srt(studio: Studio, media: dict[str, Path], tmp_path: Path) -> None:
    srt = tmp_path / "subs.srt"
    srt.write_text(
        "1\n00:00:00,200 --> 00:00:00,600\nFirst line\n\n2\n00:00:00,800 --> 00:00:01,000\n<i>Second</i>\n",
        encoding="utf-8",
    )
    project = studio.new_project(width=320, height=240, frame_rate=25)
    project.tracks[0].append(studio.clip(media["pal"], 0, 25))
    track = import_subtitles(project, srt, style=TextStyle(font_size=28, color="#ffff00"))
    assert [item.start.to_frames(25) for item in track.items] == [5, 20]
    frames = decode_video(studio.render(project, tmp_path / "s.mp4", progress=False))
    lit = [int(yellow_pixels(f)[160:].sum()) for f in frames]
    assert all(lit[k] == 0 for k in (0, 4, 15, 19))
    assert all(lit[k] > 40 for k in (5, 10, 14, 20, 24))


def _subs_project(studio: Studio, media: dict[str, Path], tmp_path: Path):
    srt = tmp_path / "in.srt"
    srt.write_text(
        "1\n00:00:00,200 --> 00:00:00,600\nFirst line\n\n2\n00:00:00,800 --> 00:00:01,000\nSecond\n"
    )
    project = studio.new_project(width=320, height=240, frame_rate=25)
    project.tracks[0].append(studio.clip(media["pal"], 0, 25))
    import_subtitles(project, srt, style=TextStyle(font_size=28, color="#ffff00"), name="English")
    return project


@pytest.mark.parametrize(("suffix", "codec"), [(".mkv", "subrip"), (".webm", "webvtt")])
def test_soft_subtitle_streams(
    studio: Studio, media: dict[str, Path], tmp_path: Path, suffix: str, codec: str
) -> None:
    import av

    project = _subs_project(studio, media, tmp_path)
    out = studio.render(project, tmp_path / f"soft{suffix}", progress=False, subtitles="stream")
    with av.open(str(out)) as c:
        stream = c.streams.subtitles[0]
        assert stream.codec_context.name in (codec, "srt") and stream.metadata.get("title") == "English"
        cues = [
            (int(p.pts * p.time_base * 1000), bytes(p).decode()) for p in c.demux(stream) if p.dts is not None
        ]
    assert [t for _, t in cues] == ["First line", "Second"] and [ms for ms, _ in cues] == [200, 800]
    assert not any(yellow_pixels(f).any() for f in decode_video(out)), "soft subtitles are not burned in"


def test_sidecar_subtitles_and_mp4_stream_refusal(
    studio: Studio, media: dict[str, Path], tmp_path: Path
) -> None:
    from timeline_lab.errors import RenderError

    project = _subs_project(studio, media, tmp_path)
    with pytest.raises(RenderError, match="sidecar"):
        studio.render(project, tmp_path / "x.mp4", progress=False, subtitles="stream")
    out = studio.render(project, tmp_path / "side.mp4", progress=False, subtitles="sidecar")
    side = tmp_path / "side.English.srt"
    assert "00:00:00,800 --> 00:00:01,000\nSecond" in side.read_text()
    assert not any(yellow_pixels(f).any() for f in decode_video(out))
