"""Whole-track invariants checked after every edit and on load: the timeline is always playable."""

from __future__ import annotations

from fractions import Fraction
from typing import TYPE_CHECKING

from ..errors import ProjectError
from . import edits
from .items import Clip, TextClip
from .time import RationalTime

if TYPE_CHECKING:
    from .track import Track

__all__ = ["check_track"]


def _tc(frame: int, rate: Fraction) -> str:
    return RationalTime.from_frames(frame, rate).to_timecode()


def check_track(track: Track, index: int, rate: Fraction) -> None:
    """Raise ProjectError naming the track and item when ``track`` breaks an invariant."""
    where = f"tracks[{index}] ({track.name or track.id})"
    track.items.sort(key=lambda i: i.start)
    ids: set[str] = set()
    prev = None
    for n, item in enumerate(track.items):
        at = f"{where}.items[{n}] {item.label()!r}"
        if item.id in ids:
            raise ProjectError(f"{at}: duplicate id {item.id!r}")
        ids.add(item.id)
        if not item.start.is_frame_aligned(rate):
            raise ProjectError(f"{at}: start {item.start} is not on the {rate} fps frame grid")
        if item.start.value < 0:
            raise ProjectError(f"{at}: starts before 0 ({item.start})")
        if prev is not None and edits.end_frame(prev, rate) > edits.start_frame(item, rate):
            end = _tc(edits.end_frame(prev, rate), rate)
            raise ProjectError(
                f"{at}: overlaps {prev.label()!r} (it ends at {end}, this starts at "
                f"{_tc(edits.start_frame(item, rate), rate)})"
            )
        prev = item
        if isinstance(item, Clip):
            _check_clip(item, at, track)
        elif isinstance(item, TextClip) and track.kind == "audio":
            raise ProjectError(f"{at}: text cannot go on an audio track")
    _check_transitions(track, where, rate)


def _check_clip(clip: Clip, at: str, track: Track) -> None:
    avail, src = clip.media.available_range, clip.source_range
    if src.start < avail.start:
        raise ProjectError(f"{at}: source starts at {src.start}, before media start {avail.start}")
    if src.end_exclusive() > avail.end_exclusive():
        end = src.end_exclusive().rescaled_to(clip.media.rate)
        raise ProjectError(
            f"{at}: trim end {end} is past media end {avail.end_exclusive()} ({clip.media.name})"
        )
    if track.kind == "video" and not clip.media.has_video:
        raise ProjectError(f"{at}: {clip.media.name} has no video for a video track")
    if track.kind == "audio" and not clip.media.has_audio:
        raise ProjectError(f"{at}: {clip.media.name} has no audio for an audio track")
    if track.kind == "subtitle":
        raise ProjectError(f"{at}: media clips cannot go on a subtitle track")


def _check_transitions(track: Track, where: str, rate: Fraction) -> None:
    by_id = {i.id: i for i in track.items}
    cuts: set[tuple[str, str]] = set()
    for n, tr in enumerate(track.transitions):
        at = f"{where}.transitions[{n}] {tr.kind}"
        a, b = by_id.get(tr.from_clip), by_id.get(tr.to_clip)
        if not isinstance(a, Clip) or not isinstance(b, Clip):
            raise ProjectError(f"{at}: needs two media clips on this track ({tr.from_clip}, {tr.to_clip})")
        if edits.end_frame(a, rate) != edits.start_frame(b, rate):
            raise ProjectError(f"{at}: {a.label()!r} and {b.label()!r} are not adjacent")
        if (a.id, b.id) in cuts:
            raise ProjectError(f"{at}: a second transition on the same cut")
        cuts.add((a.id, b.id))
        frames = tr.duration.to_frames(rate, "nearest")
        if frames > min(a.frames(rate), b.frames(rate)):
            raise ProjectError(f"{at}: {frames} frames is longer than one of its clips")
        after, before = tr.handles(rate)
        tail = a.source_range.end_exclusive() + a.source_offset(after, rate)
        if tail > a.media.available_range.end_exclusive():
            raise ProjectError(
                f"{at}: {a.label()!r} needs {after} frames of handle after its out point; "
                "the media ends first"
            )
        head = b.source_range.start - b.source_offset(before, rate)
        if head < b.media.available_range.start:
            raise ProjectError(
                f"{at}: {b.label()!r} needs {before} frames of handle before its in point; "
                "the media starts later"
            )
