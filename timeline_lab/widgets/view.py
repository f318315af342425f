"""The timeline as the widget draws it (whole frames, ids, labels), and the diff between two of them.

The browser gets the whole view once, then only what changed: after an edit of one clip in a
500-clip project, one item (plus any it shifted) crosses the comm, not the project.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from ..model.edits import end_frame
from ..model.items import Clip, Item, SequenceClip, TextClip
from ..model.keyframes import plays_backwards
from ..model.marker import Marker
from ..model.project import Project
from ..model.speed_ramp import SPEED, is_ramped, ramp_seconds, speed_values
from ..model.timecode import DROP_FRAME_RATES
from ..model.track import Track
from ..model.transition import Transition
from ._keyframes import keyframe_views
from ._titles import title_view

__all__ = [
    "TimelineView",
    "diff",
    "is_empty",
    "item_view",
    "marker_view",
    "markers_view",
    "track_view",
    "transition_view",
    "transition_views",
    "view_of",
]


def item_view(item: Item, track: Track, rate: Fraction) -> dict[str, Any]:
    """One item as drawn: whole frames, label, what media and handles it has."""
    start = item.start.to_frames(rate)
    frames = item.frames(rate)
    view: dict[str, Any] = {
        "id": item.id,
        "track": track.id,
        "type": item.type,
        "label": item.label(),
        "start": start,
        "frames": frames,
        "enabled": item.enabled,
        "media": None,
        "source_start": 0.0,
        "source_per_frame": 0.0,
        "head": None,  # no media behind a title: its edges may move freely
        "tail": None,
        "has_video": item.type == "text" or track.kind == "video",
        "has_audio": False,
    }
    if isinstance(item, Clip):
        src = item.source_range
        per_frame = item.speed / rate  # media seconds per timeline frame
        head, tail = _handles(item, rate)
        view.update(
            media=item.media.path,  # the key the widget asks thumbnails and waveforms by
            source_start=float(src.start.to_seconds()),
            source_per_frame=float(per_frame),
            head=head,
            tail=tail,
            has_video=item.media.has_video and track.kind == "video",
            has_audio=item.media.has_audio,
        )
        if item.media.has_audio:
            view["volume"] = item.volume  # the gain envelope's level where volume is not keyframed
            if item.media.audio_stream is not None:  # its waveform is that stream's, asked by it
                view["audio_stream"] = item.media.audio_stream
    keyframes = keyframe_views(item, rate)
    if keyframes:  # only keyframed clips carry the field: most views stay as small as before
        view["keyframes"] = keyframes
    if isinstance(item, TextClip):  # the inspector's fields, and a template's part in the label
        view["label"], view["title"] = title_view(item)
    if isinstance(item, SequenceClip):
        view.update(head=item.source_range.start.to_frames(rate), tail=_sequence_tail(item, track, rate))
    return view


def _handles(clip: Clip, rate: Fraction) -> tuple[int, int]:
    """Frames the clip's in and out edges may be extended by before its source runs out: the
    largest trims the model accepts (a reversed clip's in edge shows the source's end; a ramp's
    frames are measured along the ramp)."""
    src, avail = clip.source_range, clip.media.available_range
    before = src.start.to_seconds() - avail.start.to_seconds()
    if is_ramped(clip):
        end = avail.end_exclusive().to_seconds()
        v0 = speed_values(clip, rate, 0, 1)[0]  # before its first frame a ramp holds that speed
        head, tail = math.floor(before * rate / v0), _ramp_tail(clip, rate, end)
    else:
        per_frame = clip.speed / rate
        after = avail.end_exclusive().to_seconds() - src.end_exclusive().to_seconds()
        head, tail = math.floor(before / per_frame), math.floor(after / per_frame)
    head, tail = max(0, head), max(0, tail)
    return (tail, head) if plays_backwards(clip) else (head, tail)


def _ramp_tail(clip: Clip, rate: Fraction, end: Fraction) -> int:
    """Frames a ramped clip's out point may move later, its source still ending by ``end`` seconds:
    walked frame by frame while the speed changes, then at the last keyframe's speed, which holds."""
    n = clip.frames(rate)
    last = clip.keyframes[SPEED][-1].time.to_seconds()
    k, chunk = 0, 256  # positions asked for in chunks: each ask keys the ramp's cache anew
    at = ramp_seconds(clip, rate, n, 1)[0]
    while at < last:
        for nxt in ramp_seconds(clip, rate, n + k + 1, chunk):
            if nxt > end:
                return k
            k, at = k + 1, nxt
            if at >= last:
                break
    v = speed_values(clip, rate, n + k, 1)[0]
    return k + math.floor((end - at) * rate / v)


def _sequence_tail(item: SequenceClip, track: Track, rate: Fraction) -> int | None:
    """Frames of the nested sequence after the span shown (None when the sequence is not found)."""
    project = track._project
    seq = next((s for s in project.sequences if s.id == item.sequence), None) if project else None
    if seq is None:
        return None
    return max(0, seq.duration().to_frames(rate) - item.source_range.end_exclusive().to_frames(rate))


def track_view(track: Track, item_ids: list[str]) -> dict[str, Any]:
    """A track's entry (``item_ids``: its items' ids in order, which the caller may already hold)."""
    return {
        "id": track.id,
        "name": track.name,
        "kind": track.kind,
        "items": item_ids,
        "transitions": [t.id for t in track.transitions],
        "muted": track.muted,
        "locked": track.locked,
    }


def transition_view(
    tr: Transition, track: Track, rate: Fraction, find: Callable[[str], Item | None]
) -> dict[str, Any]:
    """A transition as drawn (``find``: the track's item by id, None when it is not there)."""
    # handles: frames past from_clip's out point, and frames before to_clip's in point
    past_out, before_in = tr.handles(rate)
    to = find(tr.to_clip) if tr.to_clip is not None else None
    if to is not None:
        cut = to.start.to_frames(rate)
    else:  # a fade to the empty track: the cut is where from_clip ends
        src = find(tr.from_clip) if tr.from_clip is not None else None
        cut = end_frame(src, rate) if src is not None else 0
    return {
        "id": tr.id,
        "track": track.id,
        "kind": tr.kind,
        "from_clip": tr.from_clip,
        "to_clip": tr.to_clip,
        "start": cut - before_in,
        "frames": past_out + before_in,
    }


def transition_views(track: Track, rate: Fraction) -> dict[str, dict[str, Any]]:
    """Every transition of ``track`` as drawn, in its order."""
    if not track.transitions:
        return {}
    items = {i.id: i for i in track.items}
    return {tr.id: transition_view(tr, track, rate, items.get) for tr in track.transitions}


def marker_view(m: Marker, rate: Fraction) -> dict[str, Any]:
    """A marker as the ruler draws it (a time off the frame grid falls on the frame it is in)."""
    return {
        "id": m.id,
        "frame": m.time.to_frames(rate) if m.time.is_frame_aligned(rate) else int(m.time.to_seconds() * rate),
        "frames": m.duration.to_frames(rate) if m.duration.is_frame_aligned(rate) else 0,
        "name": m.name,
        "color": m.color,
    }


def markers_view(project: Project, rate: Fraction) -> list[dict[str, Any]]:
    """The markers as the ruler draws them, in the project's order."""
    return [marker_view(m, rate) for m in project.markers]


@dataclass
class TimelineView:
    """One snapshot of what the widget shows."""

    rev: int
    rate: Fraction
    duration: int
    tracks: dict[str, dict[str, Any]] = field(default_factory=dict)  # in model order
    items: dict[str, dict[str, Any]] = field(default_factory=dict)
    transitions: dict[str, dict[str, Any]] = field(default_factory=dict)
    markers: list[dict[str, Any]] = field(default_factory=list)
    drop_frame: bool = False  # the widget writes timecode as ``RationalTime.to_timecode`` does

    def to_json(self) -> dict[str, Any]:
        """The whole document, sent when a view first appears."""
        return {
            "rev": self.rev,
            "rate": [self.rate.numerator, self.rate.denominator],
            "drop_frame": self.drop_frame,
            "duration": self.duration,
            "tracks": list(self.tracks.values()),
            "items": self.items,
            "transitions": self.transitions,
            "markers": self.markers,
        }


def view_of(project: Project, rev: int = 0) -> TimelineView:
    """Snapshot ``project`` for the widget: every item's view computed (``LiveView`` keeps one current)."""
    rate = project.settings.frame_rate
    # drop-frame where Python's timecode is by default (a project has no setting for it)
    view = TimelineView(rev=rev, rate=rate, duration=0, drop_frame=rate in DROP_FRAME_RATES)
    items = view.items
    for track in project.tracks:
        ids = []
        for item in track.items:
            items[item.id] = item_view(item, track, rate)
            ids.append(item.id)
        view.tracks[track.id] = track_view(track, ids)
        view.transitions.update(transition_views(track, rate))
    # as the render's: the end of the last item, then a track's trailing gap (Track.frames is O(1))
    view.duration = project.duration().to_frames(rate)
    view.markers = markers_view(project, rate)
    return view


def _changed(old: dict[str, dict[str, Any]], new: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for k, v in new.items():
        was = old.get(k)
        if was is not v and was != v:
            out.append(v)
    return out


def diff(old: TimelineView, new: TimelineView) -> dict[str, Any]:
    """What turns ``old`` into ``new`` in the browser (see ``applyPatch`` in extension/widgets)."""
    order = list(new.tracks)
    return {
        "rev": new.rev,
        "duration": new.duration,
        "order": order if order != list(old.tracks) else None,
        "tracks": _changed(old.tracks, new.tracks),
        "items": _changed(old.items, new.items),
        "transitions": _changed(old.transitions, new.transitions),
        "removed_tracks": [k for k in old.tracks if k not in new.tracks],
        "moved": [],  # [[frames, [item ids]], ...]: views that moved and changed in nothing else
        "removed_items": [k for k in old.items if k not in new.items],
        "removed_transitions": [k for k in old.transitions if k not in new.transitions],
        "markers": new.markers if new.markers != old.markers else None,
        "marker_splices": [],  # [[index, how many removed, [views put there]], ...], in order
    }


def is_empty(patch: dict[str, Any]) -> bool:
    """True when a diff changes nothing the widget draws."""
    keys: tuple[str, ...] = ("tracks", "items", "moved", "transitions", "marker_splices")
    keys += ("removed_tracks", "removed_items", "removed_transitions")
    return patch["order"] is None and patch["markers"] is None and not any(patch[k] for k in keys)
