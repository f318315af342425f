"""Colours survive the render: every source's YUV matrix (tagged, or guessed by size as players
do) is converted to the canvas's BT.709, the output is tagged so, and the printed ffmpeg command
gives the same pictures.

Each source holds four flat patches of known RGB, written the way a camera, phone or DVD writes
them (BT.709 or BT.601, limited or full range, tagged or not); the output, read as its tags say,
must show those RGB values at each patch's centre, whatever the canvas size.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import av
import numpy as np
import pytest

from tests.colour_patches import (
    HDR_SOURCES,
    SOURCES,
    TAGGED,
    TOLERANCE,
    check_patches,
    shown,
)
from timeline_lab.model import Effect, RationalTime, TextClip, TextStyle
from timeline_lab.studio import Studio


def _render_both(studio: Studio, project: object, out: Path) -> list[tuple[str, Path]]:
    """The project rendered in-process and by its printed ffmpeg command."""
    done = [("render", studio.render(project, out, progress=False, overwrite=True))]  # type: ignore[arg-type]
    cli = out.with_name(out.stem + "-cli.mp4")
    plan = studio.plan(project, cli, overwrite=True)  # type: ignore[arg-type]
    subprocess.run(plan.to_ffmpeg_args(), check=True, capture_output=True)
    return [*done, ("printed command", cli)]


@pytest.mark.parametrize("canvas", [(1280, 720), (640, 360)])
@pytest.mark.parametrize("name", list(SOURCES))
def test_every_source_matrix_reaches_the_output_as_a_player_shows_it(
    colour_sources: dict[str, Path], tmp_path: Path, name: str, canvas: tuple[int, int]
) -> None:
    studio = Studio(workspace=tmp_path)
    project = studio.new_project("colour", width=canvas[0], height=canvas[1], frame_rate=25)
    project.tracks[0].append(studio.clip(colour_sources[name], 0, 10))
    if name in TAGGED:  # a tagged source reads as written (an untagged one PyAV reads as BT.601)
        check_patches(shown(colour_sources[name])[0], f"{name} itself")
    sw, sh = SOURCES[name][0]
    w = round(sw * canvas[1] / sh) if sw * canvas[1] < canvas[0] * sh else canvas[0]  # fitted, centred
    assert not any("FFmpeg 8" in note for note in studio.plan(project, tmp_path / "x.mp4").notes)
    for how, path in _render_both(studio, project, tmp_path / "out.mp4"):
        img, tag = shown(path)
        assert tag == 1, f"{how}: output tagged matrix {tag}, not 1 (BT.709)"
        x0 = (canvas[0] - w) // 2
        check_patches(img, f"{name} on a {canvas[0]}x{canvas[1]} canvas, {how}", x0, x0 + w)


def test_clips_of_two_matrices_crossfade_and_a_title_and_background_keep_their_colours(
    colour_sources: dict[str, Path], tmp_path: Path
) -> None:
    """A BT.601 clip dissolving into a BT.709 one, a coloured background in a gap, a red title."""
    from timeline_lab.model import Transition

    studio = Studio(workspace=tmp_path)
    project = studio.new_project("mixed", width=640, height=360, frame_rate=25, background="#1e90ff")
    v1 = project.tracks[0]
    a = v1.append(studio.clip(colour_sources["sd_bt601"], 0, 10))
    b = v1.append(studio.clip(colour_sources["hd_bt709"], 2, 10))
    v1.add_transition(Transition(from_clip=a.id, to_clip=b.id, duration=RationalTime(4, 25)))
    v1.insert(studio.clip(colour_sources["sd_untagged"], 0, 6), 24)  # a gap of 6 frames before it: background
    titles = project.add_track("video", "Titles")
    red = "#d02020"
    style = TextStyle(font_size=60, color=red, box_color=red, outline_width=0, shadow_color="#00000000")
    titles.insert(TextClip(text="colour", duration=RationalTime(4, 25), y=0.5, style=style), 2)
    for how, path in _render_both(studio, project, tmp_path / "mixed.mp4"):
        frames = []
        with av.open(str(path)) as c:
            frames = [f.to_ndarray(format="rgb24").astype(int) for f in c.decode(video=0)]
        check_patches(frames[0], f"the BT.601 clip, {how}")
        check_patches(frames[14], f"the BT.709 clip after the dissolve, {how}")
        mid = frames[9]  # halfway through the dissolve: both clips' patches are the same colours
        check_patches(mid, f"mid-dissolve, {how}")
        title = frames[3][180, 320]
        assert np.abs(title - (208, 32, 32)).max() <= TOLERANCE, f"title shows {title.tolist()}, {how}"
        gap = frames[20][180, 320]
        assert np.abs(gap - (30, 144, 255)).max() <= TOLERANCE, f"background shows {gap.tolist()}, {how}"
        check_patches(frames[26], f"the untagged SD clip after the gap, {how}")


@pytest.mark.parametrize("name", list(HDR_SOURCES))
def test_hdr_and_wide_gamut_sources_are_mapped_to_sdr_bt709(
    hdr_sources: dict[str, Path], tmp_path: Path, name: str
) -> None:
    """A phone's HLG clip, an HDR10 (PQ) file, a BT.2020 SDR one: primaries and transfer are
    converted too (matrix alone shows a red of 200 as 120-150), in process. The printed command
    carries the same options, which need FFmpeg 8 (Debian's 5.1 has no such scale options)."""
    source = hdr_sources[name]
    studio = Studio(workspace=tmp_path)
    project = studio.new_project("hdr", width=640, height=360, frame_rate=25)
    project.tracks[0].append(studio.clip(source, 0, 10))
    img, tag = shown(studio.render(project, tmp_path / "out.mp4", progress=False))
    assert tag == 1
    check_patches(img, f"{name} rendered")
    plan = studio.plan(project, tmp_path / "cli.mp4")
    graph = plan.filtergraph()
    assert "in_primaries=bt2020" in graph and ":out_transfer=bt709" in graph
    assert any("FFmpeg 8" in note for note in plan.notes), plan.notes  # describe() says so


def test_a_full_range_project_keeps_black_titles_and_clips_both_ways(
    colour_sources: dict[str, Path], tmp_path: Path
) -> None:
    """color_range="pc": a BT.601 clip, a black gap and a red title, in the render and the printed
    command (whose ffmpeg draws colour sources and converts RGB in limited range unless told)."""
    studio = Studio(workspace=tmp_path)
    project = studio.new_project("pc", width=640, height=360, frame_rate=25, color_range="pc")
    v1 = project.tracks[0]
    first = v1.append(studio.clip(colour_sources["sd_bt601"], 0, 8))
    v1.update(first.id, effects=[Effect(kind="fade_in", params={"frames": 3})])  # from black: 0, not 16
    v1.insert(studio.clip(colour_sources["rgb_png_mov"], 0, 6), 12)  # a gap of 4 frames before it
    titles = project.add_track("video", "Titles")
    red = "#d02020"
    style = TextStyle(font_size=60, color=red, box_color=red, outline_width=0, shadow_color="#00000000")
    titles.insert(TextClip(text="colour", duration=RationalTime(4, 25), y=0.5, style=style), 2)
    for how, path in _render_both(studio, project, tmp_path / "pc.mp4"):
        with av.open(str(path)) as c:
            frames = [f for f in c.decode(video=0)]
        assert int(frames[0].color_range) == 2, f"{how}: not tagged full range"
        pics = [f.to_ndarray(format="rgb24").astype(int) for f in frames]
        assert np.abs(pics[0][180]).max() <= 3, f"a fade from black starts at {pics[0][180].max()}, {how}"
        check_patches(pics[7], f"the BT.601 clip, {how}")
        check_patches(pics[14], f"the RGB clip, {how}")
        assert np.abs(pics[9][180, 320]).max() <= 3, f"black gap shows {pics[9][180, 320].tolist()}, {how}"
        title = pics[3][180, 320]
        assert np.abs(title - (208, 32, 32)).max() <= TOLERANCE, f"title shows {title.tolist()}, {how}"


def test_a_gif_export_of_bt601_video_keeps_its_colours_both_ways(
    colour_sources: dict[str, Path], tmp_path: Path
) -> None:
    """An RGB (palette) output: where the pictures leave BT.709 YUV is said, for the CLI too."""
    studio = Studio(workspace=tmp_path)
    project = studio.new_project("gif", width=320, height=180, frame_rate=25)
    project.tracks[0].append(studio.clip(colour_sources["sd_bt601"], 0, 6))
    out = studio.render(project, tmp_path / "out.gif", progress=False)
    plan = studio.plan(project, tmp_path / "cli.gif", overwrite=True)
    subprocess.run(plan.to_ffmpeg_args(), check=True, capture_output=True)
    for how, path in (("render", out), ("printed command", tmp_path / "cli.gif")):
        img, _ = shown(path, 2)
        check_patches(img, f"a GIF, {how}")
