"""The operation registry: every edit declared once (name, pydantic arguments, the call that applies
it); replay (``Project.apply``), ``Operation.to_json`` and the JSON Schema of operations derive from
it. The inverse of each is the reversal of the primitive steps it records (``steps.py`` declares
each step's inverse), so undo/redo need nothing per operation.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model, field_validator

from ..errors import ProjectError
from .items import Clip, SequenceClip, TextClip
from .marker import Marker
from .project import _TRACK_FIELDS
from .settings import ProjectSettings
from .track import Track, TrackKind, _jsonable
from .transition import Transition

if TYPE_CHECKING:
    from .history import Operation
    from .project import Project
    from .transaction import Transaction

__all__ = ["REGISTRY", "OperationSpec", "apply_command", "operations_json_schema"]

AnyItem = Annotated[Clip | TextClip | SequenceClip, Field(discriminator="type")]


class Args(BaseModel):
    """Arguments of an operation (its JSON form without ``op``)."""

    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=True)


def _partial(
    name: str,
    *models: type[BaseModel],
    only: AbstractSet[str] | None = None,
    skip: AbstractSet[str] = frozenset(),
) -> type[BaseModel]:
    """Every field of ``models`` optional: the schema of a ``changes`` argument (values are checked
    by the real model when applied, so its own validators still run)."""
    fields: dict[str, Any] = {}
    for model in models:
        for field, info in model.model_fields.items():
            if field in fields or field in skip or (only is not None and field not in only):
                continue
            annotation = Annotated[(info.annotation, *info.metadata)] if info.metadata else info.annotation
            fields[field] = (annotation, Field(None, description=info.description))
    config = ConfigDict(extra="forbid", arbitrary_types_allowed=True, title=name)
    what = "/".join(m.__name__.lstrip("_") for m in models)
    doc = f"Fields of a {what} to change; those left out keep their value."
    return create_model(name, __config__=config, __doc__=doc, **fields)


class ChangesOf(Args):
    """Arguments with ``changes``: a dict of some fields of ``CHANGES`` (its schema, its names)."""

    CHANGES: ClassVar[type[BaseModel]]
    changes: dict[str, Any] = Field(default_factory=dict)

    @field_validator("changes")
    @classmethod
    def _known(cls, v: dict[str, Any]) -> dict[str, Any]:
        allowed = cls.CHANGES.model_fields
        bad = sorted(set(v) - set(allowed))
        if bad:
            raise ValueError(f"cannot change {', '.join(map(repr, bad))} (only {', '.join(sorted(allowed))})")
        return v


class OnTrack(Args):
    track: str = Field(description="id of the track edited")


class ItemArgs(OnTrack):
    item: AnyItem


class PlaceArgs(ItemArgs):
    at: int


class SplitArgs(OnTrack):
    at: int


class ItemIdArgs(OnTrack):
    item_id: str


class TrimArgs(ItemIdArgs):
    edge: Literal["in", "out"]
    delta: int
    ripple: bool = False


class MoveArgs(ItemIdArgs):
    to: int
    to_track: str | None = None


class DeltaArgs(ItemIdArgs):
    delta: int


class TransitionArgs(OnTrack):
    transition: Transition


class TransitionIdArgs(OnTrack):
    transition_id: str


class ChangesArgs(ChangesOf, ItemIdArgs):
    CHANGES = _partial("ItemChanges", Clip, TextClip, SequenceClip, skip={"id", "type"})


class TrackChangesArgs(ChangesOf, OnTrack):
    CHANGES = _partial(
        "TrackChanges",
        Track,
        only=_TRACK_FIELDS,
    )


class TransitionChangesArgs(ChangesOf, TransitionIdArgs):
    CHANGES = _partial("TransitionChanges", Transition, only={"kind", "duration", "alignment", "in_offset"})


class SettingsArgs(ChangesOf):
    CHANGES = _partial("SettingsChanges", ProjectSettings)


class _Project(BaseModel):
    name: str
    metadata: dict[str, Any]


class ProjectChangesArgs(ChangesOf):
    CHANGES = _partial("ProjectChanges", _Project)


class AddTrackArgs(Args):
    kind: TrackKind = "video"
    name: str = ""
    track_data: dict[str, Any] | None = None


class TrackIdArgs(Args):
    track_id: str


class MarkerArgs(Args):
    marker: Marker


class MarkerIdArgs(Args):
    marker_id: str


class MarkerChangesArgs(ChangesOf, MarkerIdArgs):
    CHANGES = _partial("MarkerChanges", Marker, skip={"id"})


class GroupArgs(Args):
    name: str = ""
    ops: list[dict[str, Any]] = Field(default_factory=list, description="operations, applied in order")


@dataclass(frozen=True)
class OperationSpec:
    """One operation: its name, its argument model and how a project applies it."""

    name: str
    args: type[Args]
    apply: Callable[[Project, Any], object]
    doc: str


def _track(project: Project, a: OnTrack) -> Track:
    return project.track(a.track)


def _add_track(project: Project, a: AddTrackArgs) -> object:
    track = Track.model_validate(a.track_data) if a.track_data else Track(kind=a.kind, name=a.name)
    return project.add_track(track=track)


def _move(project: Project, a: MoveArgs) -> object:
    src = _track(project, a)
    return src.move(a.item_id, a.to, project.track(a.to_track or src.id))


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


def _update_settings(project: Project, a: SettingsArgs) -> object:
    old = project.settings
    new = ProjectSettings.model_validate(old.model_dump() | a.changes)
    if new.frame_rate != old.frame_rate and project.sequences:
        msg = f"frame_rate: the project has nested sequences at {old.frame_rate} fps; it cannot change"
        raise ProjectError(f"update_settings refused: {msg}")

    def run(tx: Transaction) -> None:
        tx.set_field(project, "settings", new)
        if new.frame_rate != old.frame_rate:  # every time must be on the new frame grid
            for track in project.tracks:
                tx.check_whole(track)

    project._transact("update_settings", {"changes": _jsonable(a.changes)}, run)
    return new


def _update_project(project: Project, a: ProjectChangesArgs) -> object:
    checked = _Project.model_validate({"name": project.name, "metadata": project.metadata} | a.changes)

    def run(tx: Transaction) -> None:
        for name in a.changes:
            tx.set_field(project, name, getattr(checked, name))

    project._transact("update_project", {"changes": _jsonable(a.changes)}, run)
    return project


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
    msg = str(err["msg"]).removeprefix("Value error, ")
    return f"operation {op!r}: {'.'.join(loc)}: {msg}"


def apply_command(project: Project, command: dict[str, Any]) -> Operation:
    """Apply ``command`` (``{"op": name, ...args}``) to ``project``; returns the recorded operation.

    The arguments are checked by the operation's registered model before anything changes: a bad
    command raises one ProjectError naming the operation and the field.
    """
    if not isinstance(command, dict):
        raise ProjectError(f"an operation is a JSON object {{'op': name, ...}}, got {type(command).__name__}")
    name = command.get("op")
    spec = REGISTRY.get(name) if isinstance(name, str) else None
    if spec is None:
        raise ProjectError(f"unknown operation {name!r}")
    try:
        args = spec.args.model_validate({k: v for k, v in command.items() if k != "op"})
    except ValidationError as exc:
        raise ProjectError(_message(spec.name, exc)) from None
    seen: list[Operation] = []
    unsubscribe = project.subscribe(lambda op, how: seen.append(op) if how == "do" else None)
    try:
        spec.apply(project, args)
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
