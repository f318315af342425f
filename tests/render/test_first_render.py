"""The first render path end to end: decode every output frame and check where it came from."""

from __future__ import annotations

import threading
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from timeline_lab.core.events import EventBus, RenderCancelled, RenderCompleted, RenderProgress
from timeline_lab.errors import CancelledError, RenderError
from timeline_lab.media.synth import read_frame_index
from timeline_lab.model import Clip, Project
from timeline_lab.render import ExportSettings, RenderJob, compile_plan, execute
from timeline_lab.studio import Studio

pytestmark = pytest.mark.slow
NTSC = Fraction(30000, 1001)


def decode(path: Path) -> tuple[list[np.ndarray], int, Fraction, int]:
    """All video frames as RGB, audio sample count, video rate, audio rate."""
    with av.open(str(path)) as c:
        v = c.streams.video[0]
        frames = [f.to_ndarray(format="rgb24") for f in c.decode(v)]
        rate = v.average_rate
    with av.open(str(path)) as c:
        a = c.streams.audio[0]
        samples = sum(f.samples for f in c.decode(a))
        sr = a.sample_rate
    return frames, samples, Fraction(rate), sr


def expected(project: Project) -> list[tuple[int, int] | None]:
    """(source frame, tag) per output frame from the model's own sample-and-hold rule."""
    rate = project.settings.frame_rate
    out: list[tuple[int, int] | None] = [None] * project.duration().to_frames(rate)
    tags = {"ntsc.mp4": 1, "pal.mp4": 2, "wide.mp4": 3, "silent.mp4": 4}
    for item in project.tracks[0].items:
        assert isinstance(item, Clip)
        s = item.start.to_frames(rate)
        for k in range(item.frames(rate)):
            out[s + k] = (item.source_frame_at(k, rate), tags[Path(item.media.path).name])
    return out


def test_cuts_at_odd_frames_and_conforms_rates_exactly(
    studio: Studio, media: dict[str, Path], tmp_path: Path
) -> None:
    project = studio.new_project(width=320, height=240, frame_rate=NTSC)
    v1 = project.tracks[0]
    v1.append(studio.clip(media["ntsc"], 13, 45))  # frames 13..57 of a 30000/1001 clip
    v1.append(studio.clip(media["pal"], 5, 5))  # frames 5..9 of a 25 fps clip, conformed
    out = studio.render(project, tmp_path / "out.mp4", progress=False)
    frames, samples, rate, sr = decode(out)
    want = expected(project)
    assert len(want) == 45 + 6
    assert rate == NTSC
    assert [read_frame_index(f) for f in frames] == want
    # audio length matches the picture to within one AAC frame of encoder padding
    assert abs(samples - round(Fraction(len(want)) / NTSC * sr)) <= 1024
    assert not list(tmp_path.glob("*.part"))


def test_gap_is_black_and_speed_two_skips_frames(
    studio: Studio, media: dict[str, Path], tmp_path: Path
) -> None:
    project = studio.new_project(width=160, height=120, frame_rate=25)
    v1 = project.tracks[0]
    v1.append(studio.clip(media["pal"], 0, 10))
    v1.move(v1.append(studio.clip(media["pal"], 10, 20, speed=2)).id, 15)
    out = studio.render(project, tmp_path / "gap.mp4", progress=False)
    frames, _, _, _ = decode(out)
    assert len(frames) == 10 + 5 + 10
    assert [read_frame_index(f)[0] for f in frames[:10]] == list(range(10))
    assert all(f.mean() < 20 for f in frames[10:15]), "gap frames are black"
    assert [read_frame_index(f)[0] for f in frames[15:]] == list(range(10, 30, 2))


def test_letterboxes_other_aspect_ratios(studio: Studio, media: dict[str, Path], tmp_path: Path) -> None:
    project = studio.new_project(width=320, height=240, frame_rate=24)
    project.tracks[0].append(studio.clip(media["wide"], 0, 12))
    frames, _, _, _ = decode(studio.render(project, tmp_path / "lb.mp4", progress=False))
    assert len(frames) == 12
    top_bar = frames[0][:20]
    assert top_bar.mean() < 20, "16:9 in 4:3 gets black bars above and below"
    active = frames[5][30:210]  # 256x144 scaled to 320x180, centred
    assert read_frame_index(active) == (5, 3)


def test_clip_without_audio_gets_silence(studio: Studio, media: dict[str, Path], tmp_path: Path) -> None:
    project = studio.new_project(width=160, height=120, frame_rate=25)
    project.tracks[0].append(studio.clip(media["silent"], 0, 20))
    out = studio.render(project, tmp_path / "silent.mp4", progress=False)
    with av.open(str(out)) as c:
        pcm = np.concatenate([f.to_ndarray().ravel() for f in c.decode(audio=0)])
    assert np.abs(pcm).max() < 1e-3


def test_progress_events_and_completion(studio: Studio, media: dict[str, Path], tmp_path: Path) -> None:
    bus = EventBus()
    seen: list[object] = []
    bus.subscribe(RenderProgress, seen.append)
    bus.subscribe(RenderCompleted, seen.append)
    project = studio.new_project(width=160, height=120, frame_rate=NTSC)
    project.tracks[0].append(studio.clip(media["ntsc"]))
    plan = compile_plan(project, ExportSettings(tmp_path / "p.mp4"))
    execute(plan, bus=bus)
    progress = [e for e in seen if isinstance(e, RenderProgress)]
    assert progress, "at least the final progress event"
    done = [p.frames_done for p in progress]
    assert done == sorted(done) and done[-1] == 72
    assert progress[-1].fraction == 1.0
    assert isinstance(seen[-1], RenderCompleted) and seen[-1].frames == 72


def test_cancel_removes_part_and_keeps_existing_target(
    studio: Studio, media: dict[str, Path], tmp_path: Path
) -> None:
    target = tmp_path / "keep.mp4"
    target.write_bytes(b"previous render")
    project = studio.new_project(width=160, height=120, frame_rate=NTSC)
    project.tracks[0].append(studio.clip(media["ntsc"]))
    bus, job = EventBus(), RenderJob()
    bus.subscribe(RenderProgress, lambda e: job.cancel())
    cancelled = threading.Event()
    bus.subscribe(RenderCancelled, lambda e: cancelled.set())
    with pytest.raises(CancelledError):
        execute(compile_plan(project, ExportSettings(target, overwrite=True)), bus=bus, job=job)
    assert cancelled.is_set()
    assert target.read_bytes() == b"previous render"
    assert not list(tmp_path.glob("*.part"))


def test_missing_media_fails_cleanly(studio: Studio, media: dict[str, Path], tmp_path: Path) -> None:
    import shutil

    copy = tmp_path / "gone.mp4"
    shutil.copy(media["pal"], copy)
    project = studio.new_project(width=160, height=120, frame_rate=25)
    project.tracks[0].append(studio.clip(copy, 0, 10))
    copy.unlink()
    with pytest.raises(Exception, match=r"gone\.mp4"):
        studio.render(project, tmp_path / "x.mp4", progress=False)
    assert not (tmp_path / "x.mp4").exists() and not list(tmp_path.glob("*.part"))


def test_empty_project_is_refused(studio: Studio, tmp_path: Path) -> None:
    with pytest.raises(RenderError, match="nothing to render"):
        studio.plan(studio.new_project(), tmp_path / "y.mp4")


def test_plan_is_text_and_an_ffmpeg_command(studio: Studio, media: dict[str, Path], tmp_path: Path) -> None:
    project = studio.new_project(width=320, height=240, frame_rate=NTSC)
    project.tracks[0].append(studio.clip(media["ntsc"], 13, 45))
    project.tracks[0].append(studio.clip(media["pal"], 5, 5))
    plan = studio.plan(project, tmp_path / "o.mp4")
    text = plan.describe()
    assert "frames 0..44" in text and "frames 45..50" in text
    graph = plan.filtergraph()
    assert "fps=fps=30000/1001:round=up:start_time=0" in graph
    assert "concat=n=2:v=1:a=0[" in graph
    assert graph.endswith(f"setpts=N[{plan.video_out}]") or f"setpts=N[{plan.video_out}]" in graph
    # every pad is labelled and used exactly once as an output and once as an input
    outs = [p for n in plan.nodes for p in n.outputs]
    ins = [p for n in plan.nodes for p in n.inputs]
    assert len(outs) == len(set(outs))
    assert sorted(set(ins) - {i.label for i in plan.inputs}) == sorted(
        set(outs) - {plan.video_out, plan.audio_out}
    )
    args = plan.to_ffmpeg_args()
    assert args[0] == "ffmpeg" and args.count("-i") == 2
    fc = args[args.index("-filter_complex") + 1]
    # each video input enters in PyAV's time base, under its own label; the inputs are the CLI's
    assert "[0:0]settb=" in fc and "[1:0]settb=" in fc and "[t1vin]" in fc and "[t2vin]" in fc
    assert args[-1] == str(tmp_path / "o.mp4")


def test_matches_ffmpeg_cli_frame_for_frame(studio: Studio, media: dict[str, Path], tmp_path: Path) -> None:
    import shutil
    import subprocess

    if shutil.which("ffmpeg") is None:
        pytest.skip("ffmpeg CLI not installed (make test installs it where it can)")
    project = studio.new_project(width=320, height=240, frame_rate=NTSC)
    project.tracks[0].append(studio.clip(media["ntsc"], 13, 45))
    project.tracks[0].append(studio.clip(media["pal"], 5, 5))
    ours = studio.render(project, tmp_path / "ours.mp4", progress=False)
    plan = studio.plan(project, tmp_path / "cli.mp4")
    subprocess.run(plan.to_ffmpeg_args(), check=True, capture_output=True)
    a, _, _, _ = decode(ours)
    b, _, _, _ = decode(tmp_path / "cli.mp4")
    assert [read_frame_index(f) for f in a] == [read_frame_index(f) for f in b]


def _peak_hz(pcm: np.ndarray, sr: int) -> float:
    spectrum = np.abs(np.fft.rfft(pcm * np.hanning(len(pcm))))
    return float(np.fft.rfftfreq(len(pcm), 1 / sr)[int(np.argmax(spectrum))])


def test_audio_follows_each_clip_in_sync(studio: Studio, media: dict[str, Path], tmp_path: Path) -> None:
    project = studio.new_project(width=160, height=120, frame_rate=25)
    project.tracks[0].append(studio.clip(media["ntsc"], 10, 36))  # 440 Hz source, 36 frames at 29.97
    project.tracks[0].append(studio.clip(media["pal"], 0, 25))  # 880 Hz source, one second
    out = studio.render(project, tmp_path / "tones.mp4", progress=False)
    with av.open(str(out)) as c:
        sr = c.streams.audio[0].sample_rate
        pcm = np.concatenate([f.to_ndarray()[0] for f in c.decode(audio=0)])
    cut = project.tracks[0].items[1].start.to_seconds() * sr  # exact sample of the cut
    first, second = pcm[: int(cut) - 2400], pcm[int(cut) + 2400 : int(cut) + 2400 + 24000]
    assert abs(_peak_hz(first[2400:], sr) - 440) < 15
    assert abs(_peak_hz(second, sr) - 880) < 15
    assert np.abs(pcm[int(cut) - 1200 : int(cut) - 200]).max() > 0.05, "no silence before the cut"


def test_complex_plan_matches_ffmpeg_cli(studio: Studio, media: dict[str, Path], tmp_path: Path) -> None:
    """Transitions, a graded clip, a title and a second layer: the printed command is the same render."""
    import shutil
    import subprocess

    from timeline_lab.model import ColorCorrection, RationalTime, TextClip, Transform, Transition

    if shutil.which("ffmpeg") is None:
        pytest.skip("ffmpeg CLI not installed (make test installs it where it can)")
    project = studio.new_project(width=320, height=240, frame_rate=NTSC)
    v1 = project.tracks[0]
    a = v1.append(studio.clip(media["ntsc"], 5, 30))
    b = v1.append(studio.clip(media["pal"], 5, 20))
    v1.add_transition(Transition(from_clip=a.id, to_clip=b.id, duration=RationalTime(8, NTSC)))
    v1.update(b.id, color=ColorCorrection(brightness=0.1, contrast=1.2, saturation=0.8))
    v2 = project.add_track("video")
    small = v2.insert(studio.clip(media["wide"], 0, 12), 10)
    v2.update(small.id, transform=Transform(scale_x=0.4, scale_y=0.4, x=60, y=-40), opacity=0.8)
    v2.append(TextClip(text="CLI", duration=RationalTime(15, NTSC), fade_in_frames=3))
    ours = decode(studio.render(project, tmp_path / "ours.mp4", progress=False))[0]
    plan = studio.plan(project, tmp_path / "cli.mp4")
    done = subprocess.run(plan.to_ffmpeg_args(), capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    theirs = decode(tmp_path / "cli.mp4")[0]
    assert len(ours) == len(theirs) == project.duration().to_frames(NTSC)
    for k in range(0, len(ours), 5):
        diff = np.abs(ours[k].astype(int) - theirs[k].astype(int)).mean()
        assert diff < 3, (k, diff)


@pytest.mark.parametrize(
    ("suffix", "rate"), [(".webm", NTSC), (".mkv", NTSC), (".mov", Fraction(24000, 1001))]
)
def test_coarse_container_clocks_keep_every_frame(
    studio: Studio, tmp_path: Path, suffix: str, rate: Fraction
) -> None:
    """WebM/MKV store times in ms: 29.97 fps stamps are rounded, yet no frame is lost or doubled."""
    from timeline_lab.media.synth import make_clip

    src = make_clip(tmp_path / f"src{suffix}", width=160, height=120, rate=rate, frames=40, tag=5)
    project = studio.new_project(width=160, height=120, frame_rate=rate)
    project.tracks[0].append(studio.clip(src, 7, 30))
    frames, _, _, _ = decode(studio.render(project, tmp_path / "o.mp4", progress=False))
    assert [read_frame_index(f)[0] for f in frames] == list(range(7, 37))
