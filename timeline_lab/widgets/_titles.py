"""The kernel half of the timeline's title picker and inspector: forms in, templates and edits out.

The widget sends a template's name and the few fields its form shows, or the inspector's changed
fields; the templates (``timeline_lab.titles``) and ``TimelineWidget.edit_title`` do the rest, so
the browser never lays out text or knows a template's parts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..errors import ProjectError
from ..model.items import TextClip
from ..titles import Credit, Title, caption, credits_roll, full_screen, lower_third, template_of

if TYPE_CHECKING:
    from ..model.project import Project

__all__ = ["TEMPLATE_LABELS", "edit_changes", "title_from_form", "title_view"]

TEMPLATE_LABELS = {
    "lower_third": "lower third",
    "full_screen": "full-screen",
    "caption": "caption",
    "credits_roll": "credits roll",
}
"""The picker's templates and how the widget names them (also a placed clip's badge)."""

_STYLE_FIELDS = {"font_size": int, "color": str, "box_color": str}
_CLIP_FIELDS = {"text": str, "opacity": float, "x": float, "y": float}


def _text(fields: dict[str, Any], key: str) -> str:
    return str(fields.get(key, "") or "")


def _credits(text: str) -> list[Credit]:
    """Lines ``role: name`` become two-column credits, other lines centred ones (blank lines kept out)."""
    out: list[Credit] = []
    for line in text.splitlines():
        role, sep, name = line.partition(":")
        if sep and role.strip() and name.strip():
            out.append((role.strip(), name.strip()))
        elif line.strip():
            out.append(line.strip())
    if not out:
        raise ProjectError("credits_roll: no credits (one per line, 'role: name' for two columns)")
    return out


def title_from_form(project: Project, template: str, fields: dict[str, Any]) -> Title:
    """The template the picker's form describes (its main fields; the rest keep their defaults)."""
    if template == "lower_third":
        return lower_third(project, _text(fields, "name"), _text(fields, "role"))
    if template == "full_screen":
        return full_screen(project, _text(fields, "text"))
    if template == "caption":
        return caption(project, _text(fields, "text"))
    if template == "credits_roll":
        return credits_roll(project, _credits(_text(fields, "credits")))
    raise ProjectError(f"title: unknown template {template!r} (one of {', '.join(TEMPLATE_LABELS)})")


def edit_changes(fields: dict[str, Any]) -> dict[str, Any]:
    """The inspector's fields as ``edit_title`` keywords (style ones gathered in a partial ``style``)."""
    changes: dict[str, Any] = {}
    style: dict[str, Any] = {}
    for key, value in fields.items():
        if key in _CLIP_FIELDS:
            changes[key] = _CLIP_FIELDS[key](value)
        elif key in _STYLE_FIELDS:
            style[key] = None if key == "box_color" and value in ("", None) else _STYLE_FIELDS[key](value)
        else:
            raise ProjectError(f"title: the inspector cannot change {key!r}")
    if style:
        changes["style"] = style
    if not changes:
        raise ProjectError("title: nothing to change")
    return changes


def title_view(clip: TextClip) -> tuple[str, dict[str, Any]]:
    """(label, inspector fields) of a text clip: a template's clips are labelled with template and part."""
    template = template_of(clip)
    part = clip.name.partition(":")[2] if template else ""
    badge = f"{TEMPLATE_LABELS.get(template or '', template)} · {part}" if template else ""
    label = f"{badge}: {clip.text[:24]}" if badge else clip.label()
    fields = {
        "template": badge,
        "text": clip.text,
        "font_size": clip.style.font_size,
        "color": clip.style.color,
        "box_color": clip.style.box_color or "",
        "opacity": clip.opacity,
        "x": clip.x,
        "y": clip.y,
    }
    return label, fields
