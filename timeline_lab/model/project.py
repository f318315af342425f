"""The project: settings, tracks and markers; every edit goes through here and can be undone."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from pydantic import Field, PrivateAttr, ValidationError

from ..errors import ProjectError
from ._base import Model, new_id
from .history import History, Operation
from .items import Clip, Item, SequenceClip
from .marker import Marker
from .settings import ProjectSettings
from .time import RationalTime, TimeRange
from .track import Track, TrackKind
from .transition import Transition
from .validation import check_sequence_clips, check_track

__all__ = ["Project"]

Listener = Callable[[Operation, str], None]


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
    # tracks taken out by undo/remove, kept so a redo brings back the very object users hold
    _detached: dict[str, Track] = PrivateAttr(default_factory=dict)

    def model_post_init(self, context: Any) -> None:
        """Attach tracks to this project and check the whole timeline once."""
        for track in self.tracks:
            track._project = self
        self.validate_timeline()

    # --- structure ----------------------------------------------------------------------
    def add_track(self, kind: TrackKind = "video", name: str = "", *, track: Track | None = None) -> Track:
        """Add a track on top of the others (an undoable operation)."""
        new = track if track is not None else Track(kind=kind, name=name)
        if any(t.id == new.id for t in self.tracks):
            raise ProjectError(f"a track with id {new.id!r} is already in the project")
        order = self._order()
        self.tracks.append(new)
        new._project = self
        try:
            self._check(new, len(self.tracks) - 1)
        except ProjectError:
            self.tracks.pop()
            new._project = None
            raise
        args = {"kind": new.kind, "name": new.name, "track_data": new.model_dump(mode="json")}
        self._commit(
            Operation(
                "add_track",
                args,
                {new.id: None},
                {new.id: new.model_dump(mode="json")},
                order,
                self._order(),
            )
        )
        return new

    def remove_track(self, track_id: str) -> Track:
        """Remove a whole track (undoable)."""
        track = self.track(track_id)
        order = self._order()
        self.tracks.remove(track)
        track._project = None
        self._detached[track_id] = track
        self._commit(
            Operation(
                "remove_track",
                {"track_id": track_id},
                {track_id: track.model_dump(mode="json")},
                {track_id: None},
                order,
                self._order(),
            )
        )
        return track

    def track(self, track_id: str) -> Track:
        """The track with ``track_id``."""
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
        """Add a marker (kept sorted by time)."""
        self.markers.append(marker)
        self.markers.sort(key=lambda m: m.time)
        return marker

    def validate_timeline(self) -> None:
        """Raise ProjectError naming the first broken invariant (overlap, trim, handles...)."""
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
        """Keep ``sequence`` (a whole timeline at this project's rate) for SequenceClips to show."""
        if sequence.settings.frame_rate != self.settings.frame_rate:
            raise ProjectError(
                f"sequence {sequence.name!r} is at {sequence.settings.frame_rate} fps; "
                f"this project is at {self.settings.frame_rate}"
            )
        if any(s.id == sequence.id for s in self.sequences) or sequence is self:
            raise ProjectError(f"a sequence with id {sequence.id!r} is already in the project")
        self.sequences.append(sequence)
        return sequence

    def sequence_clip(self, sequence: Project, first: int = 0, frames: int | None = None) -> SequenceClip:
        """A clip showing ``frames`` frames of ``sequence`` from its frame ``first`` (all, by default),
        ready to place on a track; the sequence joins this project's sequences if it is new."""
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
        for s in self.sequences:
            if s.id == sequence_id:
                return s
        raise ProjectError(f"no sequence with id {sequence_id!r}")

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
        """The undo/redo stacks."""
        return self._history

    def undo(self) -> Operation | None:
        """Revert the last edit; returns it (None when there is nothing to undo)."""
        op = self._history.pop_undo()
        if op is not None:
            self._restore(op.before, op.track_order_before)
            self._notify(op, "undo")
        return op

    def redo(self) -> Operation | None:
        """Re-apply the last undone edit."""
        op = self._history.pop_redo()
        if op is not None:
            self._restore(op.after, op.track_order_after)
            self._notify(op, "redo")
        return op

    def apply(self, command: dict[str, Any]) -> Operation:
        """Apply an operation in its JSON form (what widgets send, what ``Operation.to_json`` gives)."""
        from .replay import replay

        replay(self, command)
        op = self._history.last
        assert op is not None
        return op

    def apply_all(self, commands: list[dict[str, Any]]) -> list[Operation]:
        """Apply several operations as one: all of them, or, on the first refusal, none (history too)."""
        stacks = self._history.stacks()
        done: list[Operation] = []
        try:
            for command in commands:
                done.append(self.apply(command))
        except Exception:
            for _ in done:
                self.undo()
            self._history.reset_to(stacks)  # nothing of the batch is left to redo
            raise
        return done

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener(op, 'do'|'undo'|'redo')`` after each change; returns an unsubscribe."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    # --- internals used by Track --------------------------------------------------------
    def _order(self) -> tuple[str, ...]:
        return tuple(t.id for t in self.tracks)

    def _apply_edit(
        self,
        track: Track,
        op: str,
        args: dict[str, Any],
        run: Callable[[list[Item], list[Transition]], None],
        also: Track | None,
    ) -> None:
        touched = [track] if also is None or also is track else [track, also]
        before: dict[str, dict[str, Any] | None] = {t.id: t.model_dump(mode="json") for t in touched}
        try:
            run(track.items, track.transitions)
            for t in touched:
                self._check(t, self.tracks.index(t))
        except Exception as exc:
            self._restore(before, self._order())
            if isinstance(exc, ProjectError):
                raise ProjectError(f"{op} refused: {exc}") from None
            if isinstance(exc, ValidationError):
                err = exc.errors()[0]
                where = ".".join(str(p) for p in err["loc"])
                msg = str(err["msg"]).removeprefix("Value error, ")
                raise ProjectError(f"{op} refused: {where}: {msg}") from None
            raise
        after: dict[str, dict[str, Any] | None] = {t.id: t.model_dump(mode="json") for t in touched}
        self._commit(Operation(op, args, before, after, self._order(), self._order()))

    def _commit(self, op: Operation) -> None:
        self._history.push(op)
        self._notify(op, "do")

    def _notify(self, op: Operation, how: str) -> None:
        import logging

        for listener in list(self._listeners):
            try:
                listener(op, how)
            except Exception:  # a broken listener must not break editing
                logging.getLogger(__name__).exception("project listener failed on %s", op.op)

    def _restore(self, snapshot: dict[str, dict[str, Any] | None], order: tuple[str, ...]) -> None:
        live = {t.id: t for t in self.tracks}
        for track_id, data in snapshot.items():
            if data is None:
                gone = live.pop(track_id, None)
                if gone is not None:
                    gone._project = None
                    self._detached[track_id] = gone
                continue
            fresh = Track.model_validate(data)
            target = live.get(track_id) or self._detached.pop(track_id, None)
            if target is None:
                target = fresh
            else:
                for name in Track.model_fields:
                    object.__setattr__(target, name, getattr(fresh, name))
            target._project = self
            live[track_id] = target
        self.tracks[:] = [live[i] for i in order if i in live]
