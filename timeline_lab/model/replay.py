"""Turn an operation's JSON form back into the Track/Project call that produced it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

from pydantic import Field, TypeAdapter, ValidationError

from ..errors import ProjectError
from .items import Clip, Item, SequenceClip, TextClip
from .track import Track
from .transition import Transition

if TYPE_CHECKING:
    from .project import Project

__all__ = ["replay"]

_ITEM: TypeAdapter[Item] = TypeAdapter(Annotated[Clip | TextClip | SequenceClip, Field(discriminator="type")])


def _track(project: Project, cmd: dict[str, Any]) -> Track:
    if "track" not in cmd:
        raise ProjectError(f"operation {cmd.get('op')!r}: missing 'track'")
    return project.track(str(cmd["track"]))


def replay(project: Project, cmd: dict[str, Any]) -> None:
    """Apply ``cmd`` (``{"op": name, ...args}``) to ``project``; unknown ops are a clear error."""
    op = cmd.get("op")
    try:
        if op == "add_track":
            data = cmd.get("track_data")
            track = Track.model_validate(data) if data else Track(kind=cmd.get("kind", "video"))
            project.add_track(track=track)
        elif op == "remove_track":
            project.remove_track(str(cmd["track_id"]))
        elif op in ("append", "insert", "overwrite"):
            item = _ITEM.validate_python(cmd["item"])
            t = _track(project, cmd)
            if op == "append":
                t.append(item)
            else:
                getattr(t, op)(item, int(cmd["at"]))
        elif op == "split":
            _track(project, cmd).split(int(cmd["at"]))
        elif op == "trim":
            _track(project, cmd).trim(
                cmd["item_id"],
                cmd["edge"],
                int(cmd["delta"]),
                ripple=bool(cmd.get("ripple", False)),
            )
        elif op in ("lift", "ripple_delete"):
            getattr(_track(project, cmd), op)(cmd["item_id"])
        elif op == "move":
            src = _track(project, cmd)
            dest = project.track(str(cmd.get("to_track") or src.id))
            src.move(cmd["item_id"], int(cmd["to"]), dest)
        elif op in ("slip", "slide", "roll"):
            getattr(_track(project, cmd), op)(cmd["item_id"], int(cmd["delta"]))
        elif op == "add_transition":
            _track(project, cmd).add_transition(Transition.model_validate(cmd["transition"]))
        elif op == "remove_transition":
            _track(project, cmd).remove_transition(cmd["transition_id"])
        elif op == "update":
            _track(project, cmd).update(cmd["item_id"], **cmd.get("changes", {}))
        else:
            raise ProjectError(f"unknown operation {op!r}")
    except KeyError as exc:
        raise ProjectError(f"operation {op!r}: missing argument {exc.args[0]!r}") from None
    except ValidationError as exc:
        raise ProjectError(f"operation {op!r}: {exc.errors()[0]['msg']}") from None
