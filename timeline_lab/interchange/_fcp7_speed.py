"""A fix for otio-fcp-adapter 1.0.0: it reads a speed change as an unnamed, unrendered effect.

Final Cut Pro 7, Premiere and Resolve write a clip's constant speed and reverse as a ``Time Remap``
filter (``speed`` in percent, ``reverse``, ``variablespeed`` 0); the parser makes every filter a
plain Effect, so such a clip imported at 100% (the wrong source frames). This reads a constant Time
Remap as OpenTimelineIO's LinearTimeWarp (negative for reverse, 0 for a freeze), which the import
turns into the clip's speed; a variable one stays an effect named as such (noted, not rendered).
Applied once, only when the adapter is installed.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import opentimelineio as otio

from ._otio_common import adapter_module

__all__ = ["read_speed_changes"]


def read_speed_changes() -> None:
    """Patch the FCP 7 XML parser so a constant Time Remap filter is read as a speed (idempotent)."""
    fcp_xml: Any = adapter_module("fcp_xml")
    if fcp_xml is None:  # the interchange extra is not installed: nothing to fix
        return
    parser: Any = fcp_xml.FCP7XMLParser
    original = parser.effect_from_filter_element
    if getattr(original, "reads_speed", False):
        return

    def effect_from_filter_element(self: Any, filter_element: Any) -> Any:
        effect = original(self, filter_element)
        element = filter_element.find("./effect")
        if element is None or (element.findtext("./effectid") or "").strip().lower() != "timeremap":
            return effect
        if (filter_element.findtext("./enabled") or "").strip().upper() == "FALSE":
            return effect  # switched off: the clip plays at its own speed (noted as an effect)
        scalar = constant_speed(element)
        if scalar is None:
            effect.name = f"{effect.name or 'Time Remap'} (variable speed)"
            return effect
        return otio.schema.LinearTimeWarp(
            name=effect.name or "Time Remap", time_scalar=float(scalar), metadata=effect.metadata
        )

    effect_from_filter_element.reads_speed = True  # type: ignore[attr-defined]
    parser.effect_from_filter_element = effect_from_filter_element


def constant_speed(effect: Any) -> Fraction | None:
    """A Time Remap ``<effect>``'s speed as a fraction of normal (negative: reversed), or None where
    it varies (``variablespeed`` 1, or a keyframed speed) or says no speed."""
    params = {
        (p.findtext("./parameterid") or p.findtext("./name") or "").strip().lower(): p
        for p in effect.iterfind("./parameter")
    }
    variable, speed = params.get("variablespeed"), params.get("speed")
    if variable is not None and _number(variable.findtext("./value")) not in (None, 0):
        return None
    if speed is None or speed.find("./keyframe") is not None:
        return None
    percent = _number(speed.findtext("./value"))
    if percent is None:
        return None
    reverse = params.get("reverse")
    reversed_ = reverse is not None and (reverse.findtext("./value") or "").strip().upper() == "TRUE"
    scalar = abs(percent) / 100
    return -scalar if reversed_ or percent < 0 else scalar  # editors write reverse as a flag, or as -100


def _number(text: str | None) -> Fraction | None:
    """An XML number exactly (``50``, ``33.3333``); None where it is none."""
    try:
        return Fraction((text or "").strip())
    except (ValueError, ZeroDivisionError):
        return None
