"""The operation registry: every edit declared once (name, pydantic arguments, the call that applies
it); replay (``Project.apply``), ``Operation.to_json`` and the JSON Schema of operations derive from
it. The inverse of each is the reversal of the primitive steps it records (``steps.py`` declares
each step's inverse), so undo/redo need nothing per operation.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from ..errors import ProjectError, first_error
from . import editing, keyframe_ops
from ._operation_args import (
    AddKeyframeArgs,
    AddTrackArgs,
    Args,
    ChangesArgs,
    ChangesOf,
    DeltaArgs,
    GapArgs,
    GroupArgs,
    ItemArgs,
    ItemIdArgs,
    KeyframeArgs,
    KeyframeInterpArgs,
    MarkerArgs,
    MarkerChangesArgs,
    MarkerIdArgs,
    MoveArgs,
    MoveKeyframeArgs,
    OnTrack,
    PlaceArgs,
    ProjectChangesArgs,
    SequenceArgs,
    SequenceIdArgs,
    SetKeyframesArgs,
    SettingsArgs,
    SplitArgs,
    TrackChangesArgs,
    TrackIdArgs,
    TransitionArgs,
    TransitionChangesArgs,
    TransitionIdArgs,
    TrimArgs,
    _Project,
)
from .items import SequenceClip
from .project import WITHIN
from .settings import ProjectSettings
from .steps import Delete, Insert
from .track import Track, _jsonable
from .transition import Transition

if TYPE_CHECKING:
    from .history import Operation
    from .project import Project
    from .transaction import Transaction

__all__ = [
    "REGISTRY",
    "ChangesOf",
    "OperationSpec",
    "add_sequence",
    "apply_command",
    "operations_json_schema",
]


@dataclass(frozen=True)
class OperationSpec:
    """One operation: its name, its argument model and how a project applies it."""

    name: str
    args: type[Args]
    apply: Callable[[Project, Any], object]
    doc: str


def _track(project: Project, a: OnTrack) -> Track:
    return _find_track(project, a.track)


def _find_track(project: Project, track_id: str) -> Track:
    """The track with ``track_id``, in a nested sequence too: an edit made there is recorded in the
    outer project's history by its track's id, and replays on the outer project."""
    try:
        return project.track(track_id)
    except ProjectError:
        found = next((t for t in project.all_tracks() if t.id == track_id), None)
        if found is None:
            raise
        return found


def _add_track(project: Project, a: AddTrackArgs) -> object:
    track = Track.model_validate(a.track_data) if a.track_data else Track(kind=a.kind, name=a.name)
    return project.add_track(track=track)


def _move(project: Project, a: MoveArgs) -> object:
    src = _track(project, a)
    return src.move(a.item_id, a.to, _find_track(project, a.to_track or src.id))


def _insert_gap(project: Project, a: GapArgs) -> object:
    """Ripple later items right by ``frames`` (splitting the one under ``at``): room to paste into."""
    track = _track(project, a)

    def run(tx: Transaction) -> None:
        hit = editing.cut_into(track, a.at)
        if hit is not None:
            tr = hit[0]
            names = " and ".join(repr(track.item(c).label()) for c in (tr.from_clip, tr.to_clip) if c)
            raise ProjectError(
                f"{track.describe()}: a gap at frame {a.at} would cut into the {tr.kind} of {names}; "
                f"open it at frame {editing.gap_frame(track, a.at)} (the clips then move together), "
                "or lock the track to leave it out of sync-locked inserts"
            )
        editing.split(tx, track, a.at)
        tx.shift(track, track.first_from(a.at), a.frames)

    track._edit("insert_gap", {"at": a.at, "frames": a.frames}, run)
    return track


def _update_transition(project: Project, a: TransitionChangesArgs) -> object:
    track = _track(project, a)
    found = [j for j, t in enumerate(track.transitions) if t.id == a.transition_id]
    if not found:
        raise ProjectError(f"no transition with id {a.transition_id!r} on track {track.id!r}")
    old = track.transitions[found[0]]
    new = Transition.model_validate(old.model_dump() | a.changes)
    args = {"transition_id": a.transition_id, "changes": _jsonable(a.changes)}
    track._edit("update_transition", args, lambda tx: tx.replace_transition(track, found[0], new))
    return new


_CARRIED = ("frame_rate", "width", "height")
"""Settings a nested sequence shares with its project (the render draws it at the project's)."""


def _carry(tx: Transaction, project: Project, changes: dict[str, Any]) -> None:
    """Nested sequences play at their project's rate and size: they follow a change of either."""
    for seq in project.sequences:
        tx.set_field(seq, "settings", seq.settings.model_copy(update=changes))
        _carry(tx, seq, changes)


def _update_settings(project: Project, a: SettingsArgs) -> object:
    old = project.settings
    new = ProjectSettings.model_validate(old.model_dump() | a.changes)
    parent = project.nested_in()
    if parent is not None and _size(new) != _size(parent.settings):
        raise ProjectError(
            f"update_settings refused: sequence {project.name!r} would be {_size(new)}, but project "
            f"{parent.name!r} it is nested in is {_size(parent.settings)} (a nested sequence is drawn at "
            "its project's size: change that project's, and its sequences follow)"
        )
    carried = {k: getattr(new, k) for k in _CARRIED if getattr(new, k) != getattr(old, k)}

    def run(tx: Transaction) -> None:
        tx.set_field(project, "settings", new)
        if carried:
            _carry(tx, project, carried)
        if new.frame_rate != old.frame_rate:  # every time must be on the new frame grid
            for seq in project.sequences:
                seq.validate_timeline()
            for track in project.tracks:
                tx.check_whole(track)

    project._transact("update_settings", {"changes": _jsonable(a.changes)}, run)
    return new


def _size(settings: ProjectSettings) -> str:
    return f"{settings.width}x{settings.height}"


def _update_project(project: Project, a: ProjectChangesArgs) -> object:
    checked = _Project.model_validate({"name": project.name, "metadata": project.metadata} | a.changes)

    def run(tx: Transaction) -> None:
        for name in a.changes:
            tx.set_field(project, name, getattr(checked, name))

    project._transact("update_project", {"changes": _jsonable(a.changes)}, run)
    return project


def add_sequence(project: Project, sequence: Project) -> Project:
    """Keep ``sequence`` (a whole timeline at the project's rate and size) for SequenceClips to show
    (undoable)."""
    if sequence.settings.frame_rate != project.settings.frame_rate:
        raise ProjectError(
            f"sequence {sequence.name!r} is at {sequence.settings.frame_rate} fps; "
            f"this project is at {project.settings.frame_rate}"
        )
    if _size(sequence.settings) != _size(project.settings):  # the render draws it at the project's
        raise ProjectError(
            f"sequence {sequence.name!r} is {_size(sequence.settings)}; this project is "
            f"{_size(project.settings)} (a nested sequence is drawn at its project's size: make it that size)"
        )
    if any(s.id == sequence.id for s in project.sequences) or sequence is project:
        raise ProjectError(
            f"a sequence with id {sequence.id!r} is already in the project; to nest it twice, add a copy "
            f"with an id of its own (sequence.model_copy(deep=True, update={{'id': 'new id'}}))"
        )
    _not_nested_elsewhere(project, sequence)
    at = len(project.sequences)
    args = {"sequence": sequence.model_dump(mode="json")}
    project._transact("add_sequence", args, lambda tx: tx.run(Insert(project, "sequences", at, sequence)))
    sequence._parent = project  # its edits now go through this project's (outermost) transaction
    return sequence


def _not_nested_elsewhere(project: Project, sequence: Project) -> None:
    """One parent per sequence object, and none that contains itself: its edits are checked against
    (and recorded in) that parent's document."""
    other = sequence.nested_in()
    if other is not None:
        raise ProjectError(
            f"sequence {sequence.name!r} is already nested in {other.name!r}; "
            "add a copy (sequence.model_copy(deep=True)) or remove it there first"
        )
    above: Project | None = project
    while above is not None:
        if above is sequence:
            raise ProjectError(f"sequence {sequence.name!r} contains {project.name!r}: it cannot nest in it")
        above = above.nested_in()


def _remove_sequence(project: Project, a: SequenceIdArgs) -> object:
    sequence = project.sequence(a.sequence_id)
    shown = [
        i.id
        for t in project.tracks
        for i in t.items
        if isinstance(i, SequenceClip) and i.sequence == sequence.id
    ]
    if shown:
        raise ProjectError(f"remove_sequence refused: {sequence.name!r} is shown by {', '.join(shown)}")
    at = project.sequences.index(sequence)
    project._transact(
        "remove_sequence",
        {"sequence_id": a.sequence_id},
        lambda tx: tx.run(Delete(project, "sequences", at, sequence)),
    )
    return sequence


def _add_keyframe(project: Project, a: AddKeyframeArgs) -> object:
    track = _track(project, a)
    return keyframe_ops.add_keyframe(track, a.item_id, a.property, a.frame, a.value, a.interp, a.handles)


def _set_interp(project: Project, a: KeyframeInterpArgs) -> object:
    track = _track(project, a)
    return keyframe_ops.set_keyframe_interp(track, a.item_id, a.property, a.frame, a.interp, a.handles)


def _group(project: Project, a: GroupArgs) -> object:
    with project.group(a.name):
        return [project.apply(op) for op in a.ops]


_SPECS: list[tuple[str, type[Args], Callable[[Project, Any], object], str]] = [
    ("add_track", AddTrackArgs, _add_track, "add a track on top"),
    ("remove_track", TrackIdArgs, lambda p, a: p.remove_track(a.track_id), "remove a track"),
    ("set_track", TrackChangesArgs, lambda p, a: p.set_track(a.track, **a.changes), "change track fields"),
    ("append", ItemArgs, lambda p, a: _track(p, a).append(a.item), "place an item after the last"),
    ("insert", PlaceArgs, lambda p, a: _track(p, a).insert(a.item, a.at), "insert with ripple"),
    ("overwrite", PlaceArgs, lambda p, a: _track(p, a).overwrite(a.item, a.at), "place over what is there"),
    ("insert_gap", GapArgs, _insert_gap, "open empty frames, rippling later items right"),
    ("split", SplitArgs, lambda p, a: _track(p, a).split(a.at), "cut the item under a frame"),
    (
        "trim",
        TrimArgs,
        lambda p, a: _track(p, a).trim(a.item_id, a.edge, a.delta, ripple=a.ripple),
        "move one edge of an item",
    ),
    ("lift", ItemIdArgs, lambda p, a: _track(p, a).lift(a.item_id), "remove, leaving a gap"),
    (
        "ripple_delete",
        ItemIdArgs,
        lambda p, a: _track(p, a).ripple_delete(a.item_id),
        "remove, closing the gap",
    ),
    ("move", MoveArgs, _move, "move an item (to another track too)"),
    ("slip", DeltaArgs, lambda p, a: _track(p, a).slip(a.item_id, a.delta), "show other source frames"),
    ("slide", DeltaArgs, lambda p, a: _track(p, a).slide(a.item_id, a.delta), "move between neighbours"),
    ("roll", DeltaArgs, lambda p, a: _track(p, a).roll(a.item_id, a.delta), "move an edit point"),
    (
        "add_transition",
        TransitionArgs,
        lambda p, a: _track(p, a).add_transition(a.transition),
        "add a transition",
    ),
    (
        "remove_transition",
        TransitionIdArgs,
        lambda p, a: _track(p, a).remove_transition(a.transition_id),
        "remove a transition",
    ),
    ("update", ChangesArgs, lambda p, a: _track(p, a).update(a.item_id, **a.changes), "change item fields"),
    ("update_transition", TransitionChangesArgs, _update_transition, "change transition fields"),
    ("update_settings", SettingsArgs, _update_settings, "change the project's settings (rate re-checks all)"),
    ("update_project", ProjectChangesArgs, _update_project, "change the project's name or metadata"),
    ("add_marker", MarkerArgs, lambda p, a: p.add_marker(a.marker), "add a marker"),
    ("remove_marker", MarkerIdArgs, lambda p, a: p.remove_marker(a.marker_id), "remove a marker"),
    (
        "update_marker",
        MarkerChangesArgs,
        lambda p, a: p.update_marker(a.marker_id, **a.changes),
        "change marker fields",
    ),
    (
        "add_sequence",
        SequenceArgs,
        lambda p, a: add_sequence(p, type(p).model_validate(a.sequence)),
        "keep a nested sequence",
    ),
    ("remove_sequence", SequenceIdArgs, _remove_sequence, "drop a nested sequence no clip shows"),
    ("add_keyframe", AddKeyframeArgs, _add_keyframe, "set a property's value at a clip frame"),
    (
        "move_keyframe",
        MoveKeyframeArgs,
        lambda p, a: keyframe_ops.move_keyframe(_track(p, a), a.item_id, a.property, a.frame, a.to),
        "move a keyframe to another clip frame",
    ),
    (
        "remove_keyframe",
        KeyframeArgs,
        lambda p, a: keyframe_ops.remove_keyframe(_track(p, a), a.item_id, a.property, a.frame),
        "remove a keyframe",
    ),
    ("set_keyframe_interp", KeyframeInterpArgs, _set_interp, "how the curve leaves a keyframe"),
    (
        "set_keyframes",
        SetKeyframesArgs,
        lambda p, a: keyframe_ops.set_keyframes(_track(p, a), a.item_id, a.property, a.keyframes),
        "replace a property's whole curve",
    ),
    ("group", GroupArgs, _group, "several operations as one undo step"),
]

REGISTRY: dict[str, OperationSpec] = {
    name: OperationSpec(name, args, fn, doc) for name, args, fn, doc in _SPECS
}
"""Every operation, by name."""


def _message(op: str, exc: ValidationError) -> str:
    err = exc.errors()[0]
    loc = [str(p) for p in err["loc"] if p not in ("clip", "text", "sequence")]
    if err["type"] == "missing":
        return f"operation {op!r}: missing argument {'.'.join(loc)!r}"
    return f"operation {op!r}: {'.'.join(loc)}: {first_error(exc)[1]}"


def _nested(project: Project, op: str, within: object) -> Project:
    """The sequence a recorded edit's ``within`` (sequence ids, outermost first) names in ``project``."""
    if not isinstance(within, list) or not all(isinstance(s, str) for s in within):
        raise ProjectError(f"operation {op!r}: {WITHIN}: a list of nested sequence ids, got {within!r}")
    target = project
    for n, sequence_id in enumerate(within):
        found = next((s for s in target.sequences if s.id == sequence_id), None)
        if found is None:
            where = f"project {target.name!r}" if n == 0 else f"sequence {target.name!r}"
            raise ProjectError(f"operation {op!r}: {WITHIN}[{n}]: {where} has no sequence {sequence_id!r}")
        target = found
    return target


def apply_command(project: Project, command: dict[str, Any]) -> Operation:
    """Apply ``command`` (``{"op": name, ...args}``) to ``project``; returns the recorded operation.

    The arguments are checked by the operation's registered model before anything changes: a bad
    command raises one ProjectError naming the operation and the field. A recorded edit of a nested
    sequence carries ``within`` (its sequence ids from ``project`` down) and edits that sequence; one
    without it (older records) finds its track at any depth, this project's first.
    """
    if not isinstance(command, dict):
        raise ProjectError(f"an operation is a JSON object {{'op': name, ...}}, got {type(command).__name__}")
    name = command.get("op")
    spec = REGISTRY.get(name) if isinstance(name, str) else None
    if spec is None:
        raise ProjectError(f"unknown operation {name!r}")
    target = _nested(project, spec.name, command.get(WITHIN, []))
    try:
        args = spec.args.model_validate({k: v for k, v in command.items() if k not in ("op", WITHIN)})
    except ValidationError as exc:
        raise ProjectError(_message(spec.name, exc)) from None
    seen: list[Operation] = []
    # the outermost project hears every edit (a nested one's listeners only edits that changed it)
    unsubscribe = project._root().subscribe(lambda op, how: seen.append(op) if how == "do" else None)
    try:
        spec.apply(target, args)
    except ValidationError as exc:
        raise ProjectError(_message(spec.name, exc)) from None
    finally:
        unsubscribe()
    if name == "group":
        from .history import Operation

        return Operation("group", {"name": args.name}, children=tuple(seen))  # type: ignore[attr-defined]
    return seen[-1]


def _title(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_")) + "Op"


def operations_json_schema() -> dict[str, Any]:
    """JSON Schema of every operation's JSON form (``{"op": name, ...args}``): a ``oneOf`` of one
    ``$defs`` entry per operation, told apart by the constant ``op`` (TypeScript narrows on it)."""
    defs: dict[str, Any] = {}
    branches: list[dict[str, Any]] = []
    for spec in REGISTRY.values():
        schema = spec.args.model_json_schema(ref_template="#/$defs/{model}")
        defs.update(schema.pop("$defs", {}))
        props = schema.get("properties", {})
        if issubclass(spec.args, ChangesOf):
            changes = spec.args.CHANGES.model_json_schema(ref_template="#/$defs/{model}")
            defs.update(changes.pop("$defs", {}))
            for field in changes["properties"].values():
                field.pop("default", None)  # left out: unchanged (a $ref beside a default is a copy in TS)
            props["changes"] = changes
        if spec.args is GroupArgs:
            props["ops"] = {**props["ops"], "items": {"$ref": "#"}}
        schema["properties"] = {"op": {"const": spec.name, "type": "string"}, **props}
        schema["required"] = ["op", *schema.get("required", [])]
        schema["title"] = _title(spec.name)
        schema["description"] = spec.doc
        defs[schema["title"]] = schema
        branches.append({"$ref": f"#/$defs/{schema['title']}"})
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://timeline-lab.invalid/schema/Operation.1.json",
        "title": "Operation",
        "oneOf": branches,
        "$defs": defs,
    }
