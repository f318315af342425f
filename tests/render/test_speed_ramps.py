"""Speed ramps render the model's frames: per-frame read back, the preview and the printed command."""

from __future__ import annotations

import shutil
import subprocess
from fractions import Fraction
from pathlib import Path

import pytest

from timeline_lab.media.synth import make_clip, read_frame_index
from timeline_lab.model import Clip, Project
from timeline_lab.model.keyframe_ops import add_keyframe
from timeline_lab.render.frame import timeline_frame
from timeline_lab.studio import Studio

from .conftest import decode_audio, decode_video, peak_hz

pytestmark = pytest.mark.slow
NTSC = Fraction(30000, 1001)


@pytest.fixture(scope="module")
def sources(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("ramp")
    out = {}
    for name, rate in {"pal": Fraction(25), "ntsc": NTSC, "fifty": Fraction(50)}.items():
        out[name] = d / f"{name}.mp4"
        make_clip(out[name], width=160, height=120, rate=rate, frames=150, audio=False)
    return out


def want(project: Project) -> list[int]:
    """The source frame the model says each timeline frame shows."""
    rate = project.settings.frame_rate
    out: list[int] = []
    for item in project.tracks[0].items:
        assert isinstance(item, Clip)
        out += [item.source_frame_at(k, rate) for k in range(item.frames(rate))]
    return out


def ramped(studio: Studio, source: Path, rate: Fraction, at: tuple[int, ...] = (0, 8, 20, 36)) -> Project:
    project = studio.new_project(width=160, height=120, frame_rate=rate)
    t = project.tracks[0]
    t.append(studio.clip(source, 3, 20))  # a plain clip before it
    c = t.append(studio.clip(source, 23, 127))
    add_keyframe(t, c.id, "speed", at[0], 0.5, "hold")
    add_keyframe(t, c.id, "speed", at[1], 1.0, "linear")
    add_keyframe(t, c.id, "speed", at[2], 3.0, "ease_in_out")
    add_keyframe(t, c.id, "speed", at[3], 0.75)
    return project


@pytest.mark.parametrize(("rate", "source"), [(Fraction(25), "ntsc"), (NTSC, "pal"), (NTSC, "fifty")])
def test_ramp_renders_the_model_frame_on_every_frame(
    studio: Studio, sources: dict[str, Path], tmp_path: Path, rate: Fraction, source: str
) -> None:
    project = ramped(studio, sources[source], rate, (0, 4, 10, 18) if source == "fifty" else (0, 8, 20, 36))
    expected = want(project)
    frames = decode_video(studio.render(project, tmp_path / "ramp.mp4", progress=False))
    assert [read_frame_index(f)[0] for f in frames] == expected
    if source == "ntsc":  # the paused preview and the printed command show the same frames
        for k in (20, 27, 45, len(expected) - 1):
            assert read_frame_index(timeline_frame(project, k, scale=1))[0] == expected[k], k
        if shutil.which("ffmpeg") is not None:
            plan = studio.plan(project, tmp_path / "cli.mp4")
            done = subprocess.run(plan.to_ffmpeg_args(), capture_output=True, text=True)
            assert done.returncode == 0, done.stderr[-2000:]
            assert [read_frame_index(f)[0] for f in decode_video(tmp_path / "cli.mp4")] == expected


def test_ramp_sound_keeps_its_pitch_and_the_exact_length(studio: Studio, tmp_path: Path) -> None:
    source = tmp_path / "tone.mp4"
    make_clip(source, width=160, height=120, rate=Fraction(25), frames=150, tone_hz=440.0)
    project = studio.new_project(width=160, height=120, frame_rate=NTSC)
    v1 = project.tracks[0]
    c = v1.append(studio.clip(source, 10, 130))
    add_keyframe(v1, c.id, "speed", 0, 0.5, "hold")  # 30 frames at half speed
    add_keyframe(v1, c.id, "speed", 30, 1.0, "linear")  # then up to 2x
    add_keyframe(v1, c.id, "speed", 60, 2.0)
    n = v1.item(c.id).frames(NTSC)
    plan = studio.plan(project, tmp_path / "out.wav")
    assert "atempo" in plan.filtergraph() and "asplit" in plan.filtergraph()
    pcm, sr = decode_audio(studio.render(project, tmp_path / "out.wav", progress=False))
    assert pcm.shape[1] == round(Fraction(n) / NTSC * sr)  # every sample of the clip's frames
    mono = pcm.mean(axis=0)
    for a, b in ((0.1, 0.9), (1.4, 1.8), (2.6, 3.0)):  # half speed, ramping, double speed
        window = mono[int(a * sr) : int(b * sr)]
        assert abs(peak_hz(window, sr) - 440) < 8, (a, b)


def test_otio_without_our_clip_data_still_keeps_the_curve(studio: Studio, tmp_path: Path) -> None:
    import opentimelineio as otio

    from timeline_lab.interchange.otio import from_otio, to_otio
    from timeline_lab.interchange.otio_export import KEY

    source = tmp_path / "a.mp4"
    make_clip(source, width=64, height=48, rate=Fraction(25), frames=120, audio=False)
    project = studio.new_project(width=64, height=48, frame_rate=25)
    t = project.tracks[0]
    flat, c = t.append(studio.clip(source, 0, 10)), t.append(studio.clip(source, 10, 100))
    add_keyframe(t, c.id, "speed", 0, 2.0, "hold")
    add_keyframe(t, c.id, "speed", 10, 0.5)
    add_keyframe(t, flat.id, "speed", 0, 2.0, "hold")
    ramp = t.item(c.id)
    timeline = to_otio(project)
    clips = list(timeline.find_clips())
    warps = [clip.effects[0] for clip in clips]
    assert [type(w) for w in warps] == [otio.schema.LinearTimeWarp] * 2
    assert warps[0].time_scalar == 2.0  # a ramp held at one value is that constant speed
    assert warps[1].time_scalar == pytest.approx(100 / ramp.frames(Fraction(25)))  # same span, same time
    for clip in clips:
        del clip.metadata[KEY]  # another app kept the effects, not our clip data
    back = from_otio(timeline).tracks[0].items[1]
    assert isinstance(back, Clip) and back.keyframes == ramp.keyframes


def test_plugin_effects_on_a_ramp_are_refused_by_name(
    studio: Studio, sources: dict[str, Path], tmp_path: Path
) -> None:
    from timeline_lab.errors import RenderError
    from timeline_lab.model import Effect
    from timeline_lab.recognition.blur import KIND, register_blur

    register_blur()
    project = studio.new_project(width=160, height=120, frame_rate=25)
    t = project.tracks[0]
    blurred = studio.clip(sources["pal"], 0, 50).model_copy(update={"effects": [Effect(kind=KIND)]})
    c = t.append(blurred)
    add_keyframe(t, c.id, "speed", 0, 2.0)
    with pytest.raises(RenderError, match=f"effect '{KIND}' cannot be rendered on a speed ramp"):
        studio.plan(project, tmp_path / "never.mp4")
