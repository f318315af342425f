"""The smart render's edge encoder: thread counts that suit short stretches, packets of its own."""

from __future__ import annotations

import dataclasses
import itertools
import threading
import time
from fractions import Fraction
from pathlib import Path
from typing import cast

import pytest

from timeline_lab.errors import RenderError
from timeline_lab.media.synth import make_clip
from timeline_lab.render.plan import ExportSettings
from timeline_lab.render.smart.edges import SHORT, encode_stretch, x264_options
from timeline_lab.render.smart.plan import Plan
from timeline_lab.render.smart.prepare import prepare
from timeline_lab.render.smart.walk import Copied, Edge, Stretch, walk
from timeline_lab.studio import Studio


def plan(options: dict[str, str]) -> Plan:
    export, size = ExportSettings(Path("x.mp4")), (1920, 1080)
    return Plan(export, (), 0, Fraction(25), size, 48000, 2, (0, 0, 0), b"", 4, 0, options)


@pytest.mark.parametrize(
    ("options", "frames", "threads", "sliced"),
    [
        ({"preset": "veryfast"}, 8, "2", "sliced-threads=1"),  # a cut edge: two slices at once
        ({"preset": "veryfast", "x264-params": "sps-id=1"}, SHORT, "2", "sps-id=1:sliced-threads=1"),
        ({"preset": "veryfast"}, SHORT + 1, None, None),  # a long stretch (a gap, a short clip): x264 decides
        ({"preset": "veryfast", "threads": "3"}, 8, "3", None),  # the export's own setting wins
    ],
)
def test_short_stretches_encode_in_slices(
    options: dict[str, str], frames: int, threads: str | None, sliced: str | None
) -> None:
    got = x264_options(plan(options), frames)
    assert got.get("threads") == threads and got.get("x264-params") == sliced
    assert got["preset"] == "veryfast"


def test_an_edge_decodes_its_own_packets_while_the_muxer_restamps_the_copy(tmp_path: Path) -> None:
    """A clip's last GOP copied up to an anchor and re-encoded after it: the muxer restamps the
    copied packets (output frame, output time base) as soon as the walk yields them, while a worker
    decodes the edge from the same GOP's keyframe. Where those output frames were also the edge's
    source frames, the edge counted them as its own ("decoded 6 of frames 115..117", now and then):
    it must have packets of its own, made before the copy is out."""
    src = make_clip(tmp_path / "b.mp4", width=96, height=64, rate=25, frames=150, tag=1)
    studio = Studio(workspace=tmp_path)
    for end in range(100, 140):
        project = studio.new_project("edge", width=96, height=64, frame_rate=25)
        project.tracks[0].append(studio.clip(src, 0, end))
        plan = prepare(project, ExportSettings(tmp_path / "x.mp4"))
        edges = [b.parts[0] for a, b in itertools.pairwise(walk(plan)) if _copy_then_edge(a, b)]
        if edges:
            break
    else:
        pytest.fail("no clip end in 100..139 copies a GOP up to an anchor")
    edge = cast(Edge, edges[0])
    items: list[Copied | Stretch] = []
    for item in walk(plan):  # each copy restamped, as run.mux writes it, before the walk goes on
        if isinstance(item, Copied):
            for n, p in enumerate(item.packets):  # at output frames that are the edge's too
                p.pts = p.dts = round(Fraction(edge.lo + n, 25) / edge.time_base)
        items.append(item)
    stretch = next(b for a, b in itertools.pairwise(items) if _copy_then_edge(a, b))
    assert isinstance(stretch, Stretch)
    assert len(encode_stretch(stretch, plan)) == stretch.frames


def _copy_then_edge(a: Copied | Stretch, b: Copied | Stretch) -> bool:
    """A copy of a GOP's first packets, then the rest of that GOP re-encoded."""
    return (
        isinstance(a, Copied) and isinstance(b, Stretch) and isinstance(b.parts[0], Edge)
        and bytes(b.parts[0].packets[0]) == bytes(a.packets[0])
    )  # fmt: skip


def _first_edge(tmp_path: Path) -> tuple[Plan, Stretch]:
    src = make_clip(tmp_path / "a.mp4", width=96, height=64, rate=25, frames=60, tag=1)
    studio = Studio(workspace=tmp_path)
    project = studio.new_project("edge", width=96, height=64, frame_rate=25)
    project.tracks[0].append(studio.clip(src, 7, 40))  # in point inside the first GOP: an edge first
    plan = prepare(project, ExportSettings(tmp_path / "x.mp4"))
    stretch = next(item for item in walk(plan) if isinstance(item, Stretch))
    assert isinstance(stretch.parts[0], Edge) and stretch.parts[0].frames > 2
    return plan, stretch


def test_an_edge_decoded_ahead_is_encoded_frame_for_frame(tmp_path: Path) -> None:
    """The edge's GOP decodes on its own thread ahead of the encoder: every frame, in order."""
    plan, stretch = _first_edge(tmp_path)
    before = threading.active_count()
    got = encode_stretch(stretch, plan)
    assert len(got) == stretch.frames and [at for _, at, _ in got] == list(range(stretch.frames))
    assert got[0][2]  # an IDR first: the stretch decodes on its own
    assert threading.active_count() == before  # the decoder's thread has ended


def test_an_edge_that_decodes_short_fails_naming_its_gop_and_leaves_no_thread(tmp_path: Path) -> None:
    """A source GOP missing a packet decodes fewer frames than the edge needs: the error raised on
    the decoder's thread reaches the caller, after the frames before it were encoded."""
    plan, stretch = _first_edge(tmp_path)
    edge = cast(Edge, stretch.parts[0])
    broken = dataclasses.replace(edge, packets=edge.packets[:-1])
    before = threading.active_count()
    with pytest.raises(RenderError, match=f"GOP at source frame {edge.first}: decoded"):
        encode_stretch(Stretch((broken, *stretch.parts[1:])), plan)
    deadline = time.monotonic() + 5
    while threading.active_count() > before and time.monotonic() < deadline:
        time.sleep(0.01)
    assert threading.active_count() == before
