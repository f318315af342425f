"""The widget's view kept current by replaying each edit's steps, so an edit costs what it changed.

``view_of`` walks every track, item and transition; here an edit's steps (``model/steps.py``: insert,
delete, replace, shift) say which positions of which tracks changed, and only those item views (and
the transitions and track entries they reach) are recomputed: a trim in a 16,000-clip project
recomputes one item, a ripple the items it moved. The patch is the one ``diff(old, view_of(project))``
gives. A track put in or taken out is drawn or dropped alone (its entry, items and transitions, and
the new order); steps that reshape the project otherwise (sequences, settings) take the whole path.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from ..model.history import Operation
from ..model.project import Project
from ..model.steps import Assign, Delete, Insert, SetField, Shift, Step
from ..model.track import Track
from .view import (
    TimelineView,
    diff,
    is_empty,
    item_view,
    marker_view,
    track_view,
    transition_view,
    transition_views,
    view_of,
)

__all__ = ["LiveView"]

View = dict[str, Any]
_QUIET_FIELDS = frozenset({"name", "metadata"})  # project fields the timeline does not draw
_KIND_FIELDS = frozenset({"kind"})  # track fields item views depend on (has_video)


class _Stash:
    """The sent views of items an edit replaced, moved or removed, by id (the first one: what was sent)."""

    def __init__(self) -> None:
        self.views: dict[str, tuple[int, int, View]] = {}

    def keep(self, where: int, view: View | None) -> None:
        if view is not None:
            self.views.setdefault(view["id"], (where, view["start"], view))

    def old(self, item_id: str) -> View | None:
        hit = self.views.get(item_id)
        return hit[2] if hit is not None else None

    def removed(self, present: dict[str, View]) -> list[str]:
        """Ids no longer shown, in the order they were sent (track order, then start)."""
        gone = [(w, s, k) for k, (w, s, _) in self.views.items() if k not in present]
        return [k for _, _, k in sorted(gone)]


class _TrackPart:
    """One track's part of the sent view: item views in item order, transitions, the track's entry."""

    __slots__ = (
        "dirty",
        "doc",
        "entry",
        "links",
        "moved",
        "new",
        "rank",
        "track",
        "transitions",
        "views",
        "whole",
    )

    def __init__(self, track: Track, view: TimelineView | None, rank: int) -> None:
        """``view``: the one sent, holding the track (None: a track not sent yet, drawn whole)."""
        self.track = track
        self.rank = rank  # its place in the track order last sent
        self.new = view is None
        self.doc: View = view.tracks[track.id] if view is not None else {}
        self.views: list[View | None] = [view.items[k] for k in self.doc["items"]] if view is not None else []
        self.transitions = (
            {k: view.transitions[k] for k in self.doc["transitions"]} if view is not None else {}
        )
        self.dirty: set[int] = set()  # positions whose view is to be recomputed
        self.entry = False  # the track's entry (item ids, transitions, fields) may have changed
        self.links = False  # its transitions list changed
        self.whole = False  # every item view is to be recomputed (its kind changed)
        self.moved: dict[str, int] = {}  # frames a ripple moved an item's sent view by (only its start)

    @property
    def changed(self) -> bool:
        return bool(self.dirty) or self.entry or self.links or self.whole or bool(self.moved) or self.new

    def end(self) -> int:
        """The track's end: its last item's, then its trailing gap (as ``Track.frames``; O(1))."""
        return self.track.frames()

    # --- steps, as positions: the views they invalidate ---------------------------------------
    def insert(self, i: int) -> None:
        i = min(max(i, 0), len(self.views))
        self.views.insert(i, None)
        self.dirty = {j + 1 if j >= i else j for j in self.dirty}
        self.dirty.add(i)
        self.entry = True

    def delete(self, i: int, stash: _Stash, where: int) -> None:
        gone = self.views.pop(i)
        stash.keep(where, gone)
        if gone is not None:
            self.moved.pop(gone["id"], None)
        self.dirty = {j - 1 if j > i else j for j in self.dirty if j != i}
        self.entry = True

    def replace(self, i: int, stash: _Stash, where: int) -> None:
        was = self.views[i]
        stash.keep(where, was)
        if was is not None:
            self.moved.pop(was["id"], None)
        self.views[i] = None
        self.dirty.add(i)

    def shift(self, i: int, by: int | None, stash: _Stash, where: int) -> None:
        """Items ``i`` onwards moved ``by`` frames (None: not whole frames of the view's grid): a
        moved item's view differs only in its start, so it is moved (and sent as such), not
        recomputed."""
        views = self.views
        if by is None:
            for j in range(max(i, 0), len(views)):
                stash.keep(where, views[j])
                views[j] = None
            self.dirty.update(range(max(i, 0), len(views)))
            return
        moved = self.moved
        for j in range(max(i, 0), len(views)):
            v = views[j]
            if v is not None:  # (None: to be recomputed anyway)
                moved[v["id"]] = moved.get(v["id"], 0) + by

    def apply_moves(self) -> list[tuple[int, str]]:
        """Move the views a ripple moved (net of its undo); (frames, id) of each that moved."""
        out = []
        moved = self.moved
        views = self.views
        for j, v in enumerate(views):
            if v is not None and moved.get(v["id"]):
                by = moved[v["id"]]
                views[j] = {**v, "start": v["start"] + by}  # (a new one: the sent one may be held)
                out.append((by, v["id"]))
        return out

    def reset_flags(self) -> None:
        self.dirty = set()
        self.moved = {}
        self.entry = self.links = self.whole = False


Splice = tuple[int, int, list[View]]
"""(index, how many views removed there, the views put there): one change of the markers' list."""


def _marker_splice(step: Insert | Delete | Assign, back: bool, rate: Fraction) -> Splice:
    """What a step of the project's markers (taken back when ``back``) does to their views."""
    if isinstance(step, Assign):
        return (step.index, 1, [marker_view(step.old if back else step.new, rate)])
    if isinstance(step, Insert) != back:
        return (step.index, 0, [marker_view(step.value, rate)])
    return (step.index, 1, [])


def _entry_change(old: View, new: View) -> View:
    """A track's new entry as sent: its item ids as one splice of the old list (``items_splice``:
    index, how many removed, ids put there) instead of the whole list, which a split re-sent."""
    a, b = old["items"], new["items"]
    out = {k: v for k, v in new.items() if k != "items"}
    if a != b:
        n = min(len(a), len(b))
        head = next((k for k in range(n) if a[k] != b[k]), n)
        tail = next((k for k in range(n - head) if a[-1 - k] != b[-1 - k]), n - head)
        out["items_splice"] = [head, len(a) - head - tail, b[head : len(b) - tail]]
    return out


def _tracks_of(step: Step) -> tuple[Any, ...]:
    """The tracks a step of the project's track list puts in or takes out (taken back: the other)."""
    if isinstance(step, Insert | Delete) and step.name == "tracks":
        return (step.value,)
    if isinstance(step, Assign) and step.name == "tracks":
        return (step.old, step.new)
    return ()


class LiveView:
    """The view last sent for ``project``, brought up to date from the edits' steps.

    ``note`` each change the project announces (``Project.subscribe``); ``update`` gives the message
    that brings the browser from the last one to now.
    """

    def __init__(self, project: Project, rev: int = 0) -> None:
        self.project = project
        self._steps: list[tuple[Step, bool]] = []  # since the last update: (step, taken back)
        self._stale = False
        self._load(view_of(project, rev))

    def _load(self, view: TimelineView) -> None:
        self.rate, self.drop_frame, self.duration = view.rate, view.drop_frame, view.duration
        self.markers = view.markers
        self._parts = [_TrackPart(t, view, n) for n, t in enumerate(self.project.tracks)]
        self._index()
        self._gone: list[_TrackPart] = []  # sent tracks the steps removed

    def _index(self) -> None:
        self._by_track = {id(p.track): n for n, p in enumerate(self._parts)}

    def view(self, rev: int) -> TimelineView:
        """The whole view as last sent (for a ``reset``, and the whole path's diff)."""
        out = TimelineView(rev, self.rate, self.duration, markers=self.markers, drop_frame=self.drop_frame)
        for part in self._parts:
            out.tracks[part.track.id] = part.doc
            for v in part.views:
                assert v is not None  # None only while update() recomputes it
                out.items[v["id"]] = v
            out.transitions.update(part.transitions)
        return out

    def note(self, op: Operation, how: str) -> None:
        """Remember ``op``'s steps, as taken (``how``: 'do', 'undo' or 'redo').

        ``Project.undo``/``redo`` take a group's every step back (or again) first, then announce its
        operations one by one: the first announced stands for the whole group, so that a patch made
        between two announcements replays every step the project has already taken.
        """
        back = how == "undo"
        history = self.project.history
        group = history.next_redo if back else history.last if how == "redo" else None
        if group is not None and group is not op:
            leaves = list(group.leaves())
            if any(leaf is op for leaf in leaves):
                if op is not leaves[-1 if back else 0]:
                    return  # its steps came with the group's first announcement
                op = group
        steps = list(op.all_steps())
        self._steps.extend((s, back) for s in (reversed(steps) if back else steps))

    def invalidate(self) -> None:
        """Recompute everything at the next update (something changed that no step recorded)."""
        self._stale = True

    def update(self, rev: int) -> dict[str, Any] | None:
        """The message (``patch``, or ``reset`` after a frame-rate change) from the last one to now;
        None when nothing the widget draws changed."""
        steps, self._steps = self._steps, []
        added = {id(t) for s, _ in steps if getattr(s, "owner", None) is self.project for t in _tracks_of(s)}
        if self._stale or not all(self._local(s, added) for s, _ in steps):
            self._stale = False
            return self._whole(rev)
        stash, markers = _Stash(), []
        try:
            for step, back in steps:
                markers += self._replay(step, back, stash)
            in_step = all(
                len(p.views) == len(p.track._items()) for p in self._parts if p.changed and not p.new
            )
        except IndexError:
            in_step = False
        if not in_step:
            self._load(view_of(self.project, rev))  # out of step (a change no step recorded): resend all
            return {"kind": "reset", "doc": self.view(rev).to_json()}
        patch = self._patch(rev, stash, markers)
        if is_empty(patch) and patch["duration"] == self.duration:
            return None
        self.duration = patch["duration"]
        return {"kind": "patch", "patch": patch}

    # --- the whole path -----------------------------------------------------------------------
    def _whole(self, rev: int) -> dict[str, Any] | None:
        old, new = self.view(rev - 1), view_of(self.project, rev)
        self._load(new)
        if (new.rate, new.drop_frame) != (old.rate, old.drop_frame):  # every frame number is new
            return {"kind": "reset", "doc": new.to_json()}
        patch = diff(old, new)
        if is_empty(patch) and patch["duration"] == old.duration:
            return None
        return {"kind": "patch", "patch": patch}

    def _local(self, step: Step, added: set[int]) -> bool:
        """True when replaying ``step`` keeps the view exact (else the whole view is recomputed);
        ``added``: ids of the tracks the steps put in the project."""
        if not isinstance(step, Shift | Insert | Delete | Assign | SetField):
            return False
        owner = step.owner
        if owner is self.project:
            if isinstance(step, SetField):
                return step.name in _QUIET_FIELDS
            return not isinstance(step, Shift) and step.name in ("markers", "tracks")
        if id(owner) in added:  # drawn whole from the model as it is now
            return True
        n = self._by_track.get(id(owner))
        if n is None or self._parts[n].track is not owner:
            return False
        return isinstance(step, Shift | SetField) or step.name in ("items", "transitions")

    def _replay(self, step: Step, back: bool, stash: _Stash) -> list[Splice]:
        """Mark what ``step`` (taken back when ``back``) invalidated; the splices of the markers'
        views it makes.

        Only steps ``_local`` accepted come here.
        """
        assert isinstance(step, Shift | Insert | Delete | Assign | SetField)
        if step.owner is self.project:
            if isinstance(step, SetField):
                return []  # a field the view ignores
            assert isinstance(step, Insert | Delete | Assign)
            if step.name == "markers":
                return [_marker_splice(step, back, self.rate)]
            self._retrack(step, back, stash)
            return []
        n = self._by_track.get(id(step.owner))
        if n is None or self._parts[n].new:  # a track drawn whole from the model as it is now
            return []
        part = self._parts[n]
        n = part.rank  # where the stash orders what it removed
        if isinstance(step, Shift):
            by = (-step.by if back else step.by) if step.rate == self.rate else None
            part.shift(step.index, by, stash, n)
        elif isinstance(step, SetField):
            part.entry = True
            part.whole |= step.name in _KIND_FIELDS
        elif step.name == "transitions":
            part.links = True
        elif isinstance(step, Assign):
            part.replace(step.index, stash, n)
            part.entry |= step.old.id != step.new.id
        elif isinstance(step, Insert) != back:  # an insert, or a delete taken back
            part.insert(step.index)
        else:
            part.delete(step.index, stash, n)
        return []

    def _retrack(self, step: Insert | Delete | Assign, back: bool, stash: _Stash) -> None:
        """A track put in, taken out or swapped at ``step.index`` of the project's tracks."""
        i = step.index
        if isinstance(step, Assign) or isinstance(step, Insert) == back:  # out (a swap: then in)
            part = self._parts.pop(i)
            if not part.new:
                for v in part.views:
                    stash.keep(part.rank, v)
                self._gone.append(part)
        if isinstance(step, Assign) or isinstance(step, Insert) != back:
            track = (step.old if back else step.new) if isinstance(step, Assign) else step.value
            self._parts.insert(i, _TrackPart(track, None, len(self._parts) + len(self._gone)))
        self._index()

    # --- the patch ----------------------------------------------------------------------------
    def _patch(self, rev: int, stash: _Stash, markers: list[Splice]) -> dict[str, Any]:
        rate = self.rate
        fresh: dict[str, View] = {}  # recomputed item views, in track then item order
        tracks: list[View] = []
        transitions: list[View] = []
        old_transitions: list[tuple[int, str]] = []  # (track rank, id) of tracks whose list changed
        new_transitions: set[str] = set()
        moved: dict[int, list[str]] = {}  # ids whose view moved by so many frames, nothing else
        sent_order = sorted([*self._parts, *self._gone], key=lambda p: p.rank)
        old_order = [p.track.id for p in sent_order if not p.new]
        for part in self._gone:
            old_transitions.extend((part.rank, k) for k in part.transitions)
        for part in self._parts:
            if not part.changed:
                continue
            if part.new:  # a track not sent: drawn whole
                part.views = [item_view(it, part.track, rate) for it in part.track.items]
                fresh.update((v["id"], v) for v in part.views if v is not None)
                part.transitions = transition_views(part.track, rate)
                new_transitions.update(part.transitions)
                transitions.extend(part.transitions.values())
                part.doc = track_view(part.track, [v["id"] for v in part.views if v is not None])
                tracks.append(part.doc)
                part.reset_flags()
                continue
            here = self._items(part, rate, stash, fresh)
            if part.moved:
                shifted = part.apply_moves()
                here.update(k for _, k in shifted)  # (their transitions moved with them)
                for by, k in shifted:
                    moved.setdefault(by, []).append(k)
            old = part.transitions
            if part.links:
                old_transitions.extend((part.rank, k) for k in old)
                part.transitions = transition_views(part.track, rate)
                new_transitions.update(part.transitions)
                transitions.extend(v for k, v in part.transitions.items() if old.get(k) != v)
            elif here:
                find = part.track.find
                for tr in part.track.transitions:
                    if tr.from_clip in here or tr.to_clip in here:
                        v = transition_view(tr, part.track, rate, find)
                        if v != old[tr.id]:
                            old[tr.id] = v
                            transitions.append(v)
            if part.entry or part.links:
                doc = track_view(part.track, [v["id"] for v in part.views if v is not None])
                if doc != part.doc:
                    tracks.append(_entry_change(part.doc, doc))
                part.doc = doc
            part.reset_flags()
        if markers:
            self.markers = list(self.markers)  # (the list sent is left as it was)
            for at, cut, put in markers:
                self.markers[at : at + cut] = put
        order = [p.track.id for p in self._parts]
        gone = [p.track.id for p in sorted(self._gone, key=lambda p: p.rank) if p.track.id not in order]
        for n, part in enumerate(self._parts):
            part.new, part.rank = False, n
        self._gone = []
        return {
            "rev": rev,
            "duration": max((p.end() for p in self._parts), default=0),
            "order": order if order != old_order else None,
            "tracks": tracks,
            "items": [v for k, v in fresh.items() if stash.old(k) != v],
            "transitions": transitions,
            "removed_tracks": gone,
            "moved": [[by, ids] for by, ids in moved.items()],
            "removed_items": stash.removed(fresh),
            "removed_transitions": [
                k for _, k in sorted(old_transitions, key=lambda rk: rk[0]) if k not in new_transitions
            ],
            "markers": None,
            "marker_splices": markers,
        }

    def _items(self, part: _TrackPart, rate: Fraction, stash: _Stash, fresh: dict[str, View]) -> set[str]:
        """Recompute ``part``'s invalidated item views; the ids recomputed."""
        views, track = part.views, part.track
        if part.whole:
            for j in range(len(views)):
                part.replace(j, stash, part.rank)
        items = track._items()
        here: set[str] = set()
        for j in sorted(part.dirty):
            v = views[j] = item_view(items[j], track, rate)
            fresh[v["id"]] = v
            here.add(v["id"])
        return here
