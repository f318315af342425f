"""OpenTimelineIO transitions on screen: at every frame of random foreign tracks, the picture is
the blend OpenTimelineIO's offsets say, of the frames either side (black where a side is empty).

The oracle is written once here from OTIO's definition: a transition at cut ``c`` with offsets
``in``/``out`` covers frames ``[c - in, c + out)``; the outgoing side keeps playing past its out
point, the incoming side starts ``in`` frames before its in point; the incoming weight rises by
``1/d`` a frame from 0 (xfade's ramp).
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np
import opentimelineio as otio
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from timeline_lab.errors import ProjectError
from timeline_lab.interchange.otio import read_otio
from timeline_lab.media.synth import read_frame_index
from timeline_lab.model import RationalTime, Transition
from timeline_lab.studio import Studio

from ..render.conftest import decode_video
from ._otio_parts import MEDIA_FRAMES, ORT, otio_clip, otio_gap

pytestmark = pytest.mark.slow

Side = tuple[int, int] | None  # (first source frame on screen, timeline frame it is shown at)


@pytest.fixture(scope="module")
def pure(cam: Path, tmp_path_factory: pytest.TempPathFactory) -> list[np.ndarray]:
    """Every media frame as our render shows it untouched (what blends are made of)."""
    tmp = tmp_path_factory.mktemp("tr-pure")
    studio = Studio(workspace=tmp)
    project = studio.new_project(width=176, height=144, frame_rate=24)
    project.tracks[0].append(studio.clip(cam, 0, MEDIA_FRAMES))
    frames = decode_video(studio.render(project, tmp / "pure.mp4", progress=False))
    assert [read_frame_index(f)[0] for f in frames] == list(range(MEDIA_FRAMES))
    return [f.astype(np.float32) for f in frames]


def _dissolve(before: int, after: int) -> otio.schema.Transition:
    return otio.schema.Transition(in_offset=ORT(before, 24), out_offset=ORT(after, 24))


def _oracle(track: otio.schema.Track) -> list[tuple[Side, Side, float]]:
    """Per timeline frame: (outgoing side, incoming side, incoming weight); outside transitions
    the incoming side is None and the weight 0."""
    shown: list[tuple[Side, Side, float]] = []
    children = list(track)
    spans: list[tuple[otio.core.Composable, int, int]] = []
    t = 0
    for child in children:
        if isinstance(child, otio.schema.Transition):
            continue
        n = round(child.trimmed_range().duration.value)
        spans.append((child, t, n))
        t += n
    sides: list[Side] = []
    for child, start, n in spans:
        clip = isinstance(child, otio.schema.Clip)
        sides.append((round(child.source_range.start_time.value), start) if clip else None)
        shown += [(sides[-1], None, 0.0)] * n
    for m, child in enumerate(children):
        if not isinstance(child, otio.schema.Transition):
            continue
        before, after = round(child.in_offset.value), round(child.out_offset.value)
        k = sum(1 for c in children[:m] if not isinstance(c, otio.schema.Transition))  # items before it
        cut = spans[k][1] if k < len(spans) else t
        left = sides[k - 1] if k > 0 else None
        right = sides[k] if k < len(spans) else None
        d = before + after
        for i, frame in enumerate(range(cut - before, cut + after)):
            shown[frame] = (left, right, i / d)
    return shown


def _picture(side: Side, frame: int, pure: list[np.ndarray]) -> np.ndarray:
    if side is None:
        return np.zeros_like(pure[0])
    first, at = side
    return pure[first + frame - at]


def _render(tl: otio.schema.Timeline, tmp: Path) -> list[np.ndarray]:
    otio.adapters.write_to_file(tl, str(tmp / "t.otio"))
    studio = Studio(workspace=tmp)
    out = studio.render(read_otio(tmp / "t.otio"), tmp / "out.mp4", progress=False)
    return [f.astype(np.float32) for f in decode_video(out)]


def _check(
    frames: list[np.ndarray], expected: list[tuple[Side, Side, float]], pure: list[np.ndarray]
) -> None:
    assert len(frames) == len(expected)
    for t, (got, (a, b, w)) in enumerate(zip(frames, expected, strict=True)):
        want = (1 - w) * _picture(a, t, pure) + w * _picture(b, t, pure)
        err = float(np.abs(got - want).mean())
        assert err < 6, f"frame {t}: {err:.1f} from the blend {a}->{b} at {w:.2f}"


# a track: clips (first source frame, length) and gaps, with a transition maybe at every boundary
_ITEM = st.one_of(
    st.tuples(st.just("clip"), st.integers(0, 36), st.integers(2, 8)),
    st.tuples(st.just("gap"), st.just(0), st.integers(1, 6)),
)
_CUT = st.one_of(st.none(), st.tuples(st.integers(0, 4), st.integers(0, 4)))


def _track(
    items: list[tuple[str, int, int]], cuts: list[tuple[int, int] | None], url: str
) -> otio.schema.Track:
    """The OTIO track, each wanted transition cut down to what OTIO's rules allow there."""
    track = otio.schema.Track(name="V1")
    used = [0] * len(items)  # frames of each item taken by the transition on its left
    for k, want in enumerate(cuts):
        left = items[k - 1] if k > 0 else None
        right = items[k] if k < len(items) else None
        if want is not None and "clip" in (left and left[0], right and right[0]):
            before, after = want
            # the part before the cut lies on the left item (none past the track start) ...
            before = min(before, left[2] - used[k - 1] if left else 0)
            after = min(after, right[2] if right else 0)
            # ... and each clip's media must hold the frames it shows beyond its trim
            if right and right[0] == "clip":
                before = min(before, right[1])
            if left and left[0] == "clip":
                after = min(after, MEDIA_FRAMES - left[1] - left[2])
            if before + after:
                track.append(_dissolve(before, after))
                if right:
                    used[k] = after
        if right:
            kind, first, n = right
            track.append(otio_clip(url, first, n) if kind == "clip" else otio_gap(n))
    return track


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_random_tracks_with_transitions_show_otios_blends(
    cam: Path, pure: list[np.ndarray], tmp_path_factory: pytest.TempPathFactory, data: st.DataObject
) -> None:
    """Dissolves between clips, at track edges and beside gaps, symmetric or not, back to back."""
    items = data.draw(
        st.lists(_ITEM, min_size=1, max_size=5).filter(lambda i: any(k == "clip" for k, _, _ in i))
    )
    cuts = data.draw(st.lists(_CUT, min_size=len(items) + 1, max_size=len(items) + 1))
    tl = otio.schema.Timeline(name="random")
    tl.tracks.append(_track(items, cuts, cam.as_uri()))
    tmp = tmp_path_factory.mktemp("tr-prop")
    _check(_render(tl, tmp), _oracle(tl.tracks[0]), pure)


def test_asymmetric_dissolve_between_clips(cam: Path, pure: list[np.ndarray], tmp_path: Path) -> None:
    url = cam.as_uri()
    tl = otio.schema.Timeline(name="asym")
    track = otio.schema.Track(name="V1")
    for child in (otio_clip(url, 0, 8), _dissolve(5, 1), otio_clip(url, 20, 8)):
        track.append(child)
    tl.tracks.append(track)
    project = read_otio(_written(tl, tmp_path))
    assert project.tracks[0].transitions[0].handles(Fraction(24)) == (1, 5)
    _check(_render(tl, tmp_path), _oracle(track), pure)
    # and back out: OTIO's offsets, not a centred approximation
    back = otio.adapters.read_from_file(str(_saved(project, tmp_path)))
    tr = next(c for c in back.tracks[0] if isinstance(c, otio.schema.Transition))
    assert (tr.in_offset, tr.out_offset) == (ORT(5, 24), ORT(1, 24))


def _written(tl: otio.schema.Timeline, tmp: Path) -> Path:
    otio.adapters.write_to_file(tl, str(tmp / "in.otio"))
    return tmp / "in.otio"


def _saved(project, tmp: Path) -> Path:  # type: ignore[no-untyped-def]
    from timeline_lab.interchange.otio import write_otio

    write_otio(project, tmp / "back.otio")
    return tmp / "back.otio"


def test_a_fade_on_a_layer_dissolves_with_what_is_below(
    cam: Path, pure: list[np.ndarray], tmp_path: Path
) -> None:
    """Above the bottom track the empty side is the picture underneath, blended linearly (no dip)."""
    url = cam.as_uri()
    tl = otio.schema.Timeline(name="layers")
    below, above = otio.schema.Track(name="V1"), otio.schema.Track(name="V2")
    below.append(otio_clip(url, 0, 16))
    for child in (otio_gap(4), _dissolve(2, 2), otio_clip(url, 30, 6), _dissolve(3, 0), otio_gap(2)):
        above.append(child)
    tl.tracks.extend([below, above])
    frames = _render(tl, tmp_path)
    under = [(0, 0)] * 16
    top: list[tuple[Side, Side, float]] = [(under[t], None, 0.0) for t in range(16)]
    for t in range(4, 10):
        top[t] = ((30, 4), None, 0.0)
    for i, t in enumerate(range(2, 6)):  # fade in over what is below
        top[t] = ((0, 0), (30, 4), i / 4)
    for i, t in enumerate(range(7, 10)):  # fade out to what is below, all before the cut
        top[t] = ((30, 4), (0, 0), i / 3)
    _check(frames, top, pure)


def test_fades_that_have_no_room_are_refused_with_the_reason(tmp_path: Path, cam: Path) -> None:
    studio = Studio(workspace=tmp_path)
    project = studio.new_project(width=176, height=144, frame_rate=24)
    v1 = project.tracks[0]
    a = v1.append(studio.clip(cam, 10, 8))
    out = Transition(from_clip=a.id, duration=RationalTime(4, 24))  # centred: 2 frames past the end
    with pytest.raises(ProjectError, match="empty track there has 0 frames"):
        v1.add_transition(out)
    v1.add_transition(Transition(from_clip=a.id, duration=RationalTime(4, 24), alignment="end"))
    b = v1.insert(studio.clip(cam, 20, 4), 0)  # b now sits right before a: no empty track to fade over
    with pytest.raises(ProjectError, match="empty track there has 0 frames"):
        v1.add_transition(Transition(to_clip=a.id, duration=RationalTime(2, 24), alignment="end"))
    v1.trailing_gap = RationalTime(6, 24)
    assert v1.frames() == 12 + 6
    v1.ripple_delete(b.id)
    assert v1.frames() == 8 + 6  # edits keep the trailing gap's length
