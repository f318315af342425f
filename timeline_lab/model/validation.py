"""Whole-track invariants checked after every edit and on load: the timeline is always playable."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable
from fractions import Fraction
from typing import TYPE_CHECKING

from ..errors import ProjectError
from . import edits
from ._base import MAX_SECONDS
from .items import Clip, Item, SequenceClip, TextClip
from .keyframes import plays_backwards
from .time import RationalTime, TimeRange

if TYPE_CHECKING:
    from .project import Project
    from .track import Track
    from .transition import Transition

__all__ = [
    "check_around",
    "check_ids",
    "check_sequence_clips",
    "check_shown",
    "check_track",
    "check_transitions",
]


def _tc(frame: int, rate: Fraction) -> str:
    return RationalTime.from_frames(frame, rate).to_timecode()


def check_ids(project: Project) -> None:
    """Each track and nested sequence of ``project`` has its own id: edits find them by id, so a
    copied track's twin took the edits (and undos) meant for it."""
    lists: tuple[tuple[str, list[str]], ...] = (
        ("tracks", [t.id for t in project.tracks]),
        ("sequences", [s.id for s in project.sequences]),
    )
    for field, ids in lists:
        first: dict[str, int] = {}
        for n, part in enumerate(ids):
            k = first.setdefault(part, n)
            if k != n:
                raise ProjectError(f"{field}[{n}].id: {part!r} is also {field}[{k}]'s id; give each its own")


def check_track(track: Track, index: int, rate: Fraction) -> None:
    """Raise ProjectError naming the track and item when ``track`` breaks an invariant.

    Linear in the items, in integer arithmetic (it runs on every load and save of a whole project).
    """
    where = f"tracks[{index}] ({track.name or track.id})"
    if any(b.start < a.start for a, b in itertools.pairwise(track.items)):  # as a file may have them
        track.items.sort(key=lambda i: i.start)
    ids: set[str] = set()
    prev, prev_end = None, 0
    media: dict[int, tuple[Seconds, Seconds]] = {}  # each media's extent, worked out once
    for n, item in enumerate(track.items):
        if item.id in ids:
            raise ProjectError(f"{where}.items[{n}] {item.label()!r}: duplicate id {item.id!r}")
        ids.add(item.id)
        prev_end = _check_item(track, where, n, prev, rate, prev_end, media, item)
        prev = item
    tail = track.trailing_gap
    if tail.value < 0 or not tail.is_frame_aligned(rate):
        raise ProjectError(f"{where}.trailing_gap: {tail} must be >= 0 and on the {rate} fps frame grid")
    check_transitions(track, rate, where)


Seconds = tuple[int, int]
"""An exact time in seconds as (numerator, positive denominator), compared by cross-multiplying."""


def _seconds(t: RationalTime) -> Seconds:
    v, r = t.value, t.rate
    return v.numerator * r.denominator, v.denominator * r.numerator


def _shown(t: RationalTime) -> str:
    """A time for a message: whole frames at a camera rate as ``251@25``, else seconds (a variable-rate
    media's measured rate made ``729733/21400@995/321``)."""
    if t.value.denominator == 1 and t.rate.denominator in (1, 1001):
        return str(t)
    return f"{float(t.to_seconds()):.3f} s"


def _end(span: TimeRange) -> Seconds:
    (a, b), (c, d) = _seconds(span.start), _seconds(span.duration)
    return a * d + c * b, b * d


def _before(x: Seconds, y: Seconds) -> bool:
    return x[0] * y[1] < y[0] * x[1]


def _check_item(
    track: Track,
    where: str,
    n: int,
    prev: Item | None,
    rate: Fraction,
    prev_end: int | None = None,
    media: dict[int, tuple[Seconds, Seconds]] | None = None,
    current: Item | None = None,
) -> int:
    """Item ``n`` of ``track``: on the grid, not before 0, after ``prev``, allowed on this track.

    Returns its end frame (``prev_end``, the end of ``prev``, and ``current``, the item, save looking
    them up again).
    """
    item = track.items[n] if current is None else current

    def at() -> str:  # made only for a message (an item's label may read its media's file name)
        return f"{where}.items[{n}] {item.label()!r}"

    value, own = item.start.value, item.start.rate  # start * rate in integers: grid and frame at once
    num = value.numerator * own.denominator * rate.numerator
    den = value.denominator * own.numerator * rate.denominator
    if num % den:
        raise ProjectError(f"{at()}: start {item.start} is not on the {rate} fps frame grid")
    if num < 0:
        raise ProjectError(f"{at()}: starts before 0 ({item.start})")
    start = num // den
    end = start + item.frames(rate)
    if end * rate.denominator > MAX_SECONDS * rate.numerator:
        raise ProjectError(f"{at()}: ends at {_tc(end, rate)}, past the 24 h limit of a timeline")
    if prev is not None:
        if prev_end is None:
            prev_end = edits.end_frame(prev, rate)
        if prev_end > start:
            raise ProjectError(
                f"{at()}: overlaps {prev.label()!r} (it ends at {_tc(prev_end, rate)}, this starts at "
                f"{_tc(start, rate)})"
            )
    if isinstance(item, SequenceClip) and item.source_range.start.value < 0:
        # as the field refuses on load (an edit's model_copy skips that check; a media clip's start
        # is checked against its media's below)
        first = item.source_range.start
        raise ProjectError(f"{at()}: source starts at {first}, before the sequence's start 0")
    if isinstance(item, Clip):
        _check_clip(item, at, track, {} if media is None else media)
    elif isinstance(item, TextClip) and track.kind == "audio":
        raise ProjectError(f"{at()}: text cannot go on an audio track")
    elif isinstance(item, SequenceClip) and track.kind == "subtitle":
        raise ProjectError(f"{at()}: a nested sequence cannot go on a subtitle track")
    return end


def check_around(
    track: Track,
    index: int,
    touched: list[Item],
    sequences: list[Project],
    transitions: Iterable[Transition],
) -> None:
    """After an edit: the items next to those it ``touched``, and the transitions at them or new
    (``transitions``: those the edit added or replaced, checked where they are on this track); the
    track's transitions are found by clip id, not scanned."""
    rate, items = track.rate, track.items
    where = f"tracks[{index}] ({track.name or track.id})"
    near: set[int] = set()
    for item in touched:
        k = track.position(item)
        near.update(range(max(0, k - 1), min(len(items), k + 2)))
    for n in sorted(near):
        _check_item(track, where, n, items[n - 1] if n else None, rate)
    _check_sequences(track, where, sorted(near), sequences, rate)
    held = track._transitions()
    chosen = dict(held.touching(items[n].id for n in near))
    for tr in transitions:
        n = held.position(tr)
        if n >= 0:
            chosen[n] = tr
    if chosen:
        _check_transitions(track, rate, where, sorted(chosen.items(), key=lambda pair: pair[0]))


def _check_clip(
    clip: Clip, at: Callable[[], str], track: Track, media: dict[int, tuple[Seconds, Seconds]]
) -> None:
    avail, src = clip.media.available_range, clip.source_range
    extent = media.get(id(avail))
    if extent is None:  # keyed by the range object, which the clips sharing a media share
        extent = media[id(avail)] = (_seconds(avail.start), _end(avail))
    if _before(_seconds(src.start), extent[0]):
        raise ProjectError(f"{at()}: source starts at {src.start}, before media start {avail.start}")
    if _before(extent[1], _end(src)):
        end = _shown(src.end_exclusive().rescaled_to(clip.media.rate))
        media_end = _shown(avail.end_exclusive())
        raise ProjectError(f"{at()}: trim end {end} is past media end {media_end} ({clip.media.name})")
    if track.kind == "video" and not clip.media.has_video:
        raise ProjectError(f"{at()}: {clip.media.name} has no video for a video track")
    if track.kind == "audio" and not clip.media.has_audio:
        raise ProjectError(f"{at()}: {clip.media.name} has no audio for an audio track")
    if track.kind == "subtitle":
        raise ProjectError(f"{at()}: media clips cannot go on a subtitle track")


def check_transitions(track: Track, rate: Fraction, where: str = "track") -> None:
    """Each transition names clips of this track at one free cut, fits its neighbours and has media."""
    _check_transitions(track, rate, where, list(enumerate(track.transitions)))


def _check_transitions(
    track: Track, rate: Fraction, where: str, chosen: list[tuple[int, Transition]]
) -> None:
    spans = _Spans(track, rate)
    used: dict[str, int] = {}  # frames of each clip that transitions take
    gaps: dict[int, int] = {}  # frames of the empty track (by its start) fades take
    cuts: set[int] = set()
    for n, tr in chosen:
        at = f"{where}.transitions[{n}] {tr.kind}"
        a, b = _side(track, tr.from_clip, at, "from_clip"), _side(track, tr.to_clip, at, "to_clip")
        cut = spans[a.id][1] if a is not None else spans[b.id][0]  # type: ignore[union-attr]
        if cut in cuts:
            raise ProjectError(f"{at}: a second transition on the cut at {_tc(cut, rate)}")
        cuts.add(cut)
        after, before = tr.handles(rate)
        if after + before == 0:  # the render would mix nothing (acrossfade of 0 samples fails)
            raise ProjectError(
                f"{at} {tr.id!r}: its duration {tr.duration} is under one frame at {rate} fps "
                "(make it at least one frame, or remove it)"
            )
        if a is not None and b is not None and spans[b.id][0] != cut:
            raise ProjectError(f"{at}: {a.label()!r} and {b.label()!r} are not adjacent")
        if a is None or b is None:
            tail = track.trailing_gap.to_frames(rate)
            gap, room, frames, what = _gap_use(spans, a, b, (before, after), tail)
            taken = gaps.get(gap, 0) + frames
            if taken > room:
                hint = "" if b is not None else " (alignment='end' puts it all before the cut)"
                shared = " and another fade takes some of them" if taken > frames else ""
                raise ProjectError(f"{at}: {what}, but the empty track there has {room} frames{shared}{hint}")
            gaps[gap] = taken
        for clip, frames in ((a, before), (b, after)):
            if clip is None:
                continue
            total = used.get(clip.id, 0) + frames
            if total > clip.frames(rate):
                raise ProjectError(
                    f"{at}: its {frames} frames on {clip.label()!r} overlap another transition or "
                    f"pass the clip's other end ({clip.frames(rate)} frames)"
                )
            used[clip.id] = total
        if a is not None:
            _check_handle(a, after, "after its out point", at, rate)
        if b is not None:
            _check_handle(b, before, "before its in point", at, rate)


class _Spans:
    """(first, end) frames of a track's items by id, and the items' neighbours, looked up as needed."""

    def __init__(self, track: Track, rate: Fraction) -> None:
        self.track, self.rate = track, rate

    def __getitem__(self, item_id: str) -> tuple[int, int]:
        item = self.track.items[self.track.index_of(item_id)]
        return edits.start_frame(item, self.rate), edits.end_frame(item, self.rate)

    def before(self, item_id: str) -> int:
        """End of the item before this one (0 at the track start)."""
        k = self.track.index_of(item_id)
        return edits.end_frame(self.track.items[k - 1], self.rate) if k else 0

    def after(self, item_id: str, tail: int) -> int:
        """Start of the item after this one (past the last: the track end with its trailing gap)."""
        items = self.track.items
        k = self.track.index_of(item_id)
        if k + 1 < len(items):
            return edits.start_frame(items[k + 1], self.rate)
        return edits.end_frame(items[-1], self.rate) + tail


def _side(track: Track, item_id: str | None, at: str, field: str) -> Clip | None:
    if item_id is None:
        return None
    found = track.find(item_id)
    if not isinstance(found, Clip):
        what = "not on this track" if found is None else "not a media clip"
        raise ProjectError(f"{at}: {field} {item_id!r} is {what}")
    return found


def _gap_use(
    spans: _Spans,
    a: Clip | None,
    b: Clip | None,
    parts: tuple[int, int],
    tail: int,
) -> tuple[int, int, int, str]:
    """(gap start, its frames, frames the fade takes, what) for a fade from or to the empty track."""
    before, after = parts
    if b is not None:  # fade in: the part before the cut lies over the empty track before b
        start = spans[b.id][0]
        prev = spans.before(b.id)
        return prev, start - prev, before, f"fades {b.label()!r} in over {before} frames before its start"
    assert a is not None
    end = spans[a.id][1]
    nxt = spans.after(a.id, tail)
    return end, nxt - end, after, f"fades {a.label()!r} out over {after} frames after its end"


def _check_handle(clip: Clip, frames: int, side: str, at: str, rate: Fraction) -> None:
    """The media must hold the extra frames a transition shows beyond the clip's trim: past its out
    point the source after its end, before its in point the source before its start; a clip played
    backwards the other way round (its out point shows the source's start)."""
    if not frames:
        return
    avail, src = clip.media.available_range, clip.source_range
    backwards = plays_backwards(clip)
    if side.startswith("after") != backwards:
        room = avail.end_exclusive() - src.end_exclusive()
        edge = _tc(src.end_exclusive().to_frames(clip.media.rate), clip.media.rate)
    else:
        room = src.start - avail.start
        edge = _tc(src.start.to_frames(clip.media.rate), clip.media.rate)
    need = clip.source_offset(frames, rate)
    if need > room:
        have = int(room.to_seconds() * rate / clip.speed)
        raise ProjectError(
            f"{at}: {clip.label()!r} needs {frames} frames of handle {side} ({edge} in "
            f"{clip.media.name}{', played backwards' if backwards else ''}); the media has {have}, "
            f"{frames - have} missing"
        )


def check_sequence_clips(track: Track, index: int, sequences: list[Project], rate: Fraction) -> None:
    """Each nested-sequence clip names one of the project's sequences and shows frames it has."""
    where = f"tracks[{index}] ({track.name or track.id})"
    _check_sequences(track, where, range(len(track.items)), sequences, rate)


def _check_sequences(
    track: Track, where: str, indices: Iterable[int], sequences: list[Project], rate: Fraction
) -> None:
    by_id = {s.id: s for s in sequences}
    for n in indices:
        item = track.items[n]
        if not isinstance(item, SequenceClip):
            continue
        at = f"{where}.items[{n}] {item.label()!r}"
        seq = by_id.get(item.sequence)
        if seq is None:
            raise ProjectError(f"{at}: sequence {item.sequence!r} is not in this project's sequences")
        if seq.settings.frame_rate != rate:
            raise ProjectError(
                f"{at}: sequence {seq.name!r} is at {seq.settings.frame_rate} fps, the project at {rate}"
            )
        end, length = item.source_range.end_exclusive(), seq.duration()
        if end > length:
            raise ProjectError(
                f"{at}: shows sequence {seq.name!r} up to {end.to_timecode(rate)}, but it is "
                f"{length.to_frames(rate)} frames long ({length.to_timecode(rate)})"
            )


def check_shown(parent: Project, sequence: Project) -> None:
    """After an edit inside ``sequence``: every clip of ``parent`` that shows it still has its frames
    (a clip showing past the sequence's end made the parent unsavable and unrenderable).

    Only each track's nested-sequence clips are read (``ItemList.nested``): the rest of the parent,
    and its pending ripples, are left as they are."""
    rate, length = parent.settings.frame_rate, sequence.duration()
    shown: list[tuple[str, SequenceClip]] = []
    for index, track in enumerate(parent.tracks):
        items = track._items()
        found = sorted(k for k in map(items.index_of_id, items.nested()) if k >= 0)
        where = f"tracks[{index}] ({track.name or track.id})"
        for n in found:
            item = items[n]
            if isinstance(item, SequenceClip) and item.sequence == sequence.id:
                shown.append((f"{where}.items[{n}] {item.label()!r}", item))
    if shown and sequence.settings.frame_rate != rate:
        raise ProjectError(
            f"sequence {sequence.name!r} would be at {sequence.settings.frame_rate} fps, but "
            f"project {parent.name!r} is at {rate} and shows it in {', '.join(at for at, _ in shown)}"
        )
    past = [
        f"{at} (up to {item.source_range.end_exclusive().to_timecode(rate)})"
        for at, item in shown
        if item.source_range.end_exclusive() > length
    ]
    if past:
        raise ProjectError(
            f"sequence {sequence.name!r} would be {length.to_frames(rate)} frames long "
            f"({length.to_timecode(rate)}), but project {parent.name!r} shows it past that in "
            f"{', '.join(past)}: trim or remove {'that clip' if len(past) == 1 else 'those clips'} first"
        )
