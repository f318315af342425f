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

_WHOLE, _REAL, _TEXT = "a whole number", "a number", "a string"
_STYLE_FIELDS = {"font_size": _WHOLE, "color": _TEXT, "box_color": _TEXT}
_CLIP_FIELDS = {"text": _TEXT, "opacity": _REAL, "x": _REAL, "y": _REAL}


def _value(key: str, value: object, kind: str) -> str | int | float:
    """``value`` when it is of the field's kind (no ``str(None)`` text, no number from a string)."""
    if kind == _TEXT and isinstance(value, str):
        return value
    if kind != _TEXT and isinstance(value, int | float) and not isinstance(value, bool):
        if kind == _REAL:
            return float(value)
        if float(value).is_integer():
            return int(value)
    shown = repr(value) if len(repr(value)) <= 40 else f"{repr(value)[:40]}..."
    raise ProjectError(f"title: {key} must be {kind}, got {shown}")


def _text(fields: dict[str, Any], key: str) -> str:
    value = fields.get(key)
    return "" if value is None else str(_value(key, value, _TEXT))


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
    """The inspector's fields as ``edit_title`` keywords (style ones gathered in a partial ``style``);
    a field of the wrong kind is refused by name."""
    if not isinstance(fields, dict):
        raise ProjectError(f"title: fields must be an object of field: value, got {type(fields).__name__}")
    changes: dict[str, Any] = {}
    style: dict[str, Any] = {}
    for key, value in fields.items():
        if key in _CLIP_FIELDS:
            changes[key] = _value(key, value, _CLIP_FIELDS[key])
        elif key in _STYLE_FIELDS:
            unset = key == "box_color" and value in ("", None)
            style[key] = None if unset else _value(key, value, _STYLE_FIELDS[key])
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
