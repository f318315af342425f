"""An FCPX clip's sound level as the model's volume, both ways (otio-fcpx-xml-adapter 1.x kept none).

A clip lowered with ``<adjust-volume amount="-20dB"/>``, muted (Final Cut's floor, -96 dB) or with
every audio source switched off (``<audio-channel-source active="0">``, ``<audio-role-source>``)
played at full volume. A constant level is now the clip's volume and sources all switched off are
silence; what one volume cannot say (a keyframed level, some sources off, sources at different
levels) is an effect named after it, which the import notes as not rendered. The writer writes a
clip's volume as its ``<adjust-volume>`` (0 as -96 dB).
"""

from __future__ import annotations

import math
from typing import Any
from xml.etree import ElementTree

import opentimelineio as otio

from ._otio_common import our_data

__all__ = ["VOLUME", "sound_level", "volume_written"]

VOLUME = "fcpx_volume"
"""Metadata on a clip: its volume as a gain (1 where not given)."""

_FLOOR_DB = -96.0
"""Final Cut's lowest level: silence."""
_MAX_GAIN = 16.0
"""The model's loudest volume (+24 dB; Final Cut goes to +12 dB)."""
_SOURCES = ("audio-channel-source", "audio-role-source")


def sound_level(elements: list[Any], clip: otio.schema.Clip) -> None:
    """Give ``clip`` the level its ``elements`` (the element and its timing ``<clip>``) set."""
    gain, unsaid = 1.0, []
    for el in elements:
        level = _adjusted(el)
        if level is None:
            unsaid.append(f"FCPX keyframed volume of {_named(el)}")
        else:
            gain *= level
        sources = [s for s in el if s.tag in _SOURCES]
        on = [s for s in sources if s.get("active", "1") != "0"]
        if sources and not on:
            gain = 0.0
        elif len(on) < len(sources):
            unsaid.append(f"FCPX audio sources switched off in {_named(el)} (the clip plays all)")
        levels = {_adjusted(s) for s in on}
        shared = next(iter(levels)) if len(levels) == 1 else None
        if shared is not None:
            gain *= shared
        elif levels:
            unsaid.append(f"FCPX audio sources of {_named(el)} at keyframed or their own levels")
    if gain != 1.0:
        clip.metadata[VOLUME] = min(gain, _MAX_GAIN)
    clip.effects.extend(otio.schema.Effect(effect_name=name) for name in unsaid)


def _adjusted(el: Any) -> float | None:
    """The gain of ``el``'s ``<adjust-volume>`` (1 without one), None where it is keyframed."""
    adjust = el.find("adjust-volume")
    if adjust is None:
        return 1.0
    if adjust.find("param") is not None:
        return None
    text = adjust.get("amount", "0dB")
    try:
        db = float(text.strip().removesuffix("dB"))
    except ValueError:
        msg = f'<adjust-volume amount="{text}"> of {_named(el)}: not a level in dB (such as "-6dB")'
        raise ValueError(msg) from None
    if db != db:  # NaN
        raise ValueError(f'<adjust-volume amount="{text}"> of {_named(el)}: not a level in dB')
    return 0.0 if db <= _FLOOR_DB else float(10 ** (min(db, 40.0) / 20))


def _named(el: Any) -> str:
    """How a message names an element: ``<asset-clip> "quiet"``."""
    name = el.get("name")
    return f'<{el.tag}> "{name}"' if name else f"<{el.tag}>"


def volume_written(fcpx: Any) -> None:
    """Patch the writer's clips to carry their volume (idempotent)."""
    writer = fcpx.FcpxOtio
    original = writer._element_for_clip
    if getattr(original, "levelled", False):
        return

    def element_for_clip(self: Any, item: Any, asset_id: Any, duration: Any, lane: Any) -> Any:
        element = original(self, item, asset_id, duration, lane)
        volume = ((our_data(item) or {}).get("item") or {}).get("volume", 1.0)
        if isinstance(volume, int | float) and volume != 1:
            audio = element.find("./gap/audio")  # a sound track's clip: its sound is this <audio>
            target = audio if audio is not None else element
            ElementTree.SubElement(target, "adjust-volume", {"amount": _db(float(volume))})
        return element

    element_for_clip.levelled = True  # type: ignore[attr-defined]
    writer._element_for_clip = element_for_clip


def _db(gain: float) -> str:
    """A gain as Final Cut's level (``-6.020599913279624dB``; silence as its floor, -96 dB)."""
    return f"{_FLOOR_DB:g}dB" if gain <= 10 ** (_FLOOR_DB / 20) else f"{20 * math.log10(gain)!r}dB"
