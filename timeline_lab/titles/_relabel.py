"""Change a placed lower third's name or role so its bar refits them (its timing and look kept)."""

from __future__ import annotations

from fractions import Fraction
from typing import TYPE_CHECKING

from ..errors import ProjectError
from ..model.items import TextClip
from ..model.keyframes import Keyframe
from ..render.compile.text import measure_text
from ._lower_third import lower_third
from ._title import placed_group, template_of

if TYPE_CHECKING:
    from ..model.project import Project
    from ..model.track import Track

__all__ = ["relabel_lower_third"]


def relabel_lower_third(
    project: Project, clip_id: str, *, name: str | None = None, role: str | None = None
) -> list[TextClip]:
    """New ``name``/``role`` for the lower third ``clip_id`` is part of: one undo step.

    The bar, name and role are rebuilt by ``lower_third`` with the parameters read back from the
    placed clips (sizes, colours, font, margin, in/out and fade frames), so the bar fits the new
    text; keyframes edited by hand on those clips are replaced.
    """
    parts = _parts(project, clip_id)
    bar, text = parts["bar"][1], parts["name"][1]
    old_role = parts["role"][1].text if "role" in parts else ""
    new_role = old_role if role is None else role
    if bool(new_role) != bool(old_role):
        raise ProjectError("relabel_lower_third: a role cannot be added or removed (place a new lower third)")
    s, rate = project.settings, Fraction(project.settings.frame_rate)
    fades = [kf.time.to_frames(rate) for kf in text.keyframes.get("opacity", [])]
    total = bar.frames(rate)
    slide = _slide(bar.keyframes.get("x", []), rate, total)
    if slide is None or len(fades) != 4:
        raise ProjectError(f"relabel_lower_third: {bar.label()!r} no longer has the template's keyframes")
    left = round(bar.x * s.width - measure_text(bar.text, bar.style).width / 2)
    title = lower_third(
        project,
        text.text if name is None else name,
        new_role,
        duration=total,
        in_frames=slide[0],
        out_frames=slide[1],
        text_delay=fades[0],
        text_fade=fades[1] - fades[0],
        name_size=text.style.font_size,
        role_size=parts["role"][1].style.font_size if "role" in parts else None,
        font=text.style.font,
        color=text.style.color,
        bar_color=bar.style.box_color or "#00000000",
        padding=bar.style.box_padding,
        margin=left / s.width,
    )
    out: list[TextClip] = []
    with project.group("relabel lower_third"):
        for (new,) in title.layers:
            track, old = parts[new.name.partition(":")[2]]
            changes = {k: getattr(new, k) for k in ("text", "x", "y", "style", "keyframes")}
            item = track.update(old.id, **changes)
            assert isinstance(item, TextClip)
            out.append(item)
    return out


def _slide(frames: list[Keyframe], rate: Fraction, total: int) -> tuple[int, int] | None:
    """(in_frames, out_frames) of the bar's slide, read from its keyframes' values, not their count:
    the bar is on screen (its largest x) from its first keyframe there to its last, and a slide of
    0 frames has no off-screen keyframe at that end (None: no keyframes)."""
    if not frames:
        return None
    on = max(kf.value for kf in frames)
    shown = [kf.time.to_frames(rate) for kf in frames if kf.value == on]
    in_frames = shown[0] if frames[0].value != on else 0
    out_frames = total - 1 - shown[-1] if frames[-1].value != on else 0
    return in_frames, out_frames


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
