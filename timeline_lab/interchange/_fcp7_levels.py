"""A clip's sound level as FCP 7 XML's ``Audio Levels`` filter (linear gain: 1 is 0 dB), both ways:
OpenTimelineIO's FCP 7 XML writer writes no volume and its reader keeps the filter as an unnamed
effect, so a turned-down clip came back at full level."""

from __future__ import annotations

from typing import Any

__all__ = ["AUDIO_LEVELS", "audio_level", "audio_levels_filter"]

AUDIO_LEVELS = "audiolevels"
"""The effect id FCP 7 and Premiere write for a clip's level."""
_MAX_LEVEL = 3.98109  # +12 dB, FCP 7's own ceiling


def audio_levels_filter(level: float) -> dict[str, Any]:
    """The ``<filter>`` of a clip at ``level`` (linear), as the FCP 7 XML writer's metadata writes it."""
    parameter = {"parameterid": "level", "name": "Level", "valuemin": "0", "valuemax": f"{_MAX_LEVEL}"}
    return {
        "effect": {
            "name": "Audio Levels",
            "effectid": AUDIO_LEVELS,
            "effectcategory": AUDIO_LEVELS,
            "effecttype": AUDIO_LEVELS,
            "mediatype": "audio",
            "parameter": {**parameter, "value": f"{min(level, _MAX_LEVEL):g}"},
        }
    }


def audio_level(fx: Any) -> float | None:
    """The level an FCP 7 ``Audio Levels`` effect sets (None: another effect, or one keyframed)."""
    data = fx.metadata.get("fcp_xml", {}) if hasattr(fx, "metadata") else {}
    if data.get("effectid") != AUDIO_LEVELS:
        return None
    params = data.get("parameter")
    params = [params] if hasattr(params, "items") else list(params or [])
    level = next((p for p in params if hasattr(p, "get") and p.get("parameterid") == "level"), None)
    try:
        value = float(level.get("value")) if level is not None else None
    except (TypeError, ValueError):
        return None
    return value if value is not None and 0 <= value <= 16 else None
