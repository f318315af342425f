"""The timeline widgets' clipboard: copied clips, transitions and effects, kept in the kernel.

Copy serialises the selected items (their JSON, their place relative to the first of them);
paste turns that back into the model's registered operations (``overwrite`` or ``insert_gap`` +
``overwrite``, ``add_transition``, ``update``), which the widget applies as one undo step. One
clipboard per kernel, so a copy in one timeline widget pastes into another.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Literal

from ..errors import ProjectError
from ..model._base import new_id
from ..model.items import Clip, SequenceClip, TextClip
from ..model.project import Project
from ..model.track import Track
from ._paste_keyframes import attribute_keyframes, renamed_effect_keys
from ._sync_lock import sync_gap_ops

__all__ = [
    "ATTRIBUTES",
    "CLIPBOARD",
    "ClipData",
    "attribute_ops",
    "copy",
    "cut_ops",
    "nudge_ops",
    "paste_ops",
]

ATTRIBUTES = ("effects", "color", "transform", "crop", "opacity")
"""What paste attributes (Ctrl-Alt-V) carries from the copied clip onto the selected ones."""

PasteMode = Literal["overwrite", "insert"]


@dataclass
class ClipData:
    """Copied items as JSON, each with its track (counted among copied tracks of its kind) and offset."""

    rate: Fraction
    items: list[dict[str, Any]] = field(default_factory=list)  # {"kind", "track", "offset", "item"}
    transitions: list[dict[str, Any]] = field(default_factory=list)  # {"kind", "track", "transition"}
    sequences: dict[str, dict[str, Any]] = field(default_factory=dict)  # id -> JSON of a shown sequence

    def to_text(self) -> str:
        """The text put on the system clipboard: the items' JSON, readable and re-loadable."""
        rate = f"{self.rate.numerator}/{self.rate.denominator}"
        body = {
            "timeline_lab": "Clipboard.1",
            "rate": rate,
            "items": self.items,
            "transitions": self.transitions,
            "sequences": list(self.sequences.values()),
        }
        return json.dumps(body, indent=1)


CLIPBOARD: dict[str, ClipData] = {}
"""The kernel's clipboard (key ``"clips"``): shared by every timeline widget of the kernel."""


def _where(project: Project) -> tuple[dict[str, tuple[Track, Any]], dict[str, tuple[Track, Any]]]:
    items: dict[str, tuple[Track, Any]] = {}
    transitions: dict[str, tuple[Track, Any]] = {}
    for track in project.tracks:
        for item in track.items:
            items[item.id] = (track, item)
        for tr in track.transitions:
            transitions[tr.id] = (track, tr)
    return items, transitions


def copy(project: Project, ids: list[str]) -> ClipData:
    """Serialise the items and transitions ``ids`` name (a transition between copied clips comes too)."""
    rate = project.settings.frame_rate
    items, transitions = _where(project)
    chosen = [items[i] for i in ids if i in items]
    picked = {tr.id: (track, tr) for i in ids if i in transitions for track, tr in [transitions[i]]}
    ids_copied = {item.id for _, item in chosen}
    for track, tr in transitions.values():
        sides = {s for s in (tr.from_clip, tr.to_clip) if s is not None}
        if sides and sides <= ids_copied:
            picked[tr.id] = (track, tr)
    if not chosen and not picked:
        raise ProjectError("copy: select clips or transitions first")
    data = ClipData(rate=rate)
    kinds = {track.kind for track, _ in [*chosen, *picked.values()]}
    rank: dict[str, int] = {}
    for kind in kinds:  # copied tracks of each kind, counted from the lowest
        used = [
            t
            for t in project.tracks
            if t.kind == kind and any(t is u for u, _ in [*chosen, *picked.values()])
        ]
        rank.update({t.id: n for n, t in enumerate(used)})
    first = min((item.start.to_frames(rate) for _, item in chosen), default=0)
    for track, item in sorted(chosen, key=lambda ti: ti[1].start.to_frames(rate)):
        start = item.start.to_frames(rate)
        entry = {
            "kind": track.kind,
            "track": rank[track.id],
            "offset": start - first,
            "frames": item.frames(rate),
        }
        data.items.append(entry | {"item": item.model_dump(mode="json")})
        if isinstance(item, SequenceClip) and item.sequence not in data.sequences:
            # the sequence it shows (with the sequences nested in it), so another project can paste it
            data.sequences[item.sequence] = project.sequence(item.sequence).model_dump(mode="json")
    for track, tr in picked.values():
        data.transitions.append(
            {"kind": track.kind, "track": rank[track.id], "transition": tr.model_dump(mode="json")}
        )
    return data


def cut_ops(project: Project, ids: list[str]) -> list[dict[str, Any]]:
    """Ops that remove what ``copy`` took, leaving gaps (transitions first: a clip takes its own)."""
    items, transitions = _where(project)
    ops = [
        {"op": "remove_transition", "track": transitions[i][0].id, "transition_id": i}
        for i in ids
        if i in transitions
    ]
    return ops + [{"op": "lift", "track": items[i][0].id, "item_id": i} for i in ids if i in items]


def _targets(
    project: Project, data: ClipData, track_id: str | None
) -> tuple[dict[tuple[str, int], str], list[dict[str, Any]]]:
    """Destination track per (kind, copied track): the target track for its kind, the ones above it
    for the next; tracks that do not exist yet are added (their ``add_track`` ops returned)."""
    target = next((t for t in project.tracks if t.id == track_id), None)
    needed = sorted({(e["kind"], e["track"]) for e in [*data.items, *data.transitions]})
    dest: dict[tuple[str, int], str] = {}
    add: list[dict[str, Any]] = []
    for kind in sorted({k for k, _ in needed}):
        same = [t.id for t in project.tracks if t.kind == kind and not t.locked]
        base = same.index(target.id) if target is not None and target.id in same else 0
        for k, n in needed:
            if k != kind:
                continue
            while base + n >= len(same):
                new = Track(kind=kind, name=f"{kind[0].upper()}{len(same) + 1}")
                add.append({"op": "add_track", "track_data": new.model_dump(mode="json")})
                same.append(new.id)
            dest[(kind, n)] = same[base + n]
    return dest, add


def _new_effect_ids(effects: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """The effects with new ids, and the old id -> new id map their keyframe paths are renamed by."""
    ids = {e["id"]: new_id("fx") for e in effects}
    return [e | {"id": ids[e["id"]]} for e in effects], ids


def _fresh(item: dict[str, Any]) -> dict[str, Any]:
    """The item's JSON with new ids (its own and its effects', their keyframes renamed to match), so
    a paste never repeats an id."""
    out = dict(item)
    out["id"] = new_id(item.get("type", "clip") if item.get("type") != "sequence" else "nest")
    if "effects" in out:
        out["effects"], ids = _new_effect_ids(out["effects"])
        if out.get("keyframes"):
            out["keyframes"] = renamed_effect_keys(out["keyframes"], ids)
    return out


_ITEM_TYPES: dict[str, type[Clip] | type[TextClip] | type[SequenceClip]] = {
    "clip": Clip,
    "text": TextClip,
    "sequence": SequenceClip,
}


def _places(data: ClipData, rate: Fraction) -> list[tuple[int, int]]:
    """Each copied item's (offset, frames) at ``rate``, so a paste at another rate keeps every source frame.

    Each item takes its own length at ``rate`` (``item.frames``, as the model places it). On each
    copied track, an item that met the one before it still meets it; a gap between two keeps its
    length in seconds, to the nearest frame but never less than one; a track's first item starts
    where it started in seconds (to the nearest frame), or, when another copied item started or
    ended there, on that item's new start or end, so cuts that lined up across tracks still do.
    """
    scale = Fraction(rate) / data.rate  # offsets were counted at the copied project's rate
    places = [(0, 0)] * len(data.items)
    lined: dict[int, int] = {}  # copied frame -> pasted frame of a start or end already placed
    last: dict[tuple[str, int], tuple[int, int]] = {}  # copied track -> (copied end, pasted end)
    for k in sorted(range(len(data.items)), key=lambda k: data.items[k]["offset"]):
        e = data.items[k]
        old, lane = e["offset"], (e["kind"], e["track"])
        frames = _ITEM_TYPES[e["item"].get("type", "clip")].model_validate(e["item"]).frames(rate)
        prev = last.get(lane)
        if prev is None:
            at = lined.get(old, round(old * scale))
        elif old <= prev[0]:
            at = prev[1]
        else:
            at = max(lined.get(old, prev[1] + round((old - prev[0]) * scale)), prev[1] + 1)
        places[k] = (at, frames)
        last[lane] = (old + e["frames"], at + frames)
        lined.setdefault(old, at)
        lined.setdefault(old + e["frames"], at + frames)
    return places


def paste_ops(
    project: Project, data: ClipData, track_id: str | None, frame: int, mode: PasteMode = "overwrite"
) -> list[dict[str, Any]]:
    """Ops placing ``data`` from ``frame`` with its first track on ``track_id``: over what is there
    (``overwrite``, Premiere's Ctrl-V), or rippling the destination tracks and every other unlocked
    track right (``insert``, sync-locked as a three-point insert is)."""
    places = _places(data, project.settings.frame_rate)
    dest, ops = _targets(project, data, track_id)
    shown, add = _sequence_ids(project, data)
    ops += add
    if not data.items:  # transitions alone: onto the cut nearest the frame on the target track
        return ops + _transitions_at_cut(project, data, dest, frame)
    if mode == "insert":  # the destination tracks and, sync-locked, every other unlocked one
        width = max(at + n for at, n in places)
        ops += [
            {"op": "insert_gap", "track": t, "at": frame, "frames": width} for t in sorted(set(dest.values()))
        ]
        ops += sync_gap_ops(project, frame, width, set(dest.values()))
    renamed: dict[str, str] = {}
    for e, (at, _) in zip(data.items, places, strict=True):
        item = _fresh(e["item"])
        if item.get("type") == "sequence":
            item["sequence"] = shown.get(item["sequence"], item["sequence"])
        renamed[e["item"]["id"]] = item["id"]
        ops.append(
            {"op": "overwrite", "track": dest[(e["kind"], e["track"])], "item": item, "at": frame + at}
        )
    for e in data.transitions:
        tr = dict(e["transition"]) | {"id": new_id("tr")}
        sides = [tr.get("from_clip"), tr.get("to_clip")]
        if any(s is not None and s not in renamed for s in sides):
            continue  # copied alone: it has no clips here
        tr.update(
            {k: renamed.get(v) if v else None for k, v in (("from_clip", sides[0]), ("to_clip", sides[1]))}
        )
        ops.append({"op": "add_transition", "track": dest[(e["kind"], e["track"])], "transition": tr})
    return ops


def _sequence_ids(project: Project, data: ClipData) -> tuple[dict[str, str], list[dict[str, Any]]]:
    """Where each copied sequence is in ``project`` (copied id -> id there) and the ``add_sequence`` ops
    bringing those it lacks, at this project's size: the same sequence already there is shown as it
    is; another one with the same id (another project's, since edited) makes the copy come in under a
    new id. One at another rate is refused: its times are on its own rate's frame grid."""
    have = {s.id: s for s in project.sequences}
    ids: dict[str, str] = {}
    ops: list[dict[str, Any]] = []
    to = project.settings
    for old, copied in data.sequences.items():
        seq = Project.model_validate(copied)
        if seq.settings.frame_rate != to.frame_rate:  # its content would need laying out again
            raise ProjectError(
                f"paste: nested sequence {seq.name!r} is at {seq.settings.frame_rate} fps, this project at "
                f"{to.frame_rate}: a nested-sequence clip pastes only at its sequence's rate (copy the "
                "clips inside the sequence instead)"
            )
        seq.take_size(to.width, to.height)  # drawn at its project's size, as a pasted clip's transform is
        body = seq.model_dump(mode="json")
        there = have.get(old)
        if there is not None and there.model_dump(mode="json") == body:
            ids[old] = old
            continue
        ids[old] = old if there is None else new_id("prj")
        ops.append({"op": "add_sequence", "sequence": body | {"id": ids[old]}})
    return ids, ops


def _transitions_at_cut(
    project: Project, data: ClipData, dest: dict[tuple[str, int], str], frame: int
) -> list[dict[str, Any]]:
    """A copied transition (its kind and length) added at the cut nearest ``frame``."""
    rate = project.settings.frame_rate
    e = data.transitions[0]
    track = project.track(dest[(e["kind"], e["track"])])
    items = list(track.items)
    cuts = [(a, b) for a, b in itertools.pairwise(items) if a.timeline_range(rate).end_exclusive() == b.start]
    if not cuts:
        raise ProjectError(
            f"paste: track {track.name or track.id!r} has no cut between two clips for the transition"
        )
    a, b = min(cuts, key=lambda ab: abs(ab[1].start.to_frames(rate) - frame))
    tr = dict(e["transition"]) | {"id": new_id("tr"), "from_clip": a.id, "to_clip": b.id, "in_offset": None}
    return [{"op": "add_transition", "track": track.id, "transition": tr}]


def attribute_ops(project: Project, data: ClipData, ids: list[str]) -> list[dict[str, Any]]:
    """``update`` ops giving the selected items the copied clip's effects, grade, transform, crop and
    opacity (each only where the item has that field: a title takes the opacity), with their
    keyframes at the same clip-relative frames, as Premiere's Paste Attributes does."""
    source_json = next((e["item"] for e in data.items if e["item"].get("type") == "clip"), None)
    if source_json is None:
        raise ProjectError("paste attributes: copy a media clip first")
    source = Clip.model_validate(source_json)
    rate = project.settings.frame_rate
    items, _ = _where(project)
    ops = []
    for i in ids:
        if i not in items:
            continue
        track, item = items[i]
        changes = {k: source_json[k] for k in ATTRIBUTES if k in type(item).model_fields and k in source_json}
        renamed: dict[str, str] = {}
        if "effects" in changes:
            changes["effects"], renamed = _new_effect_ids(changes["effects"])
        if changes and isinstance(item, (Clip, TextClip)):
            keyed = attribute_keyframes(source, item, changes, renamed, rate)
            if keyed is not None:
                changes["keyframes"] = {p: [kf.model_dump(mode="json") for kf in v] for p, v in keyed.items()}
        if changes:
            ops.append({"op": "update", "track": track.id, "item_id": i, "changes": changes})
    if not ops:
        raise ProjectError("paste attributes: select the clips to paste onto")
    return ops


def nudge_ops(project: Project, ids: list[str], frames: int) -> list[dict[str, Any]]:
    """``move`` ops shifting the selected items by ``frames`` (the leading one first, so none meets
    another of the selection; a neighbour in the way refuses the whole nudge). A transition between
    two selected clips moves with them: taken off first and put back after (one undo step)."""
    rate = project.settings.frame_rate
    items, transitions = _where(project)
    chosen = [items[i] for i in ids if i in items]
    if not chosen:
        raise ProjectError("nudge: select clips first")
    chosen.sort(key=lambda ti: ti[1].start.to_frames(rate), reverse=frames > 0)
    moved = {item.id for _, item in chosen}
    carried = [
        (track, tr) for track, tr in transitions.values() if tr.from_clip in moved and tr.to_clip in moved
    ]
    ops = [{"op": "remove_transition", "track": t.id, "transition_id": tr.id} for t, tr in carried]
    for track, item in chosen:
        to = item.start.to_frames(rate) + frames
        if to < 0:
            raise ProjectError(f"nudge: {item.label()!r} would start before frame 0")
        ops.append({"op": "move", "track": track.id, "item_id": item.id, "to": to})
    return ops + [
        {"op": "add_transition", "track": t.id, "transition": tr.model_dump(mode="json")} for t, tr in carried
    ]
