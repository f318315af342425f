"""The project: settings, tracks and markers; every edit goes through here and can be undone."""

from __future__ import annotations

import logging
from bisect import bisect_right
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, Self, get_args

from pydantic import Field, PrivateAttr, ValidationError

from ..errors import ProjectError, first_error
from ._base import Model, new_id
from .history import History, Operation
from .items import Clip, SequenceClip
from .marker import Marker
from .settings import ProjectSettings
from .steps import Delete, Insert
from .time import RationalTime, TimeRange
from .track import Track, TrackKind, _expect, _expect_id, _jsonable
from .transaction import Transaction
from .validation import check_ids, check_sequence_clips, check_shown, check_track

__all__ = ["WITHIN", "Project"]

Listener = Callable[[Operation, str], None]
_TRACK_FIELDS = {"name", "kind", "enabled", "locked", "muted", "solo", "volume", "trailing_gap"}
_SHAPING = {"kind", "trailing_gap"}
"""Track fields whose change can break the track (what a kind may hold, the room fades to black take)."""
_SEQUENCE = "a timeline made with studio.new_project(...) at this project's rate"
WITHIN = "within"
"""Key of a recorded edit of a nested sequence: the sequence ids down to it (``nesting_path``), so its
replay edits that sequence (a track id alone may be another level's too, a marker's project none)."""


class Project(Model):
    """An editable timeline; Python is its single source of truth, widgets replay its operations."""

    id: str = Field(default_factory=lambda: new_id("prj"))
    name: str = "Untitled"
    settings: ProjectSettings = Field(default_factory=ProjectSettings)
    tracks: list[Track] = Field(default_factory=list)
    markers: list[Marker] = Field(default_factory=list)
    metadata: dict[str, Any] = Field(default_factory=dict)
    sequences: list[Project] = Field(
        default_factory=list, description="nested sequences (compound clips) its SequenceClips show"
    )

    _history: History = PrivateAttr(default_factory=History)
    _listeners: list[Listener] = PrivateAttr(default_factory=list)
    _parent: Project | None = PrivateAttr(default=None)

    def model_post_init(self, context: Any) -> None:
        """Attach tracks and nested sequences to this project and check the whole timeline once."""
        for track in self.tracks:
            track._project = self
        for seq in self.sequences:
            seq._parent = self
            seq.take_size(self.settings.width, self.settings.height)
        self.validate_timeline()

    # --- copies -------------------------------------------------------------------------
    def __copy__(self) -> Self:
        """A copy is a document of its own: no parent, a history and listeners of its own."""
        copied = super().__copy__()
        copied._parent, copied._history, copied._listeners = None, History(), []
        return copied

    def __deepcopy__(self, memo: dict[int, Any] | None = None) -> Self:
        """A deep copy is a document of its own (its parent, the document's history and the
        listeners are where the original sits, not what it holds: they were copied, so a copy of
        a nested sequence counted as nested in a hidden copy of the outer project)."""
        memo = {} if memo is None else memo
        memo[id(self._history)], memo[id(self._listeners)] = History(), []
        parent = self._parent
        planted = parent is not None and id(parent) not in memo
        if planted:
            memo[id(parent)] = None
        try:
            copied = super().__deepcopy__(memo)
        finally:
            if planted:
                del memo[id(parent)]
        return copied

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Self:
        """As pydantic's, through this class's copies (its deep copy with ``update`` skips them)."""
        copied = self.__deepcopy__() if deep else self.__copy__()
        if update:
            copied.__dict__.update(update)
            copied.__pydantic_fields_set__.update(update.keys())
        return copied

    def take_size(self, width: int, height: int) -> None:
        """Be ``width`` x ``height``, with every nested sequence: a nested sequence is drawn at its
        project's size (as it always rendered), so one of a file at another (an older file, an
        import's) takes it. Not an edit (no history): for loaders and importers; users edit with
        ``update_settings``."""
        if (self.settings.width, self.settings.height) != (width, height):
            self.settings = self.settings.model_copy(update={"width": width, "height": height})
        for seq in self.sequences:
            seq.take_size(width, height)

    # --- structure ----------------------------------------------------------------------
    def add_track(self, kind: TrackKind = "video", name: str = "", *, track: Track | None = None) -> Track:
        """Add a track on top of the others (an undoable operation)."""
        if track is not None:
            _expect(
                track, Track, "track", "a Track", "or pass kind and name: project.add_track('audio', 'A1')"
            )
        elif kind not in get_args(TrackKind):
            raise ProjectError(f"add_track: kind {kind!r} is not one of {', '.join(get_args(TrackKind))}")
        new = track if track is not None else Track(kind=kind, name=name)
        if any(t.id == new.id for t in self.tracks):
            raise ProjectError(f"a track with id {new.id!r} is already in the project")
        args = {"kind": new.kind, "name": new.name, "track_data": new.model_dump(mode="json")}

        def run(tx: Transaction) -> None:
            tx.run(Insert(self, "tracks", len(self.tracks), new))
            tx.check_whole(new)

        self._transact("add_track", args, run, refusal=False)
        return new

    def remove_track(self, track_id: str) -> Track:
        """Remove a whole track (undoable)."""
        track = self.track(track_id)
        index = self.tracks.index(track)
        self._transact(
            "remove_track", {"track_id": track_id}, lambda tx: tx.run(Delete(self, "tracks", index, track))
        )
        return track

    def set_track(self, track_id: str, **changes: Any) -> Track:
        """Change a track's own fields (name, kind, muted, locked, volume, ...): one undoable edit."""
        track = self.track(track_id)
        bad = set(changes) - _TRACK_FIELDS
        if bad:
            raise ProjectError(
                f"set_track: cannot set {', '.join(sorted(bad))} (only {', '.join(sorted(_TRACK_FIELDS))})"
            )

        def run(tx: Transaction) -> None:
            checked = Track.model_validate({"id": track.id, **changes})
            for name in changes:
                tx.set_field(track, name, getattr(checked, name))
            if changes.keys() & _SHAPING:  # a name, a switch or a level cannot break the track
                tx.check_whole(track)

        self._transact("set_track", {"track": track_id, "changes": _jsonable(changes)}, run)
        return track

    def track(self, track_id: str) -> Track:
        """The track with ``track_id``."""
        _expect_id(track_id, "track_id", "track")
        for t in self.tracks:
            if t.id == track_id:
                return t
        raise ProjectError(f"no track with id {track_id!r}")

    def video_tracks(self) -> list[Track]:
        """Video tracks, bottom first."""
        return [t for t in self.tracks if t.kind == "video"]

    def duration(self) -> RationalTime:
        """End of the last item on any track."""
        frames = max((t.frames() for t in self.tracks), default=0)
        return RationalTime.from_frames(frames, self.settings.frame_rate)

    def add_marker(self, marker: Marker) -> Marker:
        """Add a marker (kept sorted by time; undoable); none before the timeline's start."""
        make = "make one with Marker(time=RationalTime.from_frames(frame, rate), name='...')"
        _expect(marker, Marker, "marker", "a Marker", make)
        _after_start(marker)
        index = bisect_right(self.markers, marker.time, key=lambda m: m.time)
        args = {"marker": marker.model_dump(mode="json")}
        self._transact("add_marker", args, lambda tx: tx.run(Insert(self, "markers", index, marker)))
        return marker

    def remove_marker(self, marker_id: str) -> Marker:
        """Remove a marker (undoable)."""
        index = self._marker_index(marker_id)
        marker = self.markers[index]
        self._transact(
            "remove_marker",
            {"marker_id": marker_id},
            lambda tx: tx.run(Delete(self, "markers", index, marker)),
        )
        return marker

    def update_marker(self, marker_id: str, **changes: Any) -> Marker:
        """Change fields of a marker (undoable; it moves to keep the markers sorted by time)."""
        index = self._marker_index(marker_id)
        old = self.markers[index]
        new = Marker.model_validate(old.model_dump() | changes)
        _after_start(new)

        def run(tx: Transaction) -> None:
            tx.run(Delete(self, "markers", index, old))
            tx.run(Insert(self, "markers", bisect_right(self.markers, new.time, key=lambda m: m.time), new))

        self._transact("update_marker", {"marker_id": marker_id, "changes": _jsonable(changes)}, run)
        return new

    def _marker_index(self, marker_id: str) -> int:
        _expect_id(marker_id, "marker_id", "marker")
        for n, m in enumerate(self.markers):
            if m.id == marker_id:
                return n
        raise ProjectError(f"no marker with id {marker_id!r}")

    def validate_timeline(self) -> None:
        """Raise ProjectError naming the first broken invariant (overlap, trim, handles...)."""
        check_ids(self)
        for n, seq in enumerate(self.sequences):
            try:
                seq.validate_timeline()
            except ProjectError as exc:
                raise ProjectError(f"sequences[{n}] ({seq.name}): {exc}") from None
        for n, track in enumerate(self.tracks):
            self._check(track, n)

    def _check(self, track: Track, index: int) -> None:
        check_track(track, index, self.settings.frame_rate)
        check_sequence_clips(track, index, self.sequences, self.settings.frame_rate)

    # --- nested sequences ----------------------------------------------------------------
    def add_sequence(self, sequence: Project) -> Project:
        """Keep ``sequence`` (a timeline at this project's rate) for SequenceClips to show (undoable)."""
        from .operations import add_sequence

        _expect(sequence, Project, "sequence", "a Project", _SEQUENCE)
        return add_sequence(self, sequence)

    def sequence_clip(self, sequence: Project, first: int = 0, frames: int | None = None) -> SequenceClip:
        """A clip showing ``frames`` frames of ``sequence`` from its frame ``first`` (all, by default),
        ready to place on a track; the sequence joins this project's sequences if it is new."""
        _expect(sequence, Project, "sequence", "a Project", _SEQUENCE)
        if not any(s is sequence for s in self.sequences):
            self.add_sequence(sequence)
        rate = self.settings.frame_rate
        n = sequence.duration().to_frames(rate) - first if frames is None else frames
        if n <= 0:
            raise ProjectError(f"sequence {sequence.name!r} has no frames from {first} on")
        rng = TimeRange.from_frames(first, n, rate)
        return SequenceClip(name=sequence.name, sequence=sequence.id, source_range=rng)

    def sequence(self, sequence_id: str) -> Project:
        """The nested sequence with ``sequence_id``."""
        _expect_id(sequence_id, "sequence_id", "sequence")
        for s in self.sequences:
            if s.id == sequence_id:
                return s
        raise ProjectError(f"no sequence with id {sequence_id!r}")

    def nested_in(self) -> Project | None:
        """The project this one is a nested sequence of (None at the top, or once removed from it)."""
        parent = self._parent
        if parent is not None and any(s is self for s in parent.sequences):
            return parent
        return None

    def _root(self) -> Project:
        """The outermost project: one document, one history and one set of listeners for every level."""
        project = self
        while (parent := project.nested_in()) is not None:
            project = parent
        return project

    def nesting_path(self) -> list[str]:
        """Ids of the sequences from the outermost project down to this one ([] at the top): where a
        recorded edit of this sequence replays (its track ids may repeat another level's)."""
        path: list[str] = []
        project = self
        while (parent := project.nested_in()) is not None:
            path.append(project.id)
            project = parent
        return path[::-1]

    def all_tracks(self) -> Iterator[Track]:
        """Its tracks and those of its nested sequences, at any depth."""
        for seq in self.sequences:
            yield from seq.all_tracks()
        yield from self.tracks

    def clips(self) -> Iterator[Clip]:
        """Every media clip, in nested sequences too (what relinking, saving and targets look at)."""
        for track in self.all_tracks():
            yield from (i for i in track.items if isinstance(i, Clip))

    # --- undo / redo / replay -----------------------------------------------------------
    @property
    def history(self) -> History:
        """The undo/redo stacks (``history.configure(limit=..., max_bytes=...)`` bounds them); a nested
        sequence's are its outermost project's, which its edits go into."""
        return self._root()._history

    def undo(self) -> Operation | None:
        """Revert the last edit (or group); returns it (None when there is nothing to undo)."""
        self._no_open_group("undo")
        root = self._root()
        op = root._history.pop_undo()
        if op is not None:
            op.revert()
            for leaf in reversed(list(op.leaves())):
                root._notify(leaf, "undo")
        return op

    def redo(self) -> Operation | None:
        """Re-apply the last undone edit (or group)."""
        self._no_open_group("redo")
        root = self._root()
        op = root._history.pop_redo()
        if op is not None:
            op.reapply()
            for leaf in op.leaves():
                root._notify(leaf, "redo")
        return op

    def _no_open_group(self, what: str) -> None:
        if self.history.grouping:
            raise ProjectError(f"{what}: a group of operations is open (end_group() first)")

    def apply(self, command: dict[str, Any]) -> Operation:
        """Apply an operation in its JSON form (what widgets send, what ``Operation.to_json`` gives)."""
        from .operations import apply_command

        return apply_command(self, command)

    def apply_all(self, commands: list[dict[str, Any]], name: str = "batch") -> list[Operation]:
        """Apply several operations as one undo step: all of them, or, on the first refusal, none."""
        with self.group(name):
            return [self.apply(command) for command in commands]

    def begin_group(self, name: str) -> None:
        """Make the operations applied until ``end_group`` one undo step (groups nest)."""
        self.history.begin_group(name)

    def end_group(self) -> Operation | None:
        """Close the group ``begin_group`` opened; returns the recorded step (None if it was empty)."""
        return self.history.end_group()

    @contextmanager
    def group(self, name: str) -> Iterator[None]:
        """``with project.group("gesture"): ...``: one undo step, or nothing if the block raises."""
        self.begin_group(name)
        try:
            yield
        except BaseException:
            root = self._root()
            for op in reversed(root._history.abort_group()):
                op.revert()
                for leaf in reversed(list(op.leaves())):
                    root._notify(leaf, "undo")
            raise
        self.end_group()

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener(op, 'do'|'undo'|'redo')`` after each change; returns an unsubscribe."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    # --- internals used by Track --------------------------------------------------------
    def _transact(
        self, op: str, args: dict[str, Any], run: Callable[[Transaction], None], *, refusal: bool = True
    ) -> Operation:
        """Run an edit as recorded steps, validate around them, commit or roll back.

        An edit of a nested sequence is one of its outermost project's (its history, its listeners),
        refused when it would leave a clip of the parent showing frames the sequence no longer has.
        """
        tx = Transaction(self)
        parent = self.nested_in()
        shape = (self.duration(), self.settings.frame_rate) if parent is not None else None
        try:
            run(tx)
            tx.validate()
            if parent is not None and shape != (self.duration(), self.settings.frame_rate):
                check_shown(parent, self)
        except Exception as exc:
            tx.rollback()
            if isinstance(exc, ProjectError) and refusal:
                raise ProjectError(f"{op} refused: {exc}") from None
            if isinstance(exc, ValidationError):
                where, msg = first_error(exc)
                raise ProjectError(f"{op} refused: {where}: {msg}") from None
            raise
        within = self.nesting_path() if parent is not None else []
        done = Operation(op, {**args, WITHIN: within} if within else args, tuple(tx.steps))
        root = self._root()
        root._history.push(done)
        root._notify(done, "do")
        return done

    def _notify(self, op: Operation, how: str) -> None:
        """Tell this project's listeners, and those of each nested sequence the edit changed (with
        the sequences between), so a view of any level hears what changed it."""
        for project in (self, *_nested_audience(self, op)):
            for listener in list(project._listeners):
                try:
                    listener(op, how)
                except Exception:  # a broken listener must not break editing
                    logging.getLogger(__name__).exception("project listener failed on %s", op.op)


def _nested_audience(root: Project, op: Operation) -> list[Project]:
    """The nested sequences (below ``root``) whose content ``op``'s steps changed, and their parents."""
    found: dict[int, Project] = {}
    for step in op.all_steps():
        owner = getattr(step, "owner", None)
        project = owner._project if isinstance(owner, Track) else owner
        while isinstance(project, Project) and project is not root and id(project) not in found:
            found[id(project)] = project
            project = project.nested_in()
    return list(found.values())


def _after_start(marker: Marker) -> None:
    """Refuse a marker before frame 0, where no frame of the timeline is (a widget's M key, a file's op)."""
    if marker.time < RationalTime(0):
        msg = f"marker {marker.name or marker.id!r}: time {marker.time} is before the timeline's start"
        raise ProjectError(msg)
