"""The sound of picture-track clips as sound-track clips, for formats that carry none of our metadata.

In EDL, FCP 7 XML and FCPX XML (as in OpenTimelineIO and every editor they come from) a clip on a
picture track is picture only, its sound is a linked clip on a sound track; our picture-track clips
play their media's sound too. So that such a file sounds as the project does (and re-imports so),
each picture track whose clips are heard gets a sound track beside the sound tracks with those clips
at the same places, as an editor writes linked sound.
"""

from __future__ import annotations

from typing import Any

import opentimelineio as otio

from ._otio_common import our_data

__all__ = ["linked_sound"]


def linked_sound(tl: otio.schema.Timeline) -> None:
    """Append a sound track for each top-level picture track with clips that are heard."""
    for track in [t for t in tl.tracks if t.kind == otio.schema.TrackKind.Video and t.enabled]:
        if (data := our_data(track)) is not None and (data.get("muted") or not data.get("volume", 1)):
            continue
        children = list(track)
        if not any(_heard(c) for c in children):
            continue
        sound = otio.schema.Track(name=f"{track.name} sound", kind=otio.schema.TrackKind.Audio)
        for k, child in enumerate(children):
            if isinstance(child, otio.schema.Transition):
                after = children[k + 1] if k + 1 < len(children) else None
                if _heard(children[k - 1] if k else None) and _heard(after):
                    sound.append(child.deepcopy())
            elif _heard(child):
                sound.append(child.deepcopy())
            else:
                sound.append(otio.schema.Gap(source_range=child.trimmed_range()))
        tl.tracks.append(sound)


def _heard(child: Any) -> bool:
    """One of our enabled clips whose media has sound at some volume."""
    if not isinstance(child, otio.schema.Clip) or not child.enabled:
        return False
    item = (our_data(child) or {}).get("item") or {}
    media = item.get("media") or {}
    keyed = "volume" in (item.get("keyframes") or {})
    return bool(media.get("has_audio")) and (item.get("volume", 1) > 0 or keyed)
