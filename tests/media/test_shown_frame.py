"""``media.clips.shown_frame`` / ``frames_showing`` against renders: the source frame each clip frame
shows, and the clip frames that show a source span, through speed, ramps, reverse, freeze and
variable-rate frame times, on 25 and 29.97 fps projects."""

from __future__ import annotations

import random
from fractions import Fraction
from pathlib import Path

import av
import pytest

from timeline_lab.media.clips import frames_during, frames_showing, shown_frame
from timeline_lab.media.synth import _render, make_clip, read_frame_indices
from timeline_lab.model import Effect
from timeline_lab.model.items import Clip
from timeline_lab.model.keyframe_ops import add_keyframe
from timeline_lab.model.project import Project
from timeline_lab.studio import Studio

W, H = 96, 64
NTSC = Fraction(30000, 1001)
STEPS = [3000, 3000, 6000, 3000, 2000, 4000, 3000, 3000, 9000, 3000]  # 1/90000 s: a phone's jitter and drops


def _vfr(path: Path, frames: int, tag: int) -> tuple[Path, list[Fraction]]:
    """H.264 with irregular frame times (frame i carries index i), and those times from frame 0."""
    pts = [sum(STEPS[i % len(STEPS)] for i in range(j)) for j in range(frames)]
    with av.open(str(path), "w") as out:
        s = out.add_stream("libx264", rate=30)
        s.width, s.height, s.pix_fmt = W, H, "yuv420p"
        s.time_base = s.codec_context.time_base = Fraction(1, 90000)
        s.options = {"crf": "10", "preset": "veryfast", "bf": "0", "g": "12"}
        for i, t in enumerate(pts):
            fr = av.VideoFrame.from_ndarray(_render(i, tag, W, H), "rgb24")
            fr.pts, fr.time_base = t, Fraction(1, 90000)
            out.mux(s.encode(fr))
        out.mux(s.encode(None))
    return path, [Fraction(t, 90000) for t in pts]


@pytest.fixture(scope="module")
def sources(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, int]]:
    """name -> (file, tag): constant-rate files at 24, 25 and 29.97 fps and a variable-rate one."""
    d = tmp_path_factory.mktemp("shown")
    out = {
        name: (make_clip(d / f"{name}.mp4", width=W, height=H, rate=r, frames=60, tag=t, audio=False), t)
        for name, r, t in (("24", 24, 1), ("25", 25, 2), ("2997", NTSC, 3))
    }
    out["vfr"] = (_vfr(d / "vfr.mp4", 70, 4)[0], 4)
    return out


def _clips(studio: Studio, sources: dict[str, tuple[Path, int]], seed: int) -> list[tuple[Clip, dict]]:
    """Random clips (source, in point, length, speed, timing effects) with the track updates they need."""
    rng = random.Random(seed)
    out = []
    for name in sources:
        for _ in range(3):
            first, count = rng.randrange(0, 25), rng.randrange(4, 14)
            speed = rng.choice([Fraction(1), Fraction(3, 2), Fraction(1, 2), Fraction(2), Fraction(2, 3)])
            kind = rng.choice(["none", "reverse", "freeze", "reverse+freeze", "reverse+reverse"])
            effects = {
                "none": [],
                "reverse": [Effect(kind="reverse")],
                "freeze": [Effect(kind="freeze", params={"frame": rng.randrange(0, 8)})],
                "reverse+freeze": [Effect(kind="reverse"), Effect(kind="freeze", params={"frame": 2})],
                "reverse+reverse": [Effect(kind="reverse"), Effect(kind="reverse")],
            }[kind]
            out.append((studio.clip(sources[name][0], first, count, speed=speed), {"effects": effects}))
    return out


def _project(studio: Studio, sources: dict[str, tuple[Path, int]], rate: Fraction, seed: int) -> Project:
    project = studio.new_project(width=W, height=H, frame_rate=rate)
    v1 = project.tracks[0]
    for clip, update in _clips(studio, sources, seed):
        placed = v1.append(clip)
        if update["effects"]:
            v1.update(placed.id, **update)
    ramped = v1.append(studio.clip(sources["25"][0], 10, 30))  # a speed ramp on a constant-rate file
    add_keyframe(v1, ramped.id, "speed", 0, 0.5, "hold")
    add_keyframe(v1, ramped.id, "speed", 6, 1.5)
    add_keyframe(v1, ramped.id, "speed", 12, 2.0, "ease_in_out")
    return project


def _rendered(studio: Studio, project: Project, path: Path) -> list[tuple[int, int]]:
    return read_frame_indices(studio.render(project, path, progress=False))


@pytest.mark.parametrize(("rate", "seed"), [(Fraction(25), 1), (NTSC, 2), (Fraction(25), 3)])
def test_shown_frame_is_what_the_render_shows(
    sources: dict[str, tuple[Path, int]], tmp_path: Path, rate: Fraction, seed: int
) -> None:
    studio = Studio(workspace=tmp_path)
    project = _project(studio, sources, rate, seed)
    got = _rendered(studio, project, tmp_path / "out.mp4")
    tags = {str(p): t for p, t in sources.values()}
    want: list[tuple[int | None, int]] = []
    for clip in project.tracks[0].items:
        assert isinstance(clip, Clip)
        n = clip.frames(rate)
        want += [(shown_frame(clip, k, rate), tags[clip.media.path]) for k in range(n)]
        assert shown_frame(clip, -1, rate) is None and shown_frame(clip, n, rate) is None
    assert got == want


@pytest.mark.parametrize(("rate", "seed"), [(Fraction(25), 4), (NTSC, 5)])
def test_frames_showing_a_span_are_where_the_render_shows_it(
    sources: dict[str, tuple[Path, int]], tmp_path: Path, rate: Fraction, seed: int
) -> None:
    studio = Studio(workspace=tmp_path)
    project = _project(studio, sources, rate, seed)
    got = _rendered(studio, project, tmp_path / "out.mp4")
    rng = random.Random(seed)
    for _ in range(25):
        name = rng.choice(list(sources))
        path, tag = sources[name]
        lo = Fraction(rng.randrange(0, 90), 50)
        hi = lo + Fraction(rng.randrange(1, 30), 50)
        clips = [c for c in project.tracks[0].items if isinstance(c, Clip) and c.media.path == str(path)]
        a, b = frames_during(clips[0].media, lo, hi)
        where: set[int] = set()
        for c in clips:
            span = frames_showing(c, lo, hi, rate)
            if span is not None:
                assert span[0] < span[1]
                at = c.start.to_frames(rate)
                where |= set(range(at + span[0], at + span[1]))
        assert where == {k for k, (i, t) in enumerate(got) if t == tag and a <= i < b}, (name, lo, hi)


@pytest.mark.parametrize(("rate", "seed"), [(Fraction(25), 6), (NTSC, 7)])
def test_detection_lanes_land_where_the_render_shows_the_source(
    sources: dict[str, tuple[Path, int]], tmp_path: Path, rate: Fraction, seed: int
) -> None:
    """``recognition.edits.placements`` (the timeline's lanes and markers) on the same clips."""
    import polars as pl

    from timeline_lab.recognition.edits import placements

    studio = Studio(workspace=tmp_path)
    project = _project(studio, sources, rate, seed)
    got = _rendered(studio, project, tmp_path / "out.mp4")
    rng = random.Random(seed)
    rows = []
    for j in range(20):
        path, _ = rng.choice(list(sources.values()))
        lo = Fraction(rng.randrange(0, 90), 50)
        hi = lo + Fraction(rng.randrange(1, 30), 50)
        rows.append({"source": str(path), "start": str(lo), "end": str(hi), "class_name": f"s{j}"})
    tags = {str(p): t for p, t in sources.values()}
    ref = {str(p): c.media for c in project.tracks[0].items if isinstance(c, Clip) for p in [c.media.path]}
    for row in rows:
        where = {k for p in placements(project, pl.DataFrame([row])) for k in range(p.first, p.end)}
        a, b = frames_during(ref[row["source"]], Fraction(row["start"]), Fraction(row["end"]))
        shown = {k for k, (i, t) in enumerate(got) if t == tags[row["source"]] and a <= i < b}
        assert where == shown, row
