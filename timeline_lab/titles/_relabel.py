"""Change a placed lower third's name or role so its bar refits them (its timing and look kept)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..errors import ProjectError
from ..model.items import TextClip
from ..model.properties import TextStyle
from ..render.compile.text import measure_text
from ._title import placed_group, template_of

if TYPE_CHECKING:
    from ..model.project import Project
    from ..model.track import Track

__all__ = ["relabel_lower_third"]


def relabel_lower_third(
    project: Project, clip_id: str, *, name: str | None = None, role: str | None = None
) -> list[TextClip]:
    """New ``name``/``role`` for the lower third ``clip_id`` is part of: one undo step.

    Only the text changes, and the bar's fit: the bar (the name and role drawn invisibly in its box)
    takes the new text and its slide's x values the new width, its left edge kept on screen (and its
    right edge off screen); a changed name or role keeps its left edge. Each part's style, y, timing
    and keyframes, as placed or as edited since, are kept.
    """
    parts = _parts(project, clip_id)
    bar = parts["bar"][1]
    old = {k: item.text for k, (_, item) in parts.items()}
    new = {
        "name": old["name"] if name is None else name,
        "role": old.get("role", "") if role is None else role,
    }
    if bool(new["role"]) != bool(old.get("role", "")):
        raise ProjectError("relabel_lower_third: a role cannot be added or removed (place a new lower third)")
    if not new["name"].strip():
        raise ProjectError("relabel_lower_third: the name is empty")
    width = project.settings.width
    changes: dict[str, dict[str, Any]] = {}
    for part in ("name", "role"):
        if part in parts and new[part] != old[part]:
            item = parts[part][1]
            x = _refit(item.x, item.text, new[part], item.style, width)
            changes[part] = {"text": new[part], "x": x}
    text = f"{new['name']}\n{new['role']}" if new["role"] else new["name"]
    if text != bar.text:
        changes["bar"] = _refit_bar(bar, text, width)
    out: list[TextClip] = []
    with project.group("relabel lower_third"):
        for part in ("bar", "name", "role"):
            if part in parts:
                track, item = parts[part]
                edited = track.update(item.id, **changes[part]) if part in changes else item
                assert isinstance(edited, TextClip)
                out.append(edited)
    return out


def _refit(x: float, old: str, new: str, style: TextStyle, width: int) -> float:
    """The centre x of ``new`` drawn with its left edge where ``old``'s is (centred at ``x``)."""
    left = round(x * width - measure_text(old, style).width / 2)
    return (left + measure_text(new, style).width / 2) / width


def _refit_bar(bar: TextClip, text: str, width: int) -> dict[str, Any]:
    """The bar's new text, x and slide keyframes: each x on screen keeps the bar's left edge, each
    off screen to the left its right edge (so it still slides in from just off the canvas)."""
    was, now = measure_text(bar.text, bar.style).width, measure_text(text, bar.style).width
    keyed = bar.keyframes.get("x", [])
    on = max([kf.value for kf in keyed], default=bar.x)
    left = round(on * width - was / 2)
    if left + now > width - left:
        dims = f"{now} px wide"
        msg = f"relabel_lower_third: the bar of {bar.label()!r} ({dims}) would not fit the {width} px canvas"
        raise ProjectError(msg)

    def moved(x: float) -> float:
        if x * width + was / 2 <= 0:  # off screen: keep the right edge
            return (round(x * width + was / 2) - now / 2) / width
        return (round(x * width - was / 2) + now / 2) / width

    keyframes = {k: list(v) for k, v in bar.keyframes.items()}
    if keyed:
        keyframes["x"] = [kf.model_copy(update={"value": moved(kf.value)}) for kf in keyed]
    return {"text": text, "x": moved(bar.x), "keyframes": keyframes}


def _parts(project: Project, clip_id: str) -> dict[str, tuple[Track, TextClip]]:
    """The bar, name and role placed with ``clip_id``: the clips ``place`` gave its group id, or
    (placed before group ids, or pasted) the lower_third clips starting on its frame, when only one
    lower third starts there."""
    found = [(t, i) for t in project.tracks for i in t.items if i.id == clip_id]
    clip = found[0][1] if found else None
    if not isinstance(clip, TextClip) or template_of(clip) != "lower_third":
        raise ProjectError(f"relabel_lower_third: {clip_id!r} is not part of a placed lower third")
    group = placed_group(clip)

    def together(item: TextClip) -> bool:
        if group is not None:
            return placed_group(item) == group
        return placed_group(item) is None and item.start == clip.start

    parts: dict[str, tuple[Track, TextClip]] = {}
    for track in project.tracks:
        for item in track.items:
            if isinstance(item, TextClip) and template_of(item) == "lower_third" and together(item):
                part = item.name.partition(":")[2]
                if part in parts:
                    msg = (
                        f"relabel_lower_third: more than one lower third's {part} goes with {clip_id!r} "
                        "(several start on its frame): edit its text on each clip instead"
                    )
                    raise ProjectError(msg)
                parts[part] = (track, item)
    if "bar" not in parts or "name" not in parts:
        raise ProjectError(f"relabel_lower_third: the bar or name placed with {clip_id!r} is gone")
    if all(item.id != clip_id for _, item in parts.values()):  # a part named other than bar/name/role
        raise ProjectError(f"relabel_lower_third: {clip_id!r} is not a bar, name or role of a lower third")
    return parts
