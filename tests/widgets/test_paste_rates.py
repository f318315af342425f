"""Pasting clips copied at one frame rate into a timeline at another keeps every clip whole: each
takes its own length at the new rate, clips that met still meet, and an insert opens exactly the
room they take (offsets and the insert width were rounded apart from the clips' lengths, so a 24 to
30 fps paste cut each clip short and took a frame of the clip already there, and 25 to 24 left a
black frame between clips that met)."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from timeline_lab.model import Clip, MediaReference, Project, ProjectSettings, TimeRange, Track
from timeline_lab.widgets.clipboard import copy, paste_ops

RATES = [Fraction(24000, 1001), Fraction(24), Fraction(25), Fraction(30000, 1001), Fraction(30)]
RATES += [Fraction(50), Fraction(60000, 1001), Fraction(60)]
MEDIA = [
    MediaReference(path=f"/media/{n}.mp4", rate=r, available_range=TimeRange.from_frames(0, 2000, r))
    for n, r in (("pal", Fraction(25)), ("ntsc", Fraction(30000, 1001)), ("film", Fraction(24)))
]


def _project(rate: Fraction, tracks: int) -> Project:
    p = Project(name="p", settings=ProjectSettings(frame_rate=rate))
    for k in range(tracks):
        p.add_track(track=Track(name=f"V{k + 1}"))
    return p


def _clip(media: int, first: int, count: int) -> Clip:
    m = MEDIA[media]
    return Clip(media=m, source_range=TimeRange.from_frames(first, count, m.rate))


def _spans(track: Track, rate: Fraction) -> list[tuple[int, int]]:
    return [(i.start.to_frames(rate), i.start.to_frames(rate) + i.frames(rate)) for i in track.items]


LAYOUT = st.lists(  # per copied track: (gap before it, media, first source frame, source frames)
    st.lists(
        st.tuples(
            st.sampled_from([0, 0, 1, 2, 7]), st.integers(0, 1), st.integers(0, 50), st.integers(1, 40)
        ),
        min_size=1,
        max_size=4,
    ),
    min_size=1,
    max_size=2,
)


@settings(max_examples=150, deadline=None)
@given(
    rates=st.tuples(st.sampled_from(RATES), st.sampled_from(RATES)),
    layout=LAYOUT,
    mode=st.sampled_from(["overwrite", "insert"]),
    where=st.integers(0, 2),
)
def test_pasted_clips_keep_their_source_at_any_rate(
    rates: tuple[Fraction, Fraction], layout: list[list[tuple[int, int, int, int]]], mode: Any, where: int
) -> None:
    a, b = rates
    src = _project(a, len(layout))
    copied: list[list[tuple[Clip, int]]] = []  # per track: (clip, gap before it at the copied rate)
    for track, lane in zip(src.tracks, layout, strict=True):
        end, got = 0, []
        for gap, media, first, count in lane:
            placed = track.overwrite(_clip(media, first, count), end + gap)
            end = placed.start.to_frames(a) + placed.frames(a)
            got.append((placed, gap))
        copied.append(got)
    # the first copied clip starts at frame 0 of the copy: a lane's first gap is its offset
    dst = _project(b, 1)
    existing = [_clip(2, 100, 30), _clip(2, 200, 20)]  # film: copied clips are pal or ntsc
    for c in existing:
        dst.tracks[0].append(c)
    before = {c.id: (dst.tracks[0].item(c.id).source_range, *_spans_of(dst, c.id)) for c in existing}
    at = [0, *(e for _, e in _spans(dst.tracks[0], b))][where]
    data = copy(src, [c.id for lane in copied for c, _ in lane])
    dst.apply_all(paste_ops(dst, data, dst.tracks[0].id, at, mode), "paste")

    pasted_end = at
    for track, lane in zip(dst.tracks, copied, strict=True):
        ours = [i for i in track.items if isinstance(i, Clip) and i.media != MEDIA[2]]
        assert len(ours) == len(lane)
        prev_end: int | None = None
        for item, (clip, gap) in zip(ours, lane, strict=True):
            assert isinstance(item, Clip)
            assert item.source_range == clip.source_range  # every source frame kept, none added
            start, end = _spans_of(dst, item.id)
            assert end - start == clip.frames(b)
            if prev_end is not None:
                if gap == 0:
                    assert start == prev_end  # clips that met still meet
                else:  # a gap keeps its length in seconds to the nearest frame, at least one
                    assert start - prev_end >= 1
                    if len(layout) == 1:
                        assert start - prev_end == max(1, round(gap * b / a))
            prev_end = end
            pasted_end = max(pasted_end, end)
    for c in existing:
        source, start, end = before[c.id]
        if mode == "insert":  # untouched, and those at or after the paste moved by what it took
            shift = pasted_end - at if start >= at else 0
            assert (dst.tracks[0].item(c.id).source_range, *_spans_of(dst, c.id)) == (
                source,
                start + shift,
                end + shift,
            )
        elif end <= at or start >= pasted_end:  # overwrite: what the paste does not cover is kept
            assert (dst.tracks[0].item(c.id).source_range, *_spans_of(dst, c.id)) == (source, start, end)


def _spans_of(project: Project, item_id: str) -> tuple[int, int]:
    rate = project.settings.frame_rate
    for track in project.tracks:
        for i in track.items:
            if i.id == item_id:
                return i.start.to_frames(rate), i.start.to_frames(rate) + i.frames(rate)
    raise KeyError(item_id)


def test_24_to_30_insert_keeps_the_clip_already_there() -> None:
    """The reviewer's case: three 13-frame 25 fps clips copied at 24 fps, paste-inserted at 30."""
    src = _project(Fraction(24), 1)
    for first in (0, 15, 2):
        src.tracks[0].append(_clip(0, first, 13))
    dst = _project(Fraction(30), 1)
    there = dst.tracks[0].append(_clip(1, 0, 40))
    data = copy(src, [i.id for i in src.tracks[0].items])
    dst.apply_all(paste_ops(dst, data, dst.tracks[0].id, 0, "insert"), "paste")
    assert _spans(dst.tracks[0], Fraction(30)) == [(0, 16), (16, 32), (32, 48), (48, 88)]
    assert [i.source_range for i in dst.tracks[0].items] == [
        *(i.source_range for i in src.tracks[0].items),
        there.source_range,
    ]
