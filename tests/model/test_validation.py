"""Tests for timeline_lab.model.validation: each whole-track invariant and the message naming it."""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from typing import Any

import pytest

from timeline_lab.errors import ProjectError
from timeline_lab.model import (
    Clip,
    MediaReference,
    Project,
    ProjectSettings,
    RationalTime,
    TextClip,
    TimeRange,
    Track,
    Transition,
)


def _media(path: str, rate: int = 25, frames: int = 250, first: int = 0, **kw: Any) -> MediaReference:
    return MediaReference(path=path, rate=rate,
                          available_range=TimeRange.from_frames(first, frames, rate), **kw)  # fmt: skip


A = _media("/media/a.mp4", has_audio=True)
SILENT = _media("/media/silent.mp4")
WAV = _media("/media/tone.wav", rate=48000, frames=480000, has_video=False, has_audio=True)
LATE = _media("/media/late.mp4", first=100, frames=100)  # media whose first frame is 100


def clip(cid: str, src: int, count: int, at: int = 0, ref: MediaReference = A, **kw: Any) -> Clip:
    return Clip(id=cid, name=cid.removeprefix("clip_"), media=ref,
                source_range=TimeRange.from_frames(src, count, ref.rate),
                start=RationalTime(at, 25), **kw)  # fmt: skip


def text(tid: str, at: int, frames: int) -> TextClip:
    return TextClip(id=tid, text=tid, start=RationalTime(at, 25), duration=RationalTime(frames, 25))


def tr(a: str, b: str, frames: int = 4, **kw: Any) -> Transition:
    return Transition(id="tr_new", from_clip=a, to_clip=b, duration=RationalTime(frames, 25), **kw)


def build() -> Project:
    """25 fps: V1 a[0,50) b[50,100) with a 4-frame dissolve, c[150,190); V2 text; A1 wav; S1 subs."""
    p = Project(id="prj_val", settings=ProjectSettings(frame_rate=25))
    v1 = p.add_track(track=Track(id="trk_v1", name="V1"))
    v2 = p.add_track(track=Track(id="trk_v2"))
    a1 = p.add_track(track=Track(id="trk_a1", kind="audio", name="A1"))
    s1 = p.add_track(track=Track(id="trk_s1", kind="subtitle", name="Subs"))
    v1.append(clip("clip_a", 10, 50))
    v1.append(clip("clip_b", 100, 50))
    v1.overwrite(clip("clip_c", 200, 40), 150)
    v1.add_transition(Transition(id="tr_ab", from_clip="clip_a", to_clip="clip_b",
                                 duration=RationalTime(4, 25)))  # fmt: skip
    v2.append(text("text_title", 0, 30))
    a1.append(clip("clip_w", 0, 48000, ref=WAV))
    s1.append(text("text_sub", 10, 20))
    return p


Mutation = Callable[[Project], object]


def _items(n: int) -> Callable[[Project], list[Any]]:
    return lambda p: p.tracks[n].items


def _set(track: int, item: int, **changes: Any) -> Mutation:
    def mutate(p: Project) -> None:
        target = p.tracks[track].items[item]
        for key, value in changes.items():
            setattr(target, key, value)

    return mutate


def _add(track: int, item: Clip | TextClip) -> Mutation:
    return lambda p: p.tracks[track].items.append(item)


def _add_tr(track: int, transition: Transition) -> Mutation:
    return lambda p: p.tracks[track].transitions.append(transition)


def _v1_source(item: int, src: int, count: int) -> Mutation:
    return _set(0, item, source_range=TimeRange.from_frames(src, count, 25))


CASES: list[tuple[str, Mutation, str, str]] = [
    # (case, mutation, where, expected message fragment)
    ("duplicate-id", _add(0, clip("clip_a", 0, 10, at=300)), "tracks[0] (V1).items[3] 'a'",
     "duplicate id 'clip_a'"),
    ("off-grid-start", _set(0, 2, start=RationalTime(1, 30) + RationalTime(150, 25)),
     "tracks[0] (V1).items[2] 'c'", "is not on the 25 fps frame grid"),
    ("off-grid-text", _set(1, 0, start=RationalTime(1, 50)), "tracks[1] (trk_v2).items[0] 'text_title'",
     "frame grid"),
    ("negative-start", _set(1, 0, start=RationalTime(-5, 25)), "tracks[1] (trk_v2).items[0] 'text_title'",
     "starts before 0 (-5@25)"),
    ("overlap", _set(0, 1, start=RationalTime(40, 25)), "tracks[0] (V1).items[1] 'b'",
     "overlaps 'a' (it ends at 00:00:02:00, this starts at 00:00:01:15)"),
    ("overlap-later", _add(0, clip("clip_d", 0, 10, at=185)), "tracks[0] (V1).items[3] 'd'",
     "overlaps 'c'"),
    ("text-overlap", _add(1, text("text_two", 29, 5)), "tracks[1] (trk_v2).items[1] 'text_two'",
     "overlaps 'text_title'"),
    ("before-media-start", _add(0, clip("clip_late", 50, 10, at=300, ref=LATE)),
     "tracks[0] (V1).items[3] 'late'", "before media start 100@25"),
    ("past-media-end", _v1_source(2, 200, 51), "tracks[0] (V1).items[2] 'c'",
     "trim end 251@25 is past media end 250@25 (a.mp4)"),
    ("past-media-end-late", _add(0, clip("clip_late", 150, 51, at=300, ref=LATE)),
     "tracks[0] (V1).items[3] 'late'", "past media end 200@25 (late.mp4)"),
    ("audio-only-on-video", _add(0, clip("clip_tone", 0, 4800, at=300, ref=WAV)),
     "tracks[0] (V1).items[3] 'tone'", "tone.wav has no video for a video track"),
    ("silent-on-audio", _add(2, clip("clip_mute", 0, 10, at=100, ref=SILENT)),
     "tracks[2] (A1).items[1] 'mute'", "silent.mp4 has no audio for an audio track"),
    ("clip-on-subtitles", _add(3, clip("clip_s", 0, 10, at=100)), "tracks[3] (Subs).items[1] 's'",
     "media clips cannot go on a subtitle track"),
    ("text-on-audio", _add(2, text("text_x", 100, 10)), "tracks[2] (A1).items[1] 'text_x'",
     "text cannot go on an audio track"),
    ("transition-missing-clip", _add_tr(0, tr("clip_b", "clip_gone")),
     "tracks[0] (V1).transitions[1] dissolve", "to_clip 'clip_gone' is not on this track"),
    ("transition-from-text", _add_tr(1, tr("text_title", "clip_a")),
     "tracks[1] (trk_v2).transitions[0] dissolve", "from_clip 'text_title' is not a media clip"),
    ("transition-not-adjacent", _add_tr(0, tr("clip_b", "clip_c", kind="wipe_up")),
     "tracks[0] (V1).transitions[1] wipe_up", "'b' and 'c' are not adjacent"),
    ("transition-reversed", _add_tr(0, tr("clip_b", "clip_a")), "tracks[0] (V1).transitions[1] dissolve",
     "'b' and 'a' are not adjacent"),
    ("transition-twice", _add_tr(0, tr("clip_a", "clip_b", 2, kind="fade_black")),
     "tracks[0] (V1).transitions[1] fade_black",
     "a second transition on the cut at 00:00:02:00"),
    ("transition-too-long",
     lambda p: setattr(p.tracks[0].transitions[0], "duration", RationalTime(101, 25)),
     "tracks[0] (V1).transitions[0] dissolve",
     "its 51 frames on 'b' overlap another transition or pass the clip's other end (50 frames)"),
    ("no-handle-after", _v1_source(0, 200, 50), "tracks[0] (V1).transitions[0] dissolve",
     "'a' needs 2 frames of handle after its out point (00:00:10:00 in a.mp4); the media has 0, 2 missing"),
    ("no-handle-before", _v1_source(1, 1, 50), "tracks[0] (V1).transitions[0] dissolve",
     "'b' needs 2 frames of handle before its in point (00:00:00:01 in a.mp4); the media has 1, 1 missing"),
    ("no-handle-start-aligned",
     lambda p: (_v1_source(0, 197, 50)(p),
                setattr(p.tracks[0].transitions[0], "alignment", "start")),
     "tracks[0] (V1).transitions[0] dissolve", "'a' needs 4 frames of handle after its out point"),
    ("no-handle-end-aligned",
     lambda p: (_v1_source(1, 3, 50)(p), setattr(p.tracks[0].transitions[0], "alignment", "end")),
     "tracks[0] (V1).transitions[0] dissolve", "'b' needs 4 frames of handle before its in point"),
    ("transition-after-clip-removed", lambda p: p.tracks[0].items.pop(1),
     "tracks[0] (V1).transitions[0] dissolve", "to_clip 'clip_b' is not on this track"),
]  # fmt: skip


@pytest.mark.parametrize(("case", "mutate", "where", "fragment"), CASES, ids=[c[0] for c in CASES])
def test_validate_timeline_names_the_problem(case: str, mutate: Mutation, where: str, fragment: str) -> None:
    p = build()
    p.validate_timeline()
    mutate(p)
    with pytest.raises(ProjectError) as info:
        p.validate_timeline()
    msg = str(info.value)
    assert msg.startswith(f"{where}: "), msg
    assert fragment in msg, msg


def test_valid_project_passes_and_is_unchanged() -> None:
    p = build()
    before = p.model_dump(mode="json")
    p.validate_timeline()
    assert p.model_dump(mode="json") == before


def test_edge_cases_that_are_valid() -> None:
    p = build()
    v1 = p.tracks[0]
    v1.items.append(clip("clip_d", 0, 10, at=190))  # touching c: adjacent is not overlapping
    v1.items.append(clip("clip_e", 240, 10, at=200))  # ends exactly at the media end
    p.tracks[2].items.append(clip("clip_av", 0, 10, at=50))  # video+audio media on an audio track
    p.tracks[0].transitions[0] = (
        p.tracks[0].transitions[0].model_copy(update={"duration": RationalTime(20, 25)})
    )  # handles 10 + 10 fit a's tail and b's head
    p.validate_timeline()


def test_first_problem_wins_in_track_order() -> None:
    p = build()
    _add(2, text("text_x", 100, 10))(p)
    _set(0, 1, start=RationalTime(40, 25))(p)
    with pytest.raises(ProjectError, match=r"^tracks\[0\] \(V1\)"):
        p.validate_timeline()


def test_out_of_order_items_are_checked_in_time_order() -> None:
    p = build()
    items = p.tracks[0].items
    items.reverse()
    p.validate_timeline()
    assert [i.id for i in items] == ["clip_a", "clip_b", "clip_c"]


def test_project_construction_validates() -> None:
    track = Track(id="trk_bad", items=[clip("clip_a", 0, 50), clip("clip_b", 0, 50, at=49)])
    with pytest.raises(ProjectError, match=r"tracks\[0\] \(trk_bad\)\.items\[1\] 'b': overlaps 'a'"):
        Project(settings=ProjectSettings(frame_rate=25), tracks=[track])


def test_add_track_refuses_invalid_track() -> None:
    p = build()
    before, depth = p.model_dump(mode="json"), len(p.history)
    bad = Track(id="trk_bad", name="Bad", kind="audio", items=[clip("clip_m", 0, 10, ref=SILENT)])
    with pytest.raises(ProjectError, match=r"tracks\[4\] \(Bad\)\.items\[0\] 'm'.*no audio"):
        p.add_track(track=bad)
    assert p.model_dump(mode="json") == before
    assert len(p.history) == depth
    assert bad._project is None


def test_add_track_refuses_duplicate_id() -> None:
    p = build()
    with pytest.raises(ProjectError, match="'trk_v1' is already in the project"):
        p.add_track(track=Track(id="trk_v1"))


@pytest.mark.parametrize(
    ("rate", "frames", "ok"),
    [
        (Fraction(30000, 1001), 299, True),
        (Fraction(30000, 1001), 300, False),
        (Fraction(50), 500, True),
        (Fraction(50), 501, False),
    ],
)
def test_media_end_checked_at_media_rate(rate: Fraction, frames: int, ok: bool) -> None:
    """The media end check is exact in time, whatever the project rate."""
    p = Project(settings=ProjectSettings(frame_rate=rate))
    t = p.add_track(name="V")
    c = Clip(id="clip_x", name="x", media=A, source_range=TimeRange.from_frames(0, 250, 25))
    t.items.append(c)
    p.validate_timeline()  # 10 s of 10 s
    # the same clip reaching ``frames`` project frames (299 at 29.97 = 9.977 s; 300 = 10.01 s)
    t.items[0] = c.model_copy(update={"source_range": TimeRange(
        RationalTime(0, 25), RationalTime.from_frames(frames, rate))})  # fmt: skip
    if ok:
        p.validate_timeline()
    else:
        with pytest.raises(ProjectError, match="past media end"):
            p.validate_timeline()
