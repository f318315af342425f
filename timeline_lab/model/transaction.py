"""One edit in progress: the steps it takes (its undo), what it touched (where to validate), rollback."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..errors import ProjectError
from . import edits
from .steps import Assign, Delete, Insert, SetField, Shift, Step

if TYPE_CHECKING:
    from .items import Item
    from .project import Project
    from .track import Track
    from .transition import Transition

__all__ = ["Transaction"]


class Transaction:
    """Applies primitive steps for an edit and remembers them, so it can be validated locally,
    rolled back when refused, and kept as the operation's exact inverse."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self.steps: list[Step] = []
        # per track (by identity): ids of the items whose neighbourhood the edit changed (ids, not
        # objects: a later ripple in the same edit replaces the objects, lazily)
        self.touched: dict[int, tuple[Track, dict[str, None]]] = {}
        self.new_transitions: list[Transition] = []  # added or replaced: checked where they are
        self.whole: dict[int, Track] = {}  # tracks to check entirely (added, kind changed)

    # --- steps ------------------------------------------------------------------------------
    def run(self, step: Step) -> None:
        """Apply ``step`` and record it."""
        step.do()
        self.steps.append(step)

    def rollback(self) -> None:
        """Revert every step taken, last first."""
        for step in reversed(self.steps):
            step.undo()
        self.steps.clear()

    def _touch(self, track: Track, *items: Item | None) -> None:
        bucket = self.touched.setdefault(id(track), (track, {}))[1]
        for item in items:
            if item is not None:
                bucket[item.id] = None

    def _untouch(self, track: Track, item: Item) -> None:
        entry = self.touched.get(id(track))
        if entry is not None:
            entry[1].pop(item.id, None)

    # --- items --------------------------------------------------------------------------------
    def insert(self, track: Track, item: Item) -> None:
        """Place ``item`` among ``track``'s items in start order."""
        if item.id in track.id_map():
            raise ProjectError(f"{track.describe()}: duplicate id {item.id!r}")
        self.run(Insert(track, "items", track.first_from(edits.start_frame(item, track.rate)), item))
        self._touch(track, item)

    def delete(self, track: Track, index: int) -> Item:
        """Take the item at ``index`` off ``track`` with the transitions that touch it."""
        items = track.items
        item = items[index]
        transitions = track._transitions()
        for tr in reversed(transitions.at(item.id)):  # last first: the earlier indices stay right
            self.run(Delete(track, "transitions", transitions.position(tr), tr))
        self.run(Delete(track, "items", index, item))
        self._untouch(track, item)
        self._touch(track, items[index - 1] if index else None, items[index] if index < len(items) else None)
        return item

    def replace(self, track: Track, old: Item, new: Item) -> None:
        """Swap ``old`` for ``new`` (in place when the start is the same, else re-placed by start)."""
        index = track.position(old)
        if edits.start_frame(new, track.rate) == edits.start_frame(old, track.rate) and new.id == old.id:
            self.run(Assign(track, "items", index, old, new))
            self._untouch(track, old)
            self._touch(track, new)
            return
        self.delete_only(track, index)
        self.insert(track, new)

    def delete_only(self, track: Track, index: int) -> None:
        """Take the item at ``index`` off, keeping its transitions (it comes back re-placed)."""
        items = track.items
        item = items[index]
        self.run(Delete(track, "items", index, item))
        self._untouch(track, item)
        self._touch(track, items[index - 1] if index else None, items[index] if index < len(items) else None)

    def shift(self, track: Track, index: int, by: int) -> None:
        """Move items ``index`` onwards ``by`` frames (ripple)."""
        items = track.items
        if not by or index >= len(items):
            return
        self.run(Shift(track, index, by, track.rate))
        self._touch(track, items[index])

    # --- transitions, fields ------------------------------------------------------------------
    def add_transition(self, track: Track, transition: Transition) -> None:
        """Append ``transition`` to ``track`` (checked when the edit ends)."""
        self.run(Insert(track, "transitions", len(track.transitions), transition))
        self.new_transitions.append(transition)
        self._touch_clips(track, transition)

    def replace_transition(self, track: Track, index: int, new: Transition) -> None:
        """Swap the transition at ``index`` for ``new``."""
        self.run(Assign(track, "transitions", index, track.transitions[index], new))
        self.new_transitions.append(new)
        self._touch_clips(track, new)

    def remove_transition(self, track: Track, index: int) -> None:
        """Take the transition at ``index`` off ``track``."""
        self.run(Delete(track, "transitions", index, track.transitions[index]))

    def _touch_clips(self, track: Track, transition: Transition) -> None:
        self._touch(track, *(track.find(c) for c in (transition.from_clip, transition.to_clip) if c))

    def set_field(self, owner: Any, name: str, value: Any) -> None:
        """Set an already validated field value."""
        old = getattr(owner, name)
        if old != value:
            self.run(SetField(owner, name, old, value))

    def check_whole(self, track: Track) -> None:
        """Validate all of ``track`` when the edit ends (a new track, a changed kind)."""
        self.whole[id(track)] = track

    # --- validation ---------------------------------------------------------------------------
    def validate(self) -> None:
        """Check the neighbourhoods the edit touched (and whole tracks it asked for)."""
        from .validation import check_around

        project = self.project
        for track in self.whole.values():
            project._check(track, project.tracks.index(track))
        for track, ids in self.touched.values():
            if id(track) in self.whole or track._project is not project:
                continue
            index = project.tracks.index(track)
            found = [track.find(item_id) for item_id in ids]
            items = [item for item in found if item is not None]
            check_around(track, index, items, project.sequences, self.new_transitions)
