"""Differential exactness: random timelines, every output frame and burst checked against the oracle.

Hypothesis composes timelines (1-4 video tracks, gaps, odd cuts, clips ending on the file's last
frame, speeds, freeze and reverse, every transition kind) from a fixed pool of tiny sources at
23.976-59.94 fps, variable rate, and with container start offsets. Each timeline
goes through every path a user has: the full render (PNG sequence), the printed ffmpeg command
(Debian's ``ffmpeg`` CLI, when installed), the preview's ``timeline_frame`` (on a few frames) and
smart render (where the edit allows it); the sound is rendered to WAV and its burst onsets placed.
Everything is compared with ``_oracle``, which knows only the model's meaning.

Pieces: ``_exact_media`` (sources), ``_exact_timelines`` (strategies, builder), ``_oracle`` (the
model's answer), ``_exact_paths`` (the paths and the report). CI runs 180 timelines over five classes,
derandomized and without shrinking (a failure is shown as drawn); ``TL_EXACT_SHRINK=1`` shrinks it
to the smallest timeline, and ``benchmarks/exactness.py --examples N`` runs many more.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from timeline_lab.model.media_ref import MediaReference

from ._exact_media import Source, make_pool
from ._exact_paths import check, make_refs
from ._exact_timelines import CLASSES, Spec

pytestmark = pytest.mark.slow


class Pool:
    """The generated sources and their media references (probed once per session)."""

    def __init__(self, sources: dict[str, Source], refs: dict[str, MediaReference]) -> None:
        self.sources, self.refs = sources, refs

    def __repr__(self) -> str:
        return f"Pool({len(self.sources)} sources, {len(self.refs)} probed)"


@pytest.fixture(scope="module")
def pool(tmp_path_factory: pytest.TempPathFactory) -> Pool:
    sources = make_pool(tmp_path_factory.mktemp("exact"))
    return Pool(sources, make_refs(sources))


SHRINK = os.environ.get("TL_EXACT_SHRINK") == "1"
PHASES = (Phase.explicit, Phase.generate, Phase.shrink) if SHRINK else (Phase.explicit, Phase.generate)


def exact_settings(examples: int) -> settings:
    """Reproducible and database-free; CI does not shrink (each try is a render)."""
    return settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=True,
        phases=PHASES,
        print_blob=False,
        report_multiple_bugs=False,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.large_base_example,
        ],
    )


def assert_exact(spec: Spec, pool: Pool, **options: Any) -> None:
    """Fail with the timeline and the first differing frames of every path that differs."""
    specs = [spec, *spec.sequences]
    used = {c.source for s in specs for row in s.tracks for c in row if not c.source.startswith("seq")}
    missing = sorted(used - pool.refs.keys())
    if missing:
        raise AssertionError(f"probe failed on {missing}: cannot make clips of them")
    report = check(spec, pool.sources, pool.refs, **options)
    assert report.ok, "\n" + str(report)


@exact_settings(examples=50)
@given(spec=CLASSES["one-track"])
def test_one_track_of_constant_rate_sources(pool: Pool, spec: Spec) -> None:
    """Cuts, gaps, speeds, freeze, reverse and transitions on one track, sources at any rate."""
    assert_exact(spec, pool)


@exact_settings(examples=40)
@given(spec=CLASSES["layers"])
def test_layers_of_mixed_rates(pool: Pool, spec: Spec) -> None:
    """2-4 tracks: the top-most clip shows, gaps on upper tracks let the lower ones through."""
    assert_exact(spec, pool)


@exact_settings(examples=30)
@given(spec=CLASSES["offsets"])
def test_sources_with_start_offsets(pool: Pool, spec: Spec) -> None:
    """MPEG-TS at 10 s and 1.4 s, MP4 with late video, MKV 21 ms off the grid: frame k is the k-th shown."""
    assert_exact(spec, pool)


@exact_settings(examples=30)
@given(spec=CLASSES["vfr"])
def test_variable_rate_sources(pool: Pool, spec: Spec) -> None:
    """Variable frame rate: the frame on screen is the last one whose timestamp has passed."""
    assert_exact(spec, pool)


@exact_settings(examples=25)
@given(spec=CLASSES["interchange"])
def test_what_other_editors_bring(pool: Pool, spec: Spec) -> None:
    """Nested sequences, fades at track edges and beside gaps, asymmetric dissolves, trailing gaps."""
    assert_exact(spec, pool)


@exact_settings(examples=30)
@given(spec=CLASSES["smart"])
def test_cuts_only_through_smart_render(pool: Pool, spec: Spec) -> None:
    """Cuts of same-rate H.264 on one track: smart render copies GOPs and must agree frame for frame."""
    assert_exact(spec, pool)


@exact_settings(examples=30)
@given(spec=CLASSES["one-track"] | CLASSES["interchange"], data=st.data())
def test_a_range_render_shows_the_frames_the_whole_render_shows(pool: Pool, spec: Spec, data: Any) -> None:
    """``frames=(a, b)`` (``studio.preview``, the CLI's ``--range``): a range that cuts through a
    reversed or frozen clip, a fade or a transition showed that piece restarted."""
    import tempfile
    from pathlib import Path

    from timeline_lab.render import ExportSettings, compile_plan, execute

    from ._exact_paths import _codes
    from ._exact_timelines import build
    from ._oracle import Expected, expect, mismatches

    built = build(spec, pool.sources, pool.refs)
    project = built.project
    by_path = {s.path: s for s in pool.sources.values()}
    want = expect(project, by_path)
    total = len(want.frames)
    a = data.draw(st.integers(0, max(0, total - 1)), label="first")
    b = data.draw(st.integers(a + 1, max(a + 1, total)), label="end")
    if total < 2:
        return
    with tempfile.TemporaryDirectory() as tmp:
        export = ExportSettings(path=Path(tmp) / "f", format="png-sequence")
        execute(compile_plan(project, export, frames=(a, b)))
        got = _codes(Path(tmp) / "f")
    wrong = mismatches(Expected(want.frames[a:b], (), (), ()), got)
    assert not wrong, f"range [{a}, {b}):\n" + "\n".join(str(m) for m in wrong[:6])


def test_a_range_keeps_its_soft_subtitles_and_chapters_in_place(tmp_path: Any) -> None:
    """The range renders a wider window: its sidecar cues and chapters are the range's own."""
    import av

    from timeline_lab.media.synth import make_clip
    from timeline_lab.model import Marker, RationalTime
    from timeline_lab.model.properties import Effect
    from timeline_lab.model.subtitles import import_subtitles
    from timeline_lab.studio import Studio

    v = make_clip(tmp_path / "v.mp4", width=160, height=120, rate=30, frames=60, tag=1, audio=True)
    srt = tmp_path / "in.srt"
    srt.write_text("1\n00:00:01,000 --> 00:00:01,500\nhello\n\n")
    studio = Studio(workspace=tmp_path)
    p = studio.new_project("p", width=160, height=120, frame_rate=30)
    clip = studio.clip(v, 0, 60)
    clip.effects.append(Effect(kind="fade_in", params={"frames": 30}))  # widens the window to 0
    p.tracks[0].append(clip)
    import_subtitles(p, srt, name="English")
    p.add_marker(Marker(time=RationalTime(1, 1), name="one"))
    out = studio.render(p, tmp_path / "r.mkv", progress=False, frames=(15, 45), subtitles="sidecar")
    assert "00:00:00,500 --> 00:00:01,000" in (tmp_path / "r.English.srt").read_text()
    with av.open(str(out)) as c:
        marks = [(float(ch["start"] * ch["time_base"]), ch["metadata"].get("title")) for ch in c.chapters()]
    assert marks == [(0.0, ""), (0.5, "one")]  # the opening before the first chapter: untitled


def test_a_range_starts_in_the_chapter_in_effect_at_its_first_frame(tmp_path: Any) -> None:
    """A chapter begun before the range runs on from its first frame (the latest chosen marker)."""
    import av

    from timeline_lab.media.synth import make_clip
    from timeline_lab.model import Marker, RationalTime
    from timeline_lab.studio import Studio

    v = make_clip(tmp_path / "v.mp4", width=64, height=48, rate=25, frames=100, tag=1, audio=False)
    studio = Studio(workspace=tmp_path)
    p = studio.new_project("p", width=64, height=48, frame_rate=25)
    p.tracks[0].append(studio.clip(v, 0, 100))
    for f, name in ((10, "A"), (30, "B"), (70, "C")):
        p.add_marker(Marker(time=RationalTime(f, 25), name=name))
    p.add_marker(Marker(time=RationalTime(40, 25), duration=RationalTime(5, 25), name="a region"))
    for (a, b), want in {
        (50, 90): [(0.0, "B"), (0.8, "C")],
        (30, 60): [(0.0, "B")],
        (5, 20): [(0.0, ""), (0.2, "A")],
    }.items():
        out = studio.render(p, tmp_path / f"r{a}.mkv", progress=False, frames=(a, b))
        with av.open(str(out)) as c:
            got = [(float(ch["start"] * ch["time_base"]), ch["metadata"].get("title")) for ch in c.chapters()]
        assert got == want, (a, b)
