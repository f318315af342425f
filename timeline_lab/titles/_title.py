"""A placed-together group of titles: what a template builds, and how it goes onto a project."""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING

from ..errors import ProjectError
from ..model._base import new_id
from ..model.items import TextClip
from ..model.keyframes import Keyframe
from ..model.time import RationalTime

if TYPE_CHECKING:
    from ..model.keyframes import Interp
    from ..model.project import Project
    from ..model.track import Track

__all__ = ["SAFE", "Point", "Title", "keyframes", "place", "placed_group", "template_of"]

SAFE = 0.1
"""Title-safe margin (a fraction of each side) where templates keep text by default."""


@dataclass(frozen=True)
class Title:
    """A template's TextClips, one layer per track (bottom first), starts relative to the title's.

    They are plain TextClips with keyframes: once placed they edit, save and undo like any clip.
    """

    template: str
    layers: tuple[tuple[TextClip, ...], ...]
    rate: Fraction

    @property
    def frames(self) -> int:
        """How long the whole title lasts, in frames at ``rate``."""
        return max(c.start.to_frames(self.rate) + c.frames(self.rate) for layer in self.layers for c in layer)


def template_of(clip: TextClip) -> str | None:
    """The template a placed clip came from (its name is ``template:part``), None for a plain title."""
    head, sep, _ = clip.name.partition(":")
    return head if sep and head in _TEMPLATES else None


_TEMPLATES = {"lower_third", "full_screen", "credits_roll", "caption"}

_GROUP_ID = re.compile(r"(text_[0-9a-f]{8})_\d+")
"""A placed clip's id: ``text_<group>_<n>``, the group shared by the clips one ``place`` put down."""


def placed_group(clip: TextClip) -> str | None:
    """The group id ``place`` gave ``clip`` with the rest of its title (None: placed before groups
    existed, or pasted, which gives new ids): it ties a lower third's bar, name and role together."""
    m = _GROUP_ID.fullmatch(clip.id)
    return m.group(1) if m and template_of(clip) else None


Point = tuple[int, float, "Interp"]
"""A keyframe as (clip-relative frame, value, interpolation to the next)."""


def keyframes(points: list[Point], rate: Fraction) -> list[Keyframe]:
    """Keyframes at clip-relative frames (a title's keyframe times are clip-relative)."""
    return [Keyframe(time=RationalTime.from_frames(f, rate), value=v, interp=i) for f, v, i in points]


def place(project: Project, title: Title, at: int, tracks: list[Track] | None = None) -> list[TextClip]:
    """Put ``title`` on the project at frame ``at``: ONE undo step (new tracks on top, or ``tracks``).

    Each layer goes on its own track (``tracks`` bottom first, else new video tracks added on top),
    overwriting what lies under it there. The placed clips' ids share a group (``placed_group``).
    """
    if Fraction(project.settings.frame_rate) != title.rate:
        msg = (
            f"{title.template}: built at {title.rate} fps, the project runs at {project.settings.frame_rate}"
        )
        raise ProjectError(msg)
    if tracks is not None and len(tracks) != len(title.layers):
        msg = f"{title.template}: needs {len(title.layers)} tracks (one per layer), got {len(tracks)}"
        raise ProjectError(msg)
    if at < 0:
        raise ProjectError(f"{title.template}: at must be a frame >= 0 (got {at})")
    placed: list[TextClip] = []
    group = new_id("text")
    with project.group(f"place {title.template}"):
        for n, layer in enumerate(title.layers):
            track = (
                tracks[n] if tracks is not None else project.add_track("video", f"{title.template} {n + 1}")
            )
            for clip in layer:
                clip = clip.model_copy(update={"id": f"{group}_{len(placed)}"})
                item = track.overwrite(clip, at + clip.start.to_frames(title.rate))
                assert isinstance(item, TextClip)
                placed.append(item)
    return placed
