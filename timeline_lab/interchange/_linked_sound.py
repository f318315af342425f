"""The sound of picture-track clips as sound-track clips, for formats that carry none of our metadata.

In EDL, FCP 7 XML and FCPX XML (as in OpenTimelineIO and every editor they come from) a clip on a
picture track is picture only, its sound is a linked clip on a sound track; our picture-track clips
play their media's sound too. So that such a file sounds as the project does (and re-imports so),
each picture track whose clips are heard gets a sound track beside the sound tracks with those clips
at the same places, as an editor writes linked sound. What those formats cannot say of the sound
(a track's mute and volume; an EDL: any level) is written as what it sounds like, or said.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import opentimelineio as otio

from ._fcp7_levels import audio_levels_filter
from ._otio_common import KEY, our_data, ours_as_metadata

__all__ = ["heard_levels", "linked_sound", "sound_levels"]

log = logging.getLogger(__name__)


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


def heard_levels(tl: otio.schema.Timeline) -> None:
    """Each of our clips' volume times its track's (0 on a muted track), for formats with no track
    volume or mute: before :func:`linked_sound`, so a picture track's sound copies it too."""
    for track in tl.tracks:
        data = our_data(track) or {}
        level = 0.0 if data.get("muted") else float(data.get("volume", 1))
        if level == 1:
            continue
        for clip in track:
            ours = our_data(clip) if isinstance(clip, otio.schema.Clip) else None
            if ours and isinstance(ours.get("item"), dict):
                ours["item"]["volume"] = float(ours["item"].get("volume", 1)) * level
                clip.metadata[KEY] = ours_as_metadata(ours)


def sound_levels(tl: otio.schema.Timeline, p: Path, levels: bool) -> None:
    """Sound as loud as the project plays it where the format can say it: a muted sound track, and
    a clip at volume 0, switched off (FCP 7 XML's ``<enabled>``, left out of an EDL); other levels
    as FCP 7's ``Audio Levels`` where ``levels``, else said once (an EDL has none). Run after
    :func:`heard_levels`, which folds the track's volume into its clips'."""
    lost: list[str] = []
    for track in [t for t in tl.tracks if t.kind == otio.schema.TrackKind.Audio and t.enabled]:
        data = our_data(track) or {}
        if data.get("muted") or data.get("volume", 1) == 0:
            track.enabled = False
            continue
        for clip in track:
            item = ((our_data(clip) or {}).get("item") or {}) if isinstance(clip, otio.schema.Clip) else {}
            volume, keyed = float(item.get("volume", 1)), "volume" in (item.get("keyframes") or {})
            if keyed:
                lost.append(f"{json.dumps(clip.name)} (volume keyframes)")
            elif volume == 0:
                clip.enabled = False
            elif levels:  # a level kept from an FCP 7 XML import is the volume's now
                written = {k: v for k, v in clip.metadata.get("fcp_xml", {}).items() if k != "filter"}
                level = {"filter": audio_levels_filter(volume)} if volume != 1 else {}
                clip.metadata["fcp_xml"] = written | level
            elif volume != 1:
                lost.append(f"{json.dumps(clip.name)} (volume {volume:g})")
    if lost:
        log.warning("%s: the format keeps no sound level: left out for clip(s) %s", p, ", ".join(lost))
