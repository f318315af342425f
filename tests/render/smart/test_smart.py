"""Smart render: copied GOPs are the source's bytes, re-encoded edges decode, every frame is exact."""

from __future__ import annotations

import itertools
import shutil
import subprocess
import threading
import time
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import av
import av.logging
import numpy as np
import pytest

from timeline_lab.core.events import (
    EventBus,
    RenderCancelled,
    RenderCompleted,
    RenderProgress,
    RenderStarted,
)
from timeline_lab.errors import CancelledError, RenderError
from timeline_lab.media.synth import make_clip, read_frame_index
from timeline_lab.model import Clip, Project, RationalTime, Transition
from timeline_lab.render import ExportSettings, RenderJob, compile_plan, execute
from timeline_lab.render.smart import check_smart, render_auto, smart_render
from timeline_lab.studio import Studio

pytestmark = pytest.mark.slow
NTSC = Fraction(30000, 1001)


@pytest.fixture(scope="module")
def src(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """160x120 clips: GOP 15 at 29.97 fps, GOP 12 at 25 fps; plus formats smart render refuses."""
    d = tmp_path_factory.mktemp("smart-media")

    def clip(name: str, rate: Fraction | int, frames: int, tag: int, **kw: object) -> Path:
        kw = {"width": 160, "height": 120} | kw
        return make_clip(d / name, rate=rate, frames=frames, tag=tag, **kw)  # type: ignore[arg-type]

    return {
        "a": clip("a.mp4", NTSC, 200, 1, tone_hz=440.0),
        "b": clip("b.mp4", NTSC, 90, 2, tone_hz=880.0),
        "pal_a": clip("pal_a.mp4", 25, 200, 3, tone_hz=440.0),
        "pal_b": clip("pal_b.mp4", 25, 90, 4, tone_hz=880.0),
        "big": clip("big.mp4", NTSC, 60, 5, width=320, height=240),
        "hevc": clip("hevc.mp4", NTSC, 60, 6, codec="libx265"),
        # 25 fps: WebM's 1 ms time base cannot hold 29.97 fps frame times, the full engine then drifts
        "vp9": clip("vp9.webm", 25, 60, 7),
    }


@pytest.fixture
def studio(tmp_path: Path) -> Studio:
    return Studio(workspace=tmp_path)


def decode_checked(path: Path) -> list[tuple[int, int]]:
    """(frame index, tag) of every frame, decoded with frame threads; any FFmpeg error fails."""
    level = av.logging.get_level()
    av.logging.set_level(av.logging.ERROR)
    try:
        with av.logging.Capture(local=False) as logs, av.open(str(path)) as c:
            stream = c.streams.video[0]
            stream.thread_type = "AUTO"
            codes = [read_frame_index(f.to_ndarray(format="rgb24")) for f in c.decode(stream)]
    finally:
        av.logging.set_level(level)
    assert not logs, f"decoder complained: {logs[:5]}"
    if shutil.which("ffmpeg"):
        cmd = ["ffmpeg", "-v", "error", "-xerror", "-i", str(path), "-f", "null", "-"]
        run = subprocess.run(cmd, capture_output=True, text=True, check=False)
        assert run.returncode == 0 and not run.stderr, run.stderr
    return codes


def expected(project: Project, tags: dict[str, int]) -> list[tuple[int, int] | None]:
    """(source frame, tag) per output frame by the model's own rule; None over gaps."""
    rate = project.settings.frame_rate
    out: list[tuple[int, int] | None] = [None] * project.duration().to_frames(rate)
    for item in project.tracks[0].items:
        assert isinstance(item, Clip)
        s = item.start.to_frames(rate)
        for k in range(item.frames(rate)):
            out[s + k] = (item.source_frame_at(k, rate), tags[item.media.name])
    return out


TAGS = {"a.mp4": 1, "b.mp4": 2, "pal_a.mp4": 3, "pal_b.mp4": 4, "big.mp4": 5, "hevc.mp4": 6, "vp9.webm": 7}


def three_cuts(studio: Studio, src: dict[str, Path], rate: Fraction, a: str, b: str) -> Project:
    project = studio.new_project(width=160, height=120, frame_rate=rate)
    v1 = project.tracks[0]
    v1.append(studio.clip(src[a], 13, 45))  # 13..57: starts and ends inside GOPs
    v1.append(studio.clip(src[a], 100, 61))  # 100..160: whole GOPs in the middle
    v1.append(studio.clip(src[b], 3, 38))  # 3..40 of another file of the same format
    return project


def packets(path: Path) -> list[tuple[int, bytes, bool]]:
    """(output frame, bytes, keyframe) of every video packet, in decode order."""
    with av.open(str(path)) as c:
        v = c.streams.video[0]
        rate = v.average_rate
        assert rate is not None
        return [
            (round(p.pts * p.time_base * rate), bytes(p), p.is_keyframe)
            for p in c.demux(v)
            if p.pts is not None
        ]


@pytest.mark.parametrize(("rate", "a", "b"), [(NTSC, "a", "b"), (Fraction(25), "pal_a", "pal_b")])
def test_cuts_inside_gops_are_frame_exact_and_decode(
    studio: Studio, src: dict[str, Path], tmp_path: Path, rate: Fraction, a: str, b: str
) -> None:
    project = three_cuts(studio, src, rate, a, b)
    export = ExportSettings(tmp_path / "cut.mp4")
    decision = check_smart(project, export)
    assert decision.ok and decision, decision.reason
    out = smart_render(project, export)
    assert decode_checked(out) == expected(project, TAGS)
    assert not list(tmp_path.glob("*.part"))
    with av.open(str(out)) as c:
        samples = sum(f.samples for f in c.decode(audio=0))
        extradata = c.streams.video[0].codec_context.extradata or b""
    assert abs(samples - round(Fraction(45 + 61 + 38) / rate * 48000)) <= 1024
    assert extradata[5] & 0x1F == 2, "avcC carries the sources' SPS and libx264's"


def closed_head(gop: list[int], upto: int) -> int:
    """How many of a GOP's packets (its frames in decode order) lead it and show as its first
    frames, none past source frame ``upto``: what a copy up to a cut may keep."""
    return max((m for m in range(1, len(gop) + 1) if set(gop[:m]) == set(range(gop[0], gop[0] + m))
                and gop[0] + m - 1 <= upto), default=0)  # fmt: skip


def copy_plan(project: Project, src: dict[str, Path]) -> tuple[dict[int, bytes], set[int]]:
    """What a smart render should copy: output frame -> the source's bytes, and the copies' keyframes."""
    rate, copies, keys = project.settings.frame_rate, dict[int, bytes](), set[int]()
    for item in project.tracks[0].items:
        assert isinstance(item, Clip)
        first, last = item.source_frame_at(0, rate), item.source_frame_at(item.frames(rate) - 1, rate)
        at = item.start.to_frames(rate) - first  # output frame = source frame + at
        source = packets(src[Path(item.media.path).stem])
        starts = [n for n, (_, _, key) in enumerate(source) if key] + [len(source)]
        for s, e in itertools.pairwise(starts):
            gop = [f for f, _, _ in source[s:e]]
            if gop[0] < first or gop[0] > last:
                continue  # entered after its keyframe (re-encoded) or past the clip
            m = closed_head(gop, last)
            copies |= {f + at: data for f, data, _ in source[s : s + m]}
            keys |= {gop[0] + at} if m else set()
    return copies, keys


def test_copies_are_the_sources_bytes_and_only_edges_are_encoded(
    studio: Studio, src: dict[str, Path], tmp_path: Path
) -> None:
    project = three_cuts(studio, src, NTSC, "a", "b")
    out = packets(smart_render(project, ExportSettings(tmp_path / "copy.mp4")))
    copies, copy_keys = copy_plan(project, src)
    # clip 2 shows source 100..160 from output frame 45: GOPs 105..119, 120..134, 135..149 are whole
    assert {f: copies[f] for f in range(50, 95)} == {
        f - 55: d for f, d, _ in packets(src["a"]) if 105 <= f < 150
    }
    # the GOP where clip 1 ends (source 45..57 at output 32..44; B-frames here) is copied up to the
    # last point where its packets in decode order are all its first frames (an anchor), the rest
    # of it and clip 2's head (100..104) re-encoded as one stretch
    tail = sorted(f for f in copies if 32 <= f < 45)
    assert 0 < len(tail) < 13 and tail == [*range(32, 32 + len(tail))]
    got = {f: data for f, data, _ in out}
    assert {f: got[f] for f in copies} == copies
    # ...and everything else was re-encoded: one libx264 run per stretch between copies, from an IDR
    sources = {data for name in ("a", "b") for _, data, _ in packets(src[name])}
    encoded = sorted(f for f in got if f not in copies)
    assert not any(got[f] in sources for f in encoded)
    assert [f for f in encoded if f < 50] == [0, 1, *range(32 + len(tail), 50)]
    keys = {f for f, _, key in out if key}
    stretch_starts = {f for f in encoded if f - 1 not in encoded}
    assert keys & set(copies) == copy_keys and stretch_starts <= keys


def reencoded(source: Path, target: Path, params: str) -> Path:
    """``source`` re-encoded with these x264 parameters."""
    with av.open(str(source)) as c, av.open(str(target), "w") as out:
        vs = out.add_stream("libx264", rate=NTSC, options={"crf": "14", "x264-params": params})
        vs.width, vs.height, vs.pix_fmt = 160, 120, "yuv420p"
        vs.codec_context.time_base = 1 / NTSC
        for i, frame in enumerate(c.decode(video=0)):
            frame.pts, frame.time_base = i, 1 / NTSC
            frame.pict_type = av.video.frame.PictureType.NONE
            out.mux(vs.encode(frame))
        out.mux(vs.encode(None))
    return target


def test_open_gops_are_refused_and_auto_falls_back(
    studio: Studio, src: dict[str, Path], tmp_path: Path
) -> None:
    (tmp_path / "open").mkdir()
    # open GOPs: non-IDR keyframes whose B-frames reach back
    params = "open-gop=1:keyint=15:min-keyint=15:scenecut=0:bframes=3"
    opened = reencoded(src["a"], tmp_path / "open" / "a.mp4", params)  # same name: same tag in TAGS
    project = studio.new_project(width=160, height=120, frame_rate=NTSC)
    project.tracks[0].append(studio.clip(opened, 13, 45))
    with pytest.raises(RenderError, match="keyframes after the first are not IDR"):
        smart_render(project, ExportSettings(tmp_path / "x.mp4"))
    assert not check_smart(project, ExportSettings(tmp_path / "x.mp4"))  # said before any render
    out = render_auto(project, ExportSettings(tmp_path / "auto.mp4"))
    assert decode_checked(out) == expected(project, TAGS)
    assert not list(tmp_path.glob("*.part")) and not (tmp_path / "x.mp4").exists()


def test_without_b_frames_a_clip_is_copied_up_to_its_last_frame(
    studio: Studio, src: dict[str, Path], tmp_path: Path
) -> None:
    (tmp_path / "plain").mkdir()
    plain = reencoded(src["a"], tmp_path / "plain" / "a.mp4", "keyint=15:min-keyint=15:scenecut=0:bframes=0")
    project = studio.new_project(width=160, height=120, frame_rate=NTSC)
    project.tracks[0].append(studio.clip(plain, 15, 43))  # 15..57: from a keyframe to inside GOP 45
    out = smart_render(project, ExportSettings(tmp_path / "plain.mp4"))
    assert [d for _, d, _ in packets(out)] == [d for f, d, _ in packets(plain) if 15 <= f < 58]
    assert decode_checked(out) == expected(project, TAGS)


def test_gaps_become_background_frames(studio: Studio, src: dict[str, Path], tmp_path: Path) -> None:
    project = studio.new_project(width=160, height=120, frame_rate=NTSC)
    v1 = project.tracks[0]
    v1.append(studio.clip(src["a"], 20, 40))
    v1.move(v1.append(studio.clip(src["a"], 70, 30)).id, 48)  # 8 empty frames at 40..47
    v1.append(studio.clip(src["a"], 31, 6))  # inside one GOP: nothing to copy, all re-encoded
    assert check_smart(project, ExportSettings(tmp_path / "gap.mp4")).ok
    out = smart_render(project, ExportSettings(tmp_path / "gap.mp4"))
    codes = decode_checked(out)
    want = expected(project, TAGS)
    assert [c for c, w in zip(codes, want, strict=True) if w is not None] == [w for w in want if w]
    with av.open(str(out)) as c:
        frames = [f.to_ndarray(format="rgb24") for f in c.decode(video=0)]
    assert all(frames[i].mean() < 20 for i in range(40, 48)), "gap frames are black"


def test_audio_follows_each_clip(studio: Studio, src: dict[str, Path], tmp_path: Path) -> None:
    project = three_cuts(studio, src, NTSC, "a", "b")
    out = smart_render(project, ExportSettings(tmp_path / "tones.mp4"))
    with av.open(str(out)) as c:
        sr = c.streams.audio[0].sample_rate
        pcm = np.concatenate([f.to_ndarray()[0] for f in c.decode(audio=0)])
    cut = int(project.tracks[0].items[2].start.to_seconds() * sr)  # a (440 Hz) -> b (880 Hz)

    def peak(x: np.ndarray) -> float:
        spectrum = np.abs(np.fft.rfft(x * np.hanning(len(x))))
        return float(np.fft.rfftfreq(len(x), 1 / sr)[int(np.argmax(spectrum))])

    assert abs(peak(pcm[cut - 12000 : cut - 1200]) - 440) < 15
    assert abs(peak(pcm[cut + 1200 : cut + 24000]) - 880) < 15
    assert np.abs(pcm[cut - 1200 : cut - 200]).max() > 0.05, "no silence before the cut"


def _size(studio: Studio, src: dict[str, Path], p: Project) -> None:
    p.tracks[0].append(studio.clip(src["big"], 5, 30))


def _transition(studio: Studio, src: dict[str, Path], p: Project) -> None:
    v1 = p.tracks[0]
    one, two = v1.append(studio.clip(src["a"], 20, 40)), v1.append(studio.clip(src["a"], 100, 40))
    v1.add_transition(Transition(from_clip=one.id, to_clip=two.id, duration=RationalTime(10, NTSC)))


def _speed(studio: Studio, src: dict[str, Path], p: Project) -> None:
    p.tracks[0].append(studio.clip(src["a"], 10, 60, speed=2))


def _keyframed(studio: Studio, src: dict[str, Path], p: Project) -> None:
    from timeline_lab.model.keyframe_ops import add_keyframe

    c = p.tracks[0].append(studio.clip(src["a"], 13, 20))
    add_keyframe(p.tracks[0], c.id, "volume", 4, 0.5)


def _source(name: str) -> Callable[[Studio, dict[str, Path], Project], None]:
    def add(studio: Studio, src: dict[str, Path], p: Project) -> None:
        p.tracks[0].append(studio.clip(src["a"], 13, 20))
        p.tracks[0].append(studio.clip(src[name], 7, 30))

    return add


@pytest.mark.parametrize(
    ("build", "cause"),
    [
        (_size, "size is 320x240"),
        (_transition, "transition"),
        (_speed, "speed 2"),
        (_source("hevc"), "hevc"),
        (_source("vp9"), "vp9"),
        (_keyframed, "keyframed volume"),
    ],
    ids=["size", "transition", "speed", "hevc", "vp9", "keyframes"],
)
def test_refusals_name_the_cause_and_auto_falls_back(
    studio: Studio,
    src: dict[str, Path],
    tmp_path: Path,
    build: Callable[[Studio, dict[str, Path], Project], None],
    cause: str,
) -> None:
    project = studio.new_project(width=160, height=120, frame_rate=NTSC)
    build(studio, src, project)
    export = ExportSettings(tmp_path / "auto.mp4")
    decision = check_smart(project, export)
    assert not decision.ok and cause in decision.reason
    with pytest.raises(RenderError, match=cause):
        smart_render(project, export)
    try:
        compile_plan(project, export)
    except RenderError as exc:  # the full engine cannot do it either (yet): auto says so
        with pytest.raises(RenderError, match=str(exc)[:40]):
            render_auto(project, export)
        return
    bus, started = EventBus(), list[RenderStarted]()
    bus.subscribe(RenderStarted, started.append)
    out = render_auto(project, export, bus=bus)
    assert [e.encoder for e in started] != ["copy+libx264"], "fell back to the full engine"
    codes = decode_checked(out)
    if cause == "transition":
        assert len(codes) == project.duration().to_frames(NTSC)
    else:
        assert codes == expected(project, TAGS)


def test_render_auto_takes_the_smart_path(studio: Studio, src: dict[str, Path], tmp_path: Path) -> None:
    project = three_cuts(studio, src, NTSC, "a", "b")
    bus, seen = EventBus(), list[object]()
    for kind in (RenderStarted, RenderProgress, RenderCompleted):
        bus.subscribe(kind, seen.append)
    out = render_auto(project, ExportSettings(tmp_path / "auto.mp4"), bus=bus)
    assert isinstance(seen[0], RenderStarted) and seen[0].encoder == "copy+libx264"
    done = [e.frames_done for e in seen if isinstance(e, RenderProgress)]
    assert done == sorted(done) and done[-1] == 144
    assert isinstance(seen[-1], RenderCompleted) and seen[-1].frames == 144
    assert decode_checked(out) == expected(project, TAGS)


def test_cancel_leaves_no_part_and_the_target_untouched(
    studio: Studio, src: dict[str, Path], tmp_path: Path
) -> None:
    target = tmp_path / "keep.mp4"
    target.write_bytes(b"previous render")
    project = three_cuts(studio, src, NTSC, "a", "b")
    bus, job, cancelled = EventBus(), RenderJob(), threading.Event()
    bus.subscribe(RenderProgress, lambda e: job.cancel())
    bus.subscribe(RenderCancelled, lambda e: cancelled.set())
    with pytest.raises(CancelledError):
        smart_render(project, ExportSettings(target, overwrite=True), bus=bus, job=job)
    assert cancelled.is_set()
    assert target.read_bytes() == b"previous render"
    assert not list(tmp_path.glob("*.part"))


def test_smart_is_much_faster_than_a_full_render(studio: Studio, tmp_path: Path) -> None:
    """Silent media, so the ratio measures the video path (AAC encoding costs both paths alike)."""
    long = make_clip(tmp_path / "long.mp4", width=320, height=240, rate=25, frames=600, audio=False)
    project = studio.new_project(width=320, height=240, frame_rate=25)
    project.tracks[0].append(studio.clip(long, 7, 400))
    project.tracks[0].append(studio.clip(long, 450, 143))

    def best(render: Callable[[], Path]) -> float:
        times = []
        for _ in range(2):
            t = time.perf_counter()
            render()
            times.append(time.perf_counter() - t)
        return min(times)

    smart = best(lambda: smart_render(project, ExportSettings(tmp_path / "s.mp4")))
    plan = compile_plan(project, ExportSettings(tmp_path / "f.mp4", video_codec="libx264"))
    full = best(lambda: execute(plan))
    assert full / smart >= 3, f"smart {smart:.2f}s vs full {full:.2f}s"
    codes = [i for i, _ in decode_checked(tmp_path / "s.mp4")]
    assert codes == [*range(7, 407), *range(450, 593)]
