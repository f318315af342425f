"""Transitions drawn from real handles: exact frames around the cut, true blend in the middle."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from timeline_lab.media.synth import read_frame_index
from timeline_lab.model import RationalTime, Transition
from timeline_lab.studio import Studio

from .conftest import decode_audio, decode_video, peak_hz

pytestmark = pytest.mark.slow


def cut_project(studio: Studio, media: dict[str, Path], kind: str, frames: int = 10):
    project = studio.new_project(width=320, height=240, frame_rate=25)
    v1 = project.tracks[0]
    a = v1.append(studio.clip(media["pal"], 0, 12))  # 25 fps, tag 2, source frames 0..11 (+ handle)
    b = v1.append(studio.clip(media["ntsc"], 20, 20))  # 29.97 source conformed, tag 1
    v1.add_transition(Transition(kind=kind, from_clip=a.id, to_clip=b.id, duration=RationalTime(frames, 25)))
    return project, a, b


def test_dissolve_frames_and_midpoint_blend(studio: Studio, media: dict[str, Path], tmp_path: Path) -> None:
    project, _, b = cut_project(studio, media, "dissolve")
    out = decode_video(studio.render(project, tmp_path / "d.mp4", progress=False))
    assert len(out) == 12 + b.frames(25)
    # 10-frame centred dissolve at the cut (frame 12): frames 7..16 blend, the rest are pure
    assert [read_frame_index(f) for f in out[:7]] == [(k, 2) for k in range(7)]
    tail = [read_frame_index(f) for f in out[17:]]
    assert tail == [(b.source_frame_at(k, 25), 1) for k in range(5, b.frames(25))]
    # the middle frame is the average of A's frame 12 (handle) and B's frame shown there
    a_only = decode_video(
        studio.render(_single(studio, media["pal"], 0, 20), tmp_path / "a.mp4", progress=False)
    )[12].astype(float)
    b_first = b.source_frame_at(0, 25)
    b_src = decode_video(
        studio.render(_single(studio, media["ntsc"], b_first - 3, 8), tmp_path / "b.mp4", progress=False)
    )
    b_at_mid = b_src[3 + 0].astype(float)  # B's handle frame at the cut
    mid = out[12].astype(float)
    region = (slice(60, 200), slice(40, 280))
    blend = 0.5 * a_only[region] + 0.5 * b_at_mid[region]
    err_blend = np.abs(mid[region] - blend).mean()
    assert err_blend < 12, err_blend
    assert err_blend < np.abs(mid[region] - a_only[region]).mean() / 2


def _single(studio: Studio, path: Path, first: int, count: int):
    p = studio.new_project(width=320, height=240, frame_rate=25)
    p.tracks[0].append(studio.clip(path, first, count))
    return p


def test_fade_through_black_darkens_the_cut(studio: Studio, media: dict[str, Path], tmp_path: Path) -> None:
    project, _, _ = cut_project(studio, media, "fade_black")
    out = decode_video(studio.render(project, tmp_path / "fb.mp4", progress=False))
    means = [f.mean() for f in out]
    assert means[12] < 0.3 * means[3], "the cut passes through black"


def test_wipe_splits_the_picture(studio: Studio, solid: dict[str, Path], tmp_path: Path) -> None:
    project = studio.new_project(width=160, height=120, frame_rate=25)
    v1 = project.tracks[0]
    a = v1.append(studio.clip(solid["grey"], 0, 15))
    b = v1.append(studio.clip(solid["red"], 5, 15))
    v1.add_transition(
        Transition(kind="wipe_left", from_clip=a.id, to_clip=b.id, duration=RationalTime(10, 25))
    )
    mid = decode_video(studio.render(project, tmp_path / "w.mp4", progress=False))[15].astype(int)
    left, right = mid[60, 10], mid[60, 150]
    assert (left[0] > 180) != (right[0] > 180), "one side already red, the other still grey"


def test_audio_crossfades_with_the_picture(studio: Studio, media: dict[str, Path], tmp_path: Path) -> None:
    project, _, _ = cut_project(studio, media, "dissolve", frames=10)
    pcm, sr = decode_audio(studio.render(project, tmp_path / "x.mp4", progress=False))
    mono = pcm[0]
    cut = int(12 / 25 * sr)
    assert abs(peak_hz(mono[: cut - sr // 5][-4800:], sr) - 880) < 15  # pal clip is 880 Hz
    assert abs(peak_hz(mono[cut + sr // 5 :][:4800], sr) - 440) < 15  # ntsc clip is 440 Hz
    both = mono[cut - 1200 : cut + 1200]
    spectrum = np.abs(np.fft.rfft(both * np.hanning(len(both))))
    freqs = np.fft.rfftfreq(len(both), 1 / sr)
    e440 = spectrum[(freqs > 420) & (freqs < 460)].sum()
    e880 = spectrum[(freqs > 860) & (freqs < 900)].sum()
    assert e440 > 0.2 * e880 and e880 > 0.2 * e440, "both tones sound in the middle of the crossfade"


def test_transition_without_handles_is_refused(studio: Studio, media: dict[str, Path]) -> None:
    from timeline_lab.errors import ProjectError

    project = studio.new_project(width=160, height=120, frame_rate=25)
    v1 = project.tracks[0]
    a = v1.append(studio.clip(media["pal"], 20, 10))  # ends at the media's last frame
    b = v1.append(studio.clip(media["pal"], 0, 10))  # starts at the media's first frame
    with pytest.raises(ProjectError, match="handle"):
        v1.add_transition(Transition(from_clip=a.id, to_clip=b.id, duration=RationalTime(6, 25)))


def _pngs(project, folder: Path) -> list[np.ndarray]:
    """Every frame of ``project`` rendered losslessly (PNG), as RGB integers."""
    from PIL import Image

    from timeline_lab.render import ExportSettings, compile_plan, execute

    execute(compile_plan(project, ExportSettings(path=folder, format="png-sequence")))
    return [np.asarray(Image.open(f).convert("RGB")).astype(float) for f in sorted(folder.glob("*.png"))]


def test_every_dissolve_frame_is_the_linear_mix_of_its_sides(
    studio: Studio, media: dict[str, Path], tmp_path: Path
) -> None:
    """Frame ``k`` of a ``d``-frame dissolve shows ``k/d`` of the incoming picture: each frame's
    best-fitting weight is that, and the picture is the mix within rounding (no chroma resampling
    on the way: 4:2:0 stays 4:2:0)."""
    from timeline_lab.media.synth import make_clip
    from timeline_lab.render import ExportSettings, compile_plan

    other = make_clip(tmp_path / "other.mp4", width=320, height=240, rate=25, frames=30, tag=5, tone_hz=330.0)
    project = studio.new_project(width=320, height=240, frame_rate=25)
    v1 = project.tracks[0]
    a = v1.append(studio.clip(media["pal"], 0, 12))
    b = v1.append(studio.clip(other, 8, 20))
    v1.add_transition(Transition(from_clip=a.id, to_clip=b.id, duration=RationalTime(10, 25)))
    plan = compile_plan(project, ExportSettings(path=tmp_path / "plan.mp4"))
    assert "xfade" not in {n.filter for n in plan.nodes}
    out = _pngs(project, tmp_path / "d")
    # frames 7..16 dissolve: the outgoing clip's frames 7..16, the incoming one's from 5 before its in
    outgoing = _pngs(_single(studio, media["pal"], 0, 17), tmp_path / "a")
    incoming = _pngs(_single(studio, other, 3, 10), tmp_path / "b")
    for j in range(10):
        got, x, y = out[7 + j], outgoing[7 + j], incoming[j]
        diff = y - x
        weight = float((diff * (got - x)).sum() / (diff * diff).sum())
        assert abs(weight - j / 10) < 0.01, (j, weight)
        assert np.abs(got - ((1 - j / 10) * x + j / 10 * y)).mean() < 0.3, j
