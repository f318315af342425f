"""The operation registry: every edit declared once (name, pydantic arguments, the call that applies
it); replay (``Project.apply``), ``Operation.to_json`` and the JSON Schema of operations derive from
it. The inverse of each is the reversal of the primitive steps it records (``steps.py`` declares
each step's inverse), so undo/redo need nothing per operation.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..errors import ProjectError
from .items import Clip, SequenceClip, TextClip
from .marker import Marker
from .track import Track, TrackKind
from .transition import Transition

if TYPE_CHECKING:
    from .history import Operation
    from .project import Project

__all__ = ["REGISTRY", "OperationSpec", "apply_command", "operations_json_schema"]

AnyItem = Annotated[Clip | TextClip | SequenceClip, Field(discriminator="type")]


class Args(BaseModel):
    """Arguments of an operation (its JSON form without ``op``)."""

    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=True)


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


class ChangesArgs(ItemIdArgs):
    changes: dict[str, Any] = Field(default_factory=dict)


class TrackChangesArgs(OnTrack):
    changes: dict[str, Any] = Field(default_factory=dict)


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


class MarkerChangesArgs(MarkerIdArgs):
    changes: dict[str, Any] = Field(default_factory=dict)


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
        return f"operation {op!r}: missing argument {loc[0]!r}"
    msg = str(err["msg"]).removeprefix("Value error, ")
    return f"operation {op!r}: {'.'.join(loc)}: {msg}"


def apply_command(project: Project, command: dict[str, Any]) -> Operation:
    """Apply ``command`` (``{"op": name, ...args}``) to ``project``; returns the recorded operation."""
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


def operations_json_schema() -> dict[str, Any]:
    """JSON Schema of every operation's JSON form (``{"op": name, ...args}``), one ``oneOf`` branch each."""
    branches: list[dict[str, Any]] = []
    defs: dict[str, Any] = {}
    for spec in REGISTRY.values():
        schema = spec.args.model_json_schema(ref_template="#/$defs/{model}")
        defs.update(schema.pop("$defs", {}))
        schema["properties"] = {"op": {"const": spec.name}, **schema.get("properties", {})}
        schema["required"] = ["op", *schema.get("required", [])]
        schema["title"] = spec.name
        schema["description"] = spec.doc
        branches.append(schema)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://timeline-lab.invalid/schema/Operation.1.json",
        "title": "Operation",
        "oneOf": branches,
        "$defs": defs,
    }
