"""What a clip can be made of (stills, chosen streams) and what a render may never write over."""

from __future__ import annotations

import shutil
import subprocess
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image

from timeline_lab.errors import MediaError, RenderError
from timeline_lab.media._decoder import frame_at
from timeline_lab.media.probe import probe
from timeline_lab.media.synth import read_frame_index
from timeline_lab.model.time import RationalTime
from timeline_lab.render import ExportSettings, compile_plan, smart_render
from timeline_lab.render.frame import timeline_frame
from timeline_lab.studio import Studio

from .conftest import decode_audio, decode_video, peak_hz

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def stills(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A half-transparent red PNG logo and an opaque blue JPEG photo."""
    d = tmp_path_factory.mktemp("stills")
    rgba = np.zeros((120, 160, 4), np.uint8)
    rgba[..., 0], rgba[..., 3] = 255, 128
    rgba[:60, :80, 3] = 0  # fully transparent top-left quarter
    Image.fromarray(rgba, "RGBA").save(d / "logo.png")
    rgb = np.zeros((120, 160, 3), np.uint8)
    rgb[..., 2] = 255
    Image.fromarray(rgb).save(d / "photo.jpg", quality=95)
    return {"logo": d / "logo.png", "photo": d / "photo.jpg"}


@pytest.mark.parametrize("count", [1, 7, 61])
def test_a_still_is_a_clip_of_any_length(
    studio: Studio, stills: dict[str, Path], tmp_path: Path, count: int
) -> None:
    project = studio.new_project(width=160, height=120, frame_rate=25)
    clip = studio.clip(stills["photo"], count=count, rate=25)
    assert clip.media.still and clip.frames(Fraction(25)) == count
    project.tracks[0].append(clip)
    frames = decode_video(studio.render(project, tmp_path / "s.mp4", progress=False))
    assert len(frames) == count
    assert np.abs(frames[-1][60, 80].astype(int) - (0, 0, 255)).max() < 12


def test_a_png_keeps_its_alpha_over_the_track_below(
    studio: Studio, stills: dict[str, Path], media: dict[str, Path], tmp_path: Path
) -> None:
    project = studio.new_project(width=160, height=120, frame_rate=25)
    project.tracks[0].append(studio.clip(media["silent"], 0, 10))
    project.add_track("video").append(studio.clip(stills["logo"], count=10, rate=25))
    frames = decode_video(studio.render(project, tmp_path / "a.mp4", progress=False))
    alone = decode_video(studio.render(_only(studio, media["silent"]), tmp_path / "b.mp4", progress=False))
    assert read_frame_index(frames[4][:60, :80]) == read_frame_index(alone[4][:60, :80])  # transparent: below
    got, under = frames[4][100, 140].astype(int), alone[4][100, 140].astype(int)
    want = 0.5 * under + 0.5 * np.array([255, 0, 0])
    assert np.abs(got - want).max() < 14, (got, want)


def test_still_frames_match_the_printed_ffmpeg_command(
    studio: Studio, stills: dict[str, Path], media: dict[str, Path], tmp_path: Path
) -> None:
    if shutil.which("ffmpeg") is None:
        pytest.skip("the ffmpeg CLI is not installed")
    project = studio.new_project(width=160, height=120, frame_rate=25)
    project.tracks[0].append(studio.clip(media["silent"], 0, 6))
    project.tracks[0].append(studio.clip(stills["photo"], count=4, rate=25))
    project.add_track("video").append(studio.clip(stills["logo"], count=10, rate=25))
    plan = compile_plan(project, ExportSettings(tmp_path / "pyav.mp4", crf=10))
    ours = decode_video(studio.render(project, tmp_path / "pyav.mp4", progress=False, crf=10))
    cli = tmp_path / "cli.mp4"
    subprocess.run([*plan.to_ffmpeg_args()[:-1], str(cli)], check=True, capture_output=True)
    theirs = decode_video(cli)
    assert len(ours) == len(theirs) == 10
    for a, b in zip(ours, theirs, strict=True):
        assert np.abs(a.astype(int) - b.astype(int)).mean() < 3


def _only(studio: Studio, path: Path) -> object:
    project = studio.new_project(width=160, height=120, frame_rate=25)
    project.tracks[0].append(studio.clip(path, 0, 10))
    return project


@pytest.fixture(scope="module")
def two_of_each(media: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An MKV whose second video and second audio streams are the default ones (a player's pick)."""
    if shutil.which("ffmpeg") is None:
        pytest.skip("the ffmpeg CLI is not installed")
    out = tmp_path_factory.mktemp("streams") / "two.mkv"
    args = ["ffmpeg", "-v", "error", "-y", "-i", str(media["pal"]), "-i", str(media["ntsc"])]
    args += ["-map", "1:v", "-map", "0:v", "-map", "1:a", "-map", "0:a", "-c", "copy"]
    args += ["-disposition:v:0", "0", "-disposition:v:1", "default"]
    args += ["-disposition:a:0", "0", "-disposition:a:1", "default", str(out)]
    subprocess.run(args, check=True)
    return out


def test_default_streams_are_used_unless_chosen(studio: Studio, two_of_each: Path, tmp_path: Path) -> None:
    info = probe(two_of_each)
    assert [v.default for v in info.video] == [False, True]
    assert info.primary_video is info.video[1] and info.primary_audio is info.audio[1]
    project = studio.new_project(width=160, height=120, frame_rate=25)
    project.tracks[0].append(studio.clip(two_of_each, 3, 5))
    out = studio.render(project, tmp_path / "d.mp4", progress=False)
    assert [read_frame_index(f) for f in decode_video(out)] == [(k, 2) for k in range(3, 8)]  # pal: tag 2
    pcm, sr = decode_audio(out)
    assert abs(peak_hz(pcm[0, 2000:6000], sr) - 880) < 15  # pal's tone, not ntsc's 440 Hz

    chosen = studio.new_project(width=160, height=120, frame_rate=25)
    clip = studio.clip(two_of_each, 3, 5, video_stream=0, audio_stream=2)
    assert clip.media.rate == Fraction(30000, 1001)  # the chosen stream's own rate
    chosen.tracks[0].append(clip)
    out = studio.render(chosen, tmp_path / "c.mp4", progress=False)
    got = [read_frame_index(f) for f in decode_video(out)]
    assert got == [(3, 1), (4, 1), (5, 1), (6, 1)]  # ntsc (tag 1): 5 frames at 29.97 are 4 at 25
    pcm, sr = decode_audio(out)
    assert abs(peak_hz(pcm[0, 2000:6000], sr) - 440) < 15


def test_a_stream_that_is_not_there_is_named(studio: Studio, two_of_each: Path) -> None:
    with pytest.raises(Exception, match=r"stream 3 is not a video stream"):
        studio.clip(two_of_each, 0, 5, video_stream=3)


def test_a_render_never_writes_over_a_source(studio: Studio, media: dict[str, Path], tmp_path: Path) -> None:
    src = tmp_path / "src.mp4"
    shutil.copy(media["pal"], src)
    before = src.read_bytes()
    link = tmp_path / "link.mp4"
    link.symlink_to(src)
    project = studio.new_project(width=160, height=120, frame_rate=25)
    project.tracks[0].append(studio.clip(src, 0, 5))
    disabled = studio.clip(media["ntsc"], 0, 5)
    project.tracks[0].append(disabled)
    project.tracks[0].update(disabled.id, enabled=False)
    for target in (src, link, tmp_path / "." / "src.mp4", media["ntsc"]):
        with pytest.raises(RenderError, match="is a source of this project"):
            studio.render(project, target, progress=False)
        with pytest.raises(RenderError, match="is a source of this project"):
            smart_render(project, ExportSettings(target))
    assert src.read_bytes() == before and link.is_symlink()


def test_a_preview_of_a_frame_where_every_track_is_empty(studio: Studio, media: dict[str, Path]) -> None:
    project = studio.new_project(width=160, height=120, frame_rate=25, background="#ff0000")
    project.tracks[0].insert(studio.clip(media["silent"], 0, 10), 10)
    empty = timeline_frame(project, 4, scale=1)
    assert np.abs(empty[60, 80].astype(int) - (255, 0, 0)).max() < 12
    assert read_frame_index(timeline_frame(project, 12, scale=1)) == (2, 4)


@pytest.fixture(scope="module")
def pngs(media: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The 25 fps clip as numbered PNGs starting at 7, the way renderers and scanners write them."""
    folder = tmp_path_factory.mktemp("seq")
    with av.open(str(media["silent"])) as c:
        for n, frame in enumerate(c.decode(video=0)):
            frame.to_image().save(folder / f"shot_{n + 7:04d}.png")
    return folder


@pytest.mark.parametrize("spelling", ["shot_%04d.png", "*.png", ""])
def test_an_image_sequence_is_a_clip_at_the_rate_given(
    studio: Studio, pngs: Path, tmp_path: Path, spelling: str
) -> None:
    clip = studio.clip(pngs / spelling if spelling else pngs, 4, 12, rate=24)
    assert clip.media.sequence and clip.media.rate == 24
    assert clip.media.available_range.duration == RationalTime(20, 24)
    assert read_frame_index(frame_at(clip.media.path, 5, rate=Fraction(24))) == (5, 4)
    project = studio.new_project(width=160, height=120, frame_rate=30)
    project.tracks[0].append(clip)
    out = studio.render(project, tmp_path / "seq.mp4", progress=False)
    want = [4 + k * 24 // 30 for k in range(clip.frames(Fraction(30)))]
    assert [read_frame_index(f) for f in decode_video(out)] == [(k, 4) for k in want]
    if shutil.which("ffmpeg") is not None:
        cli = tmp_path / "cli.mp4"
        plan = compile_plan(project, ExportSettings(cli))
        subprocess.run([*plan.to_ffmpeg_args()[:-1], str(cli)], check=True, capture_output=True)
        assert [read_frame_index(f) for f in decode_video(cli)] == [(k, 4) for k in want]


def test_an_empty_sequence_is_named(studio: Studio, tmp_path: Path) -> None:
    with pytest.raises(MediaError, match="image sequence has no images"):
        studio.clip(tmp_path / "none_%04d.png", 0, 5, rate=24)


def test_a_planted_part_link_is_never_written_through(
    studio: Studio, media: dict[str, Path], tmp_path: Path
) -> None:
    """`<target>.part` pointing outside: the render neither follows it nor becomes a link."""
    outside = tmp_path / "outside.txt"
    outside.write_text("keep me")
    out_dir = tmp_path / "renders"
    out_dir.mkdir()
    (out_dir / "cut.mp4.part").symlink_to(outside)
    project = studio.new_project(width=160, height=120, frame_rate=25)
    project.tracks[0].append(studio.clip(media["silent"], 0, 5))
    target = out_dir / "cut.mp4"
    studio.render(project, target, progress=False)
    smart_render(project, ExportSettings(out_dir / "smart.mp4"))
    assert outside.read_text() == "keep me"
    assert target.is_file() and not target.is_symlink() and len(decode_video(target)) == 5
    assert oct(target.stat().st_mode & 0o777) == "0o644"


def test_a_target_that_is_a_link_is_refused(studio: Studio, media: dict[str, Path], tmp_path: Path) -> None:
    outside = tmp_path / "outside.mp4"
    outside.write_bytes(b"not ours")
    link = tmp_path / "out.mp4"
    link.symlink_to(outside)
    project = studio.new_project(width=160, height=120, frame_rate=25)
    project.tracks[0].append(studio.clip(media["silent"], 0, 5))
    with pytest.raises(RenderError, match="symbolic link"):
        studio.render(project, link, progress=False)
    assert outside.read_bytes() == b"not ours" and link.is_symlink()


@pytest.mark.parametrize(
    "name", ["cut.mp4", "cut.mkv", "cut.webm", "cut.mov", "cut.gif", "cut.wav", "cut.flac"]
)
def test_a_file_that_is_not_our_render_is_never_replaced_unasked(
    studio: Studio, media: dict[str, Path], tmp_path: Path, name: str
) -> None:
    """Someone's file of that name survives; our own earlier render is replaced; overwrite=True says so."""
    project = studio.new_project(width=160, height=120, frame_rate=25)
    project.tracks[0].append(studio.clip(media["pal"], 0, 5))
    target = tmp_path / name
    shutil.copy(media["wide"], target)  # a real media file of someone else's, under that name
    before = target.read_bytes()
    with pytest.raises(RenderError, match=r"exists and is not a render of this project.*overwrite=True"):
        studio.render(project, target, progress=False)
    assert target.read_bytes() == before
    assert not list(tmp_path.glob("*.part"))
    studio.render(project, target, progress=False, overwrite=True)
    assert target.read_bytes() != before
    studio.render(project, target, progress=False)  # now it is ours: a render again replaces it
    other = studio.new_project("other", width=160, height=120, frame_rate=25)  # a stranger
    other.tracks[0].append(studio.clip(media["pal"], 0, 5))
    with pytest.raises(RenderError, match="not a render of this project"):
        studio.render(other, target, progress=False)


def test_smart_render_keeps_strangers_and_replaces_its_own(
    studio: Studio, media: dict[str, Path], tmp_path: Path
) -> None:
    project = studio.new_project(width=320, height=240, frame_rate=25)
    project.tracks[0].append(studio.clip(media["pal"], 0, 10))
    target = tmp_path / "smart.mp4"
    target.write_bytes(b"someone's notes")
    with pytest.raises(RenderError, match="not a render of this project"):
        smart_render(project, ExportSettings(target))
    assert target.read_bytes() == b"someone's notes"
    smart_render(project, ExportSettings(target, overwrite=True))
    smart_render(project, ExportSettings(target))  # tagged as this project's: replaced freely
    assert len(decode_video(target)) == 10


def test_a_file_appearing_during_the_render_is_not_replaced(
    studio: Studio, media: dict[str, Path], tmp_path: Path
) -> None:
    """The check is made again just before the rename (a file written meanwhile survives)."""
    from timeline_lab.core.events import RenderProgress

    project = studio.new_project(width=160, height=120, frame_rate=25)
    project.tracks[0].append(studio.clip(media["pal"], 0, 25))
    target = tmp_path / "late.mp4"

    def meanwhile(_ev: RenderProgress) -> None:
        if not target.exists():
            target.write_bytes(b"written while we rendered")

    studio.bus.subscribe(RenderProgress, meanwhile)
    with pytest.raises(RenderError, match="not a render of this project"):
        studio.render(project, target, progress=False)
    assert target.read_bytes() == b"written while we rendered"
    assert not list(tmp_path.glob("*.part"))


def test_a_frames_folder_holding_sources_or_other_files_is_refused(
    studio: Studio, pngs: Path, tmp_path: Path
) -> None:
    """A PNG-sequence render replaces a whole folder: never one with the project's images in it."""
    project = studio.new_project(width=160, height=120, frame_rate=24)
    project.tracks[0].append(studio.clip(pngs / "shot_%04d.png", 0, 3, rate=24))
    before = sorted(p.name for p in pngs.iterdir())
    with pytest.raises(RenderError, match="a source of this project"):
        studio.render(project, pngs, format="png-sequence", progress=False)
    assert sorted(p.name for p in pngs.iterdir()) == before
    notes = tmp_path / "mine"
    notes.mkdir()
    (notes / "notes.txt").write_text("keep")
    with pytest.raises(RenderError, match="not rendered frames"):
        studio.render(project, notes, format="png-sequence", progress=False)
    assert (notes / "notes.txt").read_text() == "keep"
    frames = tmp_path / "frames"
    for _ in range(2):  # an earlier render of frames is replaced
        studio.render(project, frames, format="png-sequence", progress=False)
    assert len(list(frames.iterdir())) == 3


def test_a_numbered_sequence_with_a_hole_is_named(studio: Studio, pngs: Path, tmp_path: Path) -> None:
    holed = tmp_path / "holed"
    holed.mkdir()
    for f in sorted(pngs.iterdir()):
        if f.name != "shot_0010.png":
            shutil.copy(f, holed / f.name)
    with pytest.raises(MediaError, match=r"shot_0010\.png is missing"):
        studio.clip(holed / "shot_%04d.png", 0, 5, rate=24)
    assert studio.clip(holed / "*.png", 0, 5, rate=24).media.available_range.duration == RationalTime(19, 24)


def test_a_notebook_run_again_replaces_what_its_last_run_rendered(
    studio: Studio, media: dict[str, Path], tmp_path: Path
) -> None:
    """Each run makes a new project (a new id) of the same name: its earlier render is its own."""
    target = tmp_path / "q.mp4"
    for _run in range(2):
        project = studio.new_project("quickstart", width=160, height=120, frame_rate=25)
        project.tracks[0].append(studio.clip(media["pal"], 0, 5))
        studio.render(project, target, progress=False)
    stranger = studio.new_project("other", width=160, height=120, frame_rate=25)
    stranger.tracks[0].append(studio.clip(media["pal"], 0, 5))
    with pytest.raises(RenderError, match="not a render of this project"):
        studio.render(stranger, target, progress=False)
