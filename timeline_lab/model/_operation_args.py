"""The arguments of each operation (pydantic models; the JSON form of an op without ``op``).

``changes`` arguments are dicts of a model's fields: each ``ChangesOf`` declares, as a partial
model, which fields (their names for the check, their types for the JSON Schema); the values are
validated by the real model when the operation applies, so its own validators run once.
"""

from __future__ import annotations

from collections.abc import Set as AbstractSet
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model, field_validator

from .items import Clip, SequenceClip, TextClip
from .keyframes import Interp, Keyframe
from .marker import Marker
from .project import _TRACK_FIELDS
from .settings import ProjectSettings
from .track import FRAME_BOUND, Track, TrackKind
from .transition import Transition

AnyItem = Annotated[Clip | TextClip | SequenceClip, Field(discriminator="type")]

Frames = Annotated[int, Field(ge=-FRAME_BOUND, le=FRAME_BOUND)]


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
    at: Frames


class SplitArgs(OnTrack):
    at: Frames


class GapArgs(OnTrack):
    at: int = Field(ge=0, le=FRAME_BOUND)
    frames: int = Field(gt=0, le=FRAME_BOUND, description="empty frames opened at ``at``")


class ItemIdArgs(OnTrack):
    item_id: str


class TrimArgs(ItemIdArgs):
    edge: Literal["in", "out"]
    delta: Frames
    ripple: bool = False


class MoveArgs(ItemIdArgs):
    to: Frames
    to_track: str | None = None


class DeltaArgs(ItemIdArgs):
    delta: Frames


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


class SequenceArgs(Args):
    sequence: dict[str, Any] = Field(description="a whole project (its JSON) for SequenceClips to show")


class SequenceIdArgs(Args):
    sequence_id: str


class GroupArgs(Args):
    name: str = ""
    ops: list[dict[str, Any]] = Field(default_factory=list, description="operations, applied in order")


class KeyframeArgs(ItemIdArgs):
    property: str = Field(
        description="property path: 'opacity', 'volume', 'transform.x', 'effects[fx_id].sigma'..."
    )
    frame: int = Field(
        ge=-FRAME_BOUND,
        le=FRAME_BOUND,
        description="clip-relative frame on the project grid (0: the clip's first)",
    )


class AddKeyframeArgs(KeyframeArgs):
    value: float
    interp: Interp = "linear"
    handles: tuple[float, float, float, float] | None = None


class MoveKeyframeArgs(KeyframeArgs):
    to: int = Field(ge=-FRAME_BOUND, le=FRAME_BOUND, description="clip-relative frame the keyframe moves to")


class KeyframeInterpArgs(KeyframeArgs):
    interp: Interp
    handles: tuple[float, float, float, float] | None = None


class SetKeyframesArgs(ItemIdArgs):
    property: str
    keyframes: list[Keyframe] = Field(description="the whole curve (source times); empty removes it")
