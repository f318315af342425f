"""A file's sound split over sound tracks one channel each (FCP 7 and Resolve XML) as one clip.

Final Cut Pro 7 and Resolve write a stereo clip as two sound tracks, each clip naming the one
channel it plays (``<sourcetrack><trackindex>`` 1, 2...). A clip here plays every channel of its
file, so read as they are, the file is heard once per channel (twice as loud, for stereo). The
clips that play another channel of the same file at the same place, over the same source range,
are one clip: the first track's; the others become gaps, and a track left with nothing is dropped.
(Premiere's own stereo pairs, marked as exploded tracks, are read as one track by the adapter.)
"""

from __future__ import annotations

from typing import Any

import opentimelineio as otio

__all__ = ["one_clip_per_file"]


def one_clip_per_file(tl: otio.schema.Timeline) -> str | None:
    """Collapse the per-channel clips of every stack (the timeline's and nested ones); what it did,
    as one import note, or None where there were none."""
    merged = 0
    for stack in [tl.tracks, *tl.tracks.find_children(descended_from_type=otio.schema.Stack)]:
        merged += _collapse(stack)
    if not merged:
        return None
    return (
        f"{merged} sound clip(s) playing one more channel of a file that a clip on another track plays "
        "at the same place read as that one clip (a clip plays all its file's channels)"
    )


def _collapse(stack: otio.schema.Stack) -> int:
    """The per-channel clips of ``stack``'s sound tracks merged into the first; how many went."""
    kept: dict[tuple[Any, ...], set[str]] = {}
    merged, thinned = 0, []
    for track in [t for t in stack if isinstance(t, otio.schema.Track)]:
        if track.kind != otio.schema.TrackKind.Audio or not track.enabled:
            continue
        gone: list[int] = []
        for k, item in enumerate(track):
            channel = _channel(item)
            if channel is None:
                continue
            key = _placed(item)
            channels = kept.setdefault(key, set())
            if channels and channel not in channels:
                gone.append(k)
            channels.add(channel)
        if gone:
            merged += len(gone)
            thinned.append(track)
            _as_gaps(track, gone)
    for track in thinned:  # a track left with nothing but gaps goes
        if all(isinstance(c, otio.schema.Gap) for c in track):
            del stack[next(k for k, t in enumerate(stack) if t is track)]
    return merged


def _channel(item: Any) -> str | None:
    """The file channel a clip plays (its ``<sourcetrack><trackindex>``), None where it names none."""
    if not isinstance(item, otio.schema.Clip) or not isinstance(
        item.media_reference, otio.schema.ExternalReference
    ):
        return None
    source = item.metadata.get("fcp_xml", {}).get("sourcetrack")
    index = source.get("trackindex") if hasattr(source, "get") else None
    return str(index).strip() if index is not None else None


def _placed(clip: otio.schema.Clip) -> tuple[Any, ...]:
    """What makes two clips the same but for their channel: file, place, source range and switch."""
    place, src = clip.range_in_parent(), clip.source_range
    return (
        clip.media_reference.target_url,
        place.start_time.to_seconds(),
        place.duration.to_seconds(),
        src.start_time.to_seconds() if src is not None else None,
        clip.enabled,
    )


def _as_gaps(track: otio.schema.Track, gone: list[int]) -> None:
    """The clips at ``gone`` replaced by gaps of their length, the transitions beside them dropped
    (the kept clip's track has its own)."""
    for k in gone:
        track[k] = otio.schema.Gap(source_range=otio.opentime.TimeRange(duration=track[k].duration()))
    beside = {j for k in gone for j in (k - 1, k + 1) if 0 <= j < len(track)}
    for j in sorted(beside, reverse=True):
        if isinstance(track[j], otio.schema.Transition):
            del track[j]
